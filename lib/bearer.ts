// The `Authorization: Bearer <token>` plumbing of steps 02–05 (RFC 6750).
import type { Context } from 'koa'
import { HttpError } from './errors.ts'

/** The token from `Authorization: Bearer <token>`; the scheme name is case-insensitive (RFC 9110 §11.1). */
export function readBearerToken(ctx: Context): string | undefined {
  const match = /^bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(ctx.get('Authorization'))
  return match?.[1]
}

/** A 401 that tells the client which scheme to use, and whether the token it sent was the problem. */
export function unauthorized(message: string, tokenWasSent: boolean): HttpError {
  const challenge = tokenWasSent ? 'Bearer error="invalid_token"' : 'Bearer'
  return new HttpError(401, message, { 'WWW-Authenticate': challenge })
}

/** Token responses must never be cached by a browser or a proxy (RFC 6749 §5.1). */
export function sendTokens(ctx: Context, tokens: Record<string, unknown>, status = 200) {
  ctx.set('Cache-Control', 'no-store')
  ctx.set('Pragma', 'no-cache')
  ctx.status = status
  ctx.body = tokens
}
