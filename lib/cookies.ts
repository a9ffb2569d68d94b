// The cookie plumbing of the session steps (01 and 06).
import type { Context, Middleware } from 'koa'
import { randomBytes } from 'node:crypto'
import { forbidden } from './errors.ts'

/** The cookie's name over plain HTTP (a laptop's http://localhost). */
export const SESSION_COOKIE = 'sid'
/**
 * Its name wherever it is Secure. A browser accepts a `__Host-` cookie only if it is Secure, set from a secure
 * origin, with Path=/ and no Domain (RFC 6265bis, "The __Host- Prefix"): so no sibling subdomain and no
 * plain-HTTP page can plant or overwrite one, and reading only this name refuses any `sid` planted that way.
 */
export const SECURE_SESSION_COOKIE = '__Host-sid'

/** 256 bits from the OS's CSPRNG, base64url: unguessable, and safe in a cookie. */
export function newSessionId(): string {
  return randomBytes(32).toString('base64url')
}

/** The session cookie of this request: `__Host-sid` where cookies are Secure, `sid` elsewhere, never the other. */
export function readSessionCookie(ctx: Context): string | undefined {
  return ctx.cookies.get(sessionCookieName(ctx)) || undefined
}

/**
 * HttpOnly: the page's scripts cannot read it (an XSS can still act with it while the page is open).
 * SameSite=Lax: other sites' forms and scripts do not send it on a POST.
 * Secure: the browser sends it over HTTPS only. Set whenever this request came over HTTPS, directly or through
 * a proxy trusted with TRUST_PROXY=1, and always in production, where a proxy nobody told us about may be in front.
 */
export function setSessionCookie(ctx: Context, sessionId: string, expiresAt: number) {
  ctx.cookies.set(sessionCookieName(ctx), sessionId, { ...cookieFlags(ctx), expires: new Date(expiresAt) })
}

export function clearSessionCookie(ctx: Context) {
  ctx.cookies.set(sessionCookieName(ctx), '', { ...cookieFlags(ctx), expires: new Date(0) })
}

/** Secure whenever this request came over HTTPS (directly or through a trusted proxy), and always in production. */
function isSecure(ctx: Context): boolean {
  return ctx.secure || ctx.app.env === 'production'
}

function sessionCookieName(ctx: Context): string {
  return isSecure(ctx) ? SECURE_SESSION_COOKIE : SESSION_COOKIE
}

function cookieFlags(ctx: Context) {
  const secure = isSecure(ctx)
  // The cookies module refuses a Secure cookie on what it sees as plain HTTP; in production we know better.
  if (secure) ctx.cookies.secure = true
  // Path=/ and no Domain: what the __Host- prefix requires, and host-only is what a session wants anyway.
  return { httpOnly: true, sameSite: 'lax' as const, path: '/', secure }
}

const STATE_CHANGING = ['POST', 'PUT', 'PATCH', 'DELETE']

/**
 * Cookies ride along on cross-site requests, so a state-changing request from another origin is refused
 * (OWASP CSRF Prevention Cheat Sheet: verifying origin with standard headers, and Fetch Metadata headers).
 * The origin is the whole of it, scheme, host and port: http://this-host is not https://this-host.
 *
 * A request with neither Origin nor Sec-Fetch-Site is let through, on purpose. The cheat sheet says of a
 * request without Origin (or Referer) that "you can either accept or block the request. We recommend
 * blocking." We accept it because no browser sends one: the Fetch standard has every request whose method
 * is not GET or HEAD carry an Origin header (`null` when the origin is hidden, and that is refused), and every
 * current browser follows it. What arrives without one is curl, a script or a server, which holds no victim's
 * cookie, only its own. Should an old browser ever omit it, SameSite=Lax still keeps the cookie off a
 * cross-site POST. So the README's `curl` lines work as written.
 */
export function sameOriginOnly(): Middleware {
  return async (ctx, next) => {
    if (STATE_CHANGING.includes(ctx.method)) {
      // Fetch Metadata: the browser itself says that another site made this request, even where it sends no Origin.
      if (ctx.get('Sec-Fetch-Site').toLowerCase() === 'cross-site') {
        throw forbidden('Cross-site request refused: the browser says it comes from another site (Sec-Fetch-Site: cross-site).')
      }
      const origin = ctx.get('Origin')
      const own = normalOrigin(`${ctx.protocol}://${ctx.host}`)
      if (origin && (own === undefined || normalOrigin(origin) !== own)) {
        throw forbidden(`Cross-site request refused: Origin ${origin} is not this origin (${own ?? ctx.host}).`)
      }
    }
    await next()
  }
}

/** `scheme://host[:port]`, lower-cased, with a default port left out, as browsers send it; undefined for "null" and junk. */
function normalOrigin(value: string): string | undefined {
  try {
    const origin = new URL(value).origin
    return origin === 'null' ? undefined : origin
  } catch {
    return undefined // "null" and other opaque origins match nothing
  }
}
