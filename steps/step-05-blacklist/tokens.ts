// Two tokens: a short-lived access token sent on every request, and a long-lived refresh token that is
// sent only to POST /refresh, to mint the next pair. Each kind has its own secret.
import type { KeyObject } from 'node:crypto'
import { randomBytes } from 'node:crypto'
import jwt from 'jsonwebtoken'
import type { Knex } from 'knex'
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

export interface AccessClaims extends TokenClaims {
  ver: number
}
export interface RefreshClaims extends TokenClaims {
  ver: number
}

export type TokenPair = { accessToken: string; refreshToken: string }

export function issueTokens(deps: AppDeps, user: User): TokenPair {
  return { accessToken: signAccessToken(deps, user), refreshToken: signRefreshToken(deps, user) }
}

export function signAccessToken({ secrets, clock }: AppDeps, user: User): string {
  // TODO(2): the access token of step 04, plus a `ver` claim: the user's refresh_token_version.
  //          README.md → "Exercise 2" has hints.
  throw new NotImplemented('step-05 TODO(2): put `ver` in the access token in signAccessToken (tokens.ts)')
}

export function signRefreshToken({ secrets, clock }: AppDeps, user: User): string {
  const claims = { sub: String(user.id), iat: epochSeconds(clock), jti: newTokenId(), ver: user.refresh_token_version }
  return jwt.sign(claims, secrets.refresh, { algorithm: 'HS256', expiresIn: REFRESH_TOKEN_SECONDS })
}

export function verifyAccessToken({ secrets, clock }: AppDeps, token: string): AccessClaims {
  const payload = verifyToken('access', secrets.access, clock, token)
  if (typeof payload.ver !== 'number') throw unauthorized('The access token lacks `ver`. Log in again.', true)
  return payload as AccessClaims
}

export function verifyRefreshToken({ secrets, clock }: AppDeps, token: string): RefreshClaims {
  const payload = verifyToken('refresh', secrets.refresh, clock, token)
  if (typeof payload.ver !== 'number') throw unauthorized('The refresh token lacks `ver`. Log in again.', true)
  return payload as RefreshClaims
}

/**
 * Ends every token of the user at once: access and refresh tokens all carry the old version now. An atomic
 * increment in SQL, not a read then a write, so two bumps racing cannot both write the same number.
 */
export async function revokeAllForUser(db: Knex, userId: number): Promise<void> {
  await db('users').where({ id: userId }).increment('refresh_token_version', 1)
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
