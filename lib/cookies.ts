// The cookie plumbing of the session steps (01 and 06).
import type { Context, Middleware } from 'koa'
import { randomBytes } from 'node:crypto'
import { forbidden } from './errors.ts'

export const SESSION_COOKIE = 'sid'

/** 256 bits from the OS's CSPRNG, base64url: unguessable, and safe in a cookie. */
export function newSessionId(): string {
  return randomBytes(32).toString('base64url')
}

export function readSessionCookie(ctx: Context): string | undefined {
  return ctx.cookies.get(SESSION_COOKIE) || undefined
}

/**
 * HttpOnly: scripts cannot read it. SameSite=Lax: other sites' forms do not send it on a POST.
 * Secure when the request came over HTTPS (Koa refuses to set a Secure cookie over plain HTTP).
 */
export function setSessionCookie(ctx: Context, sessionId: string, expiresAt: number) {
  ctx.cookies.set(SESSION_COOKIE, sessionId, {
    httpOnly: true,
    sameSite: 'lax',
    path: '/',
    secure: ctx.secure,
    expires: new Date(expiresAt),
  })
}

export function clearSessionCookie(ctx: Context) {
  ctx.cookies.set(SESSION_COOKIE, '', { httpOnly: true, sameSite: 'lax', path: '/', secure: ctx.secure, expires: new Date(0) })
}

/**
 * Cookies ride along on cross-site requests, so a state-changing request from another origin is refused
 * (OWASP CSRF Cheat Sheet: verifying origin with standard headers). No Origin header: not a browser form.
 */
export function sameOriginOnly(): Middleware {
  return async (ctx, next) => {
    const origin = ctx.get('Origin')
    if (origin && ['POST', 'PUT', 'PATCH', 'DELETE'].includes(ctx.method) && originHost(origin) !== ctx.get('Host')) {
      throw forbidden(`Cross-site request refused: Origin ${origin} is not this site (${ctx.get('Host')}).`)
    }
    await next()
  }
}

function originHost(origin: string): string | undefined {
  try {
    return new URL(origin).host
  } catch {
    return undefined // "null" and other opaque origins match nothing
  }
}
