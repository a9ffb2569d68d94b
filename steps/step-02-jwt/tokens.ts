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
  // TODO(1): sign a JWT with HS256 and secrets.access: `sub` = the user id as a string, `iat` = now from the
  //          clock, expiring ACCESS_TOKEN_SECONDS later, with the header typ TOKEN_TYPES.access ('access+jwt').
  //          README.md → "Exercise 1" has hints.
  throw new NotImplemented('step-02 TODO(1): sign the access token in signAccessToken (tokens.ts)')
}

export function verifyAccessToken({ secrets, clock }: AppDeps, token: string): AccessClaims {
  // TODO(2): verify the token's signature and expiry and return its claims. Pin the algorithm to HS256, use
  //          the clock, refuse a token whose header is not typ access+jwt (hasType), and one without `exp` or `sub`:
  //          every failure is a 401 (unauthorized()). README.md → "Exercise 2" has hints.
  throw new NotImplemented('step-02 TODO(2): verify the access token in verifyAccessToken (tokens.ts)')
}
