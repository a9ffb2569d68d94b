// Signing and verifying the access token: a JWT whose signature is the only thing the server checks.
import jwt from 'jsonwebtoken'
import type { AppDeps } from '../../lib/app.ts'
import { unauthorized } from '../../lib/bearer.ts'
import { epochSeconds } from '../../lib/clock.ts'
import { hasType, TOKEN_TYPES } from '../../lib/token-types.ts'

export const ACCESS_TOKEN_SECONDS = 7 * 24 * 60 * 60 // 7 days

export interface AccessClaims {
  sub: string
  iat: number
  exp: number
}

export function signAccessToken({ secrets, clock }: AppDeps, userId: number): string {
  const claims = { sub: String(userId), iat: epochSeconds(clock) }
  // The header says what kind of token this is (RFC 8725 §3.11): typ access+jwt, a type of our own.
  const header = { alg: 'HS256', typ: TOKEN_TYPES.access }
  return jwt.sign(claims, secrets.access, { algorithm: 'HS256', expiresIn: ACCESS_TOKEN_SECONDS, header })
}

export function verifyAccessToken({ secrets, clock }: AppDeps, token: string): AccessClaims {
  let decoded: jwt.Jwt
  try {
    // Pin the algorithm (RFC 8725 §3.1): never let the token's header choose it (`alg: none`, or HS512 with our key).
    decoded = jwt.verify(token, secrets.access, { algorithms: ['HS256'], clockTimestamp: epochSeconds(clock), complete: true })
  } catch (err) {
    const reason = err instanceof jwt.TokenExpiredError ? 'has expired' : 'is not valid'
    throw unauthorized(`The access token ${reason}. Log in again.`, true)
  }
  // Explicit typing (RFC 8725 §3.11): a token of another kind, or of none, is refused whatever key signed it.
  if (!hasType(decoded.header, 'access')) throw unauthorized('This is not an access token: its header must say typ: access+jwt.', true)
  const payload = decoded.payload
  // jsonwebtoken accepts a token without `exp` as one that never expires: refuse it.
  if (typeof payload !== 'object' || typeof payload.exp !== 'number' || typeof payload.sub !== 'string') {
    throw unauthorized('The access token lacks `sub` or `exp`.', true)
  }
  return payload as AccessClaims
}
