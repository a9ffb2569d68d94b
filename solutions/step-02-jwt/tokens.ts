// Signing and verifying the access token: a JWT whose signature is the only thing the server checks.
import jwt from 'jsonwebtoken'
import type { AppDeps } from '../../lib/app.ts'
import { unauthorized } from '../../lib/bearer.ts'
import { epochSeconds } from '../../lib/clock.ts'

export const ACCESS_TOKEN_SECONDS = 7 * 24 * 60 * 60 // 7 days

export interface AccessClaims {
  sub: string
  iat: number
  exp: number
}

export function signAccessToken({ secrets, clock }: AppDeps, userId: number): string {
  const claims = { sub: String(userId), iat: epochSeconds(clock) }
  return jwt.sign(claims, secrets.access, { algorithm: 'HS256', expiresIn: ACCESS_TOKEN_SECONDS })
}

export function verifyAccessToken({ secrets, clock }: AppDeps, token: string): AccessClaims {
  let payload: string | jwt.JwtPayload
  try {
    // Pin the algorithm: never let the token's header choose it (`alg: none`, or HS512 with our key).
    payload = jwt.verify(token, secrets.access, { algorithms: ['HS256'], clockTimestamp: epochSeconds(clock) })
  } catch (err) {
    const reason = err instanceof jwt.TokenExpiredError ? 'has expired' : 'is not valid'
    throw unauthorized(`The access token ${reason}. Log in again.`, true)
  }
  // jsonwebtoken accepts a token without `exp` as one that never expires: refuse it.
  if (typeof payload !== 'object' || typeof payload.exp !== 'number' || typeof payload.sub !== 'string') {
    throw unauthorized('The access token lacks `sub` or `exp`.', true)
  }
  return payload as AccessClaims
}
