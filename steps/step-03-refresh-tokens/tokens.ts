// Two tokens: a short-lived access token sent on every request, and a long-lived refresh token that is
// sent only to POST /refresh, to mint the next pair. Each kind has its own secret.
import type { KeyObject } from 'node:crypto'
import { randomBytes } from 'node:crypto'
import jwt from 'jsonwebtoken'
import type { AppDeps } from '../../lib/app.ts'
import { unauthorized } from '../../lib/bearer.ts'
import { epochSeconds, type Clock } from '../../lib/clock.ts'
import type { User } from '../../lib/users.ts'

export const ACCESS_TOKEN_SECONDS = 15 * 60 // 15 minutes: a stolen access token is worth little
export const REFRESH_TOKEN_SECONDS = 30 * 24 * 60 * 60 // 30 days: how long a device stays logged in

export interface TokenClaims {
  sub: string
  iat: number
  exp: number
  jti: string
}

export type AccessClaims = TokenClaims
export type RefreshClaims = TokenClaims

export type TokenPair = { accessToken: string; refreshToken: string }

export function issueTokens(deps: AppDeps, user: User): TokenPair {
  return { accessToken: signAccessToken(deps, user), refreshToken: signRefreshToken(deps, user) }
}

export function signAccessToken({ secrets, clock }: AppDeps, user: User): string {
  const claims = { sub: String(user.id), iat: epochSeconds(clock), jti: newTokenId() }
  return jwt.sign(claims, secrets.access, { algorithm: 'HS256', expiresIn: ACCESS_TOKEN_SECONDS })
}

export function signRefreshToken({ secrets, clock }: AppDeps, user: User): string {
  // TODO(1): sign the refresh token like the access token above, but with secrets.refresh and
  //          REFRESH_TOKEN_SECONDS: `sub`, `iat` from the clock, and a fresh `jti`.
  //          README.md → "Exercise 1" has hints.
  throw new NotImplemented('step-03 TODO(1): sign the refresh token in signRefreshToken (tokens.ts)')
}

export function verifyAccessToken({ secrets, clock }: AppDeps, token: string): AccessClaims {
  const payload = verifyToken('access', secrets.access, clock, token)
  return payload as AccessClaims
}

export function verifyRefreshToken({ secrets, clock }: AppDeps, token: string): RefreshClaims {
  // TODO(2): verify the refresh token and return its claims. Which secret? verifyToken below does the rest.
  //          README.md → "Exercise 2" has hints.
  throw new NotImplemented('step-03 TODO(2): verify the refresh token in verifyRefreshToken (tokens.ts)')
}

// A token id makes every token unique, even two minted in the same second: rotation really gives a new one.
// 256 bits from the CSPRNG, so nobody can guess one.
function newTokenId(): string {
  return randomBytes(32).toString('base64url')
}

function verifyToken(kind: 'access' | 'refresh', key: KeyObject, clock: Clock, token: string): jwt.JwtPayload {
  let payload: string | jwt.JwtPayload
  try {
    // Pin the algorithm: never let the token's header choose it. The two secrets keep the kinds apart.
    payload = jwt.verify(token, key, { algorithms: ['HS256'], clockTimestamp: epochSeconds(clock) })
  } catch (err) {
    const reason = err instanceof jwt.TokenExpiredError ? 'has expired' : 'is not valid'
    const next = kind === 'access' ? 'Refresh it, or log in again.' : 'Log in again.'
    throw unauthorized(`The ${kind} token ${reason}. ${next}`, true)
  }
  // jsonwebtoken accepts a token without `exp` as one that never expires: refuse it.
  if (typeof payload !== 'object' || typeof payload.exp !== 'number' || typeof payload.sub !== 'string' || typeof payload.jti !== 'string') {
    throw unauthorized(`The ${kind} token lacks \`sub\`, \`exp\` or \`jti\`.`, true)
  }
  return payload
}
