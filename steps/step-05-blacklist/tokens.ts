// Two tokens: a short-lived access token sent on every request, and a long-lived refresh token that is
// sent only to POST /refresh, to mint the next pair. Each kind has its own secret and says what it is.
import type { KeyObject } from 'node:crypto'
import { randomBytes } from 'node:crypto'
import jwt from 'jsonwebtoken'
import type { Knex } from 'knex'
import type { AppDeps } from '../../lib/app.ts'
import { unauthorized } from '../../lib/bearer.ts'
import { epochSeconds, type Clock } from '../../lib/clock.ts'
import { hasType, TOKEN_TYPES, type TokenKind } from '../../lib/token-types.ts'
import type { User } from '../../lib/users.ts'

export const ACCESS_TOKEN_SECONDS = 15 * 60 // 15 minutes: a stolen access token is worth little
export const REFRESH_TOKEN_SECONDS = 30 * 24 * 60 * 60 // 30 days after the login: the longest a device stays logged in
export const REFRESH_TOKEN_IDLE_SECONDS = 7 * 24 * 60 * 60 // 7 days unused: a device left alone must log in again

export interface TokenClaims {
  sub: string
  iat: number
  exp: number
  jti: string
}

export interface AccessClaims extends TokenClaims {
  ver: number
  sid: string
}
export interface RefreshClaims extends TokenClaims {
  auth_time: number
  ver: number
  sid: string
}

export type TokenPair = { accessToken: string; refreshToken: string }

/** The login a pair descends from. Rotation hands it on unchanged, so a refresh chain cannot outlive it. */
export interface Login {
  /** The login's id, the family id of all its tokens: OpenID Connect's name for a session id, on purpose. */
  sid: string
  /** When the password was checked, in epoch seconds (OpenID Connect's name for it). */
  auth_time: number
}

export function newLogin({ clock }: AppDeps): Login {
  return { sid: newTokenId(), auth_time: epochSeconds(clock) }
}

/** The login of a refresh token being rotated: the new pair carries it on. */
export function loginOf(claims: RefreshClaims): Login {
  return { sid: claims.sid, auth_time: claims.auth_time }
}

export function issueTokens(deps: AppDeps, user: User, login: Login): TokenPair {
  return { accessToken: signAccessToken(deps, user, login), refreshToken: signRefreshToken(deps, user, login) }
}

export function signAccessToken({ secrets, clock }: AppDeps, user: User, login: Login): string {
  // TODO(2): the access token of step 04, plus a `ver` claim (the user's refresh_token_version) and a `sid`
  //          claim (the id of the login it descends from). README.md → "Exercise 2" has hints.
  throw new NotImplemented('step-05 TODO(2): put `ver` and `sid` in the access token in signAccessToken (tokens.ts)')
}

export function signRefreshToken({ secrets, clock }: AppDeps, user: User, login: Login): string {
  // 7 days from now (RFC 9700 §4.14.2: a refresh token SHOULD expire when the client has been inactive), and
  // never past 30 days after the login, whatever the rotations: otherwise refreshing would extend it forever.
  const exp = Math.min(epochSeconds(clock) + REFRESH_TOKEN_IDLE_SECONDS, login.auth_time + REFRESH_TOKEN_SECONDS)
  const claims = { sub: String(user.id), iat: epochSeconds(clock), exp, jti: newTokenId(), auth_time: login.auth_time, ver: user.refresh_token_version, sid: login.sid }
  const header = { alg: 'HS256', typ: TOKEN_TYPES.refresh }
  return jwt.sign(claims, secrets.refresh, { algorithm: 'HS256', header })
}

export function verifyAccessToken({ secrets, clock }: AppDeps, token: string): AccessClaims {
  const payload = verifyToken('access', secrets.access, clock, token)
  if (typeof payload.ver !== 'number' || typeof payload.sid !== 'string') throw unauthorized('The access token lacks `ver` or `sid`. Log in again.', true)
  return payload as AccessClaims
}

export function verifyRefreshToken({ secrets, clock }: AppDeps, token: string): RefreshClaims {
  const payload = verifyToken('refresh', secrets.refresh, clock, token)
  if (typeof payload.auth_time !== 'number') throw unauthorized('The refresh token lacks `auth_time`. Log in again.', true)
  if (typeof payload.ver !== 'number' || typeof payload.sid !== 'string') throw unauthorized('The refresh token lacks `ver` or `sid`. Log in again.', true)
  return payload as RefreshClaims
}

/**
 * Ends every token of the user at once, of every login: access and refresh tokens all carry the old version
 * now. An atomic increment in SQL, not a read then a write, so two bumps racing cannot both write the same number.
 */
export async function revokeAllForUser(db: Knex, userId: number): Promise<void> {
  await db('users').where({ id: userId }).increment('refresh_token_version', 1)
}

// A token id makes every token unique, even two minted in the same second: rotation really gives a new one.
// A login's id is made the same way. 256 bits from the CSPRNG, so nobody can guess one.
function newTokenId(): string {
  return randomBytes(32).toString('base64url')
}

function verifyToken(kind: TokenKind, key: KeyObject, clock: Clock, token: string): jwt.JwtPayload {
  let decoded: jwt.Jwt
  try {
    // Pin the algorithm (RFC 8725 §3.1): never let the token's header choose it.
    decoded = jwt.verify(token, key, { algorithms: ['HS256'], clockTimestamp: epochSeconds(clock), complete: true })
  } catch (err) {
    const reason = err instanceof jwt.TokenExpiredError ? 'has expired' : 'is not valid'
    const next = kind === 'access' ? 'Refresh it, or log in again.' : 'Log in again.'
    throw unauthorized(`The ${kind} token ${reason}. ${next}`, true)
  }
  // Explicit typing (RFC 8725 §3.11): the other kind, or none, is refused whatever key signed it.
  if (!hasType(decoded.header, kind)) throw unauthorized(`This is not ${kind === 'access' ? 'an access' : 'a refresh'} token: its header must say typ: ${TOKEN_TYPES[kind]}.`, true)
  const payload = decoded.payload
  // jsonwebtoken accepts a token without `exp` as one that never expires: refuse it.
  if (typeof payload !== 'object' || typeof payload.exp !== 'number' || typeof payload.sub !== 'string' || typeof payload.jti !== 'string') {
    throw unauthorized(`The ${kind} token lacks \`sub\`, \`exp\` or \`jti\`.`, true)
  }
  return payload
}
