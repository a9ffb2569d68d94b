// Two tokens: a short-lived access token sent on every request, and a long-lived refresh token that is
// sent only to POST /refresh, to mint the next pair. Each kind has its own secret and says what it is.
import type { KeyObject } from 'node:crypto'
import { randomBytes } from 'node:crypto'
import jwt from 'jsonwebtoken'
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

export type AccessClaims = TokenClaims
export interface RefreshClaims extends TokenClaims {
  auth_time: number
}

export type TokenPair = { accessToken: string; refreshToken: string }

/** The login a pair descends from. Rotation hands it on unchanged, so a refresh chain cannot outlive it. */
export interface Login {
  /** When the password was checked, in epoch seconds (OpenID Connect's name for it). */
  auth_time: number
}

export function newLogin({ clock }: AppDeps): Login {
  return { auth_time: epochSeconds(clock) }
}

/** The login of a refresh token being rotated: the new pair carries it on. */
export function loginOf(claims: RefreshClaims): Login {
  return { auth_time: claims.auth_time }
}

export function issueTokens(deps: AppDeps, user: User, login: Login): TokenPair {
  return { accessToken: signAccessToken(deps, user), refreshToken: signRefreshToken(deps, user, login) }
}

export function signAccessToken({ secrets, clock }: AppDeps, user: User): string {
  const claims = { sub: String(user.id), iat: epochSeconds(clock), jti: newTokenId() }
  const header = { alg: 'HS256', typ: TOKEN_TYPES.access } // RFC 8725 §3.11: say what kind of token this is
  return jwt.sign(claims, secrets.access, { algorithm: 'HS256', expiresIn: ACCESS_TOKEN_SECONDS, header })
}

export function signRefreshToken({ secrets, clock }: AppDeps, user: User, login: Login): string {
  // TODO(1): sign the refresh token like the access token above, but with secrets.refresh and the header typ
  //          TOKEN_TYPES.refresh: `sub`, `iat` from the clock, a fresh `jti`, the login's `auth_time`, and an
  //          `exp` REFRESH_TOKEN_IDLE_SECONDS from now, but never past REFRESH_TOKEN_SECONDS after auth_time.
  //          README.md → "Exercise 1" has hints.
  throw new NotImplemented('step-03 TODO(1): sign the refresh token in signRefreshToken (tokens.ts)')
}

export function verifyAccessToken({ secrets, clock }: AppDeps, token: string): AccessClaims {
  const payload = verifyToken('access', secrets.access, clock, token)
  return payload as AccessClaims
}

export function verifyRefreshToken({ secrets, clock }: AppDeps, token: string): RefreshClaims {
  // TODO(2): verify the refresh token and return its claims. Which secret, which kind? verifyToken below does
  //          the rest. Refuse one without a numeric `auth_time`. README.md → "Exercise 2" has hints.
  throw new NotImplemented('step-03 TODO(2): verify the refresh token in verifyRefreshToken (tokens.ts)')
}

// A token id makes every token unique, even two minted in the same second: rotation really gives a new one.
// 256 bits from the CSPRNG, so nobody can guess one.
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
