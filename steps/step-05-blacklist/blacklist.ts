// The blacklist: the `jti` of every token that must stop working before it expires. A row is kept until
// the token would have expired anyway; after that, the token's own `exp` refuses it.
import type { AppDeps } from '../../lib/app.ts'
import { isUniqueViolation } from '../../lib/db.ts'
import { NotImplemented } from '../../lib/errors.ts'
import type { TokenClaims } from './tokens.ts'

/** What happened when a refresh token was presented at /refresh. */
export type RefreshTokenUse = 'first use' | 'reused' | 'logged out'

/** Query 1 of every authenticated request: has this token been revoked? */
export async function isRevoked({ db }: AppDeps, jti: string): Promise<boolean> {
  const row = await db('revoked_tokens').where({ jti }).first()
  return row !== undefined
}

/** Logout: this one token stops working now. Revoking it twice changes nothing. */
export async function revokeToken(deps: AppDeps, claims: TokenClaims): Promise<void> {
  await pruneExpired(deps)
  // TODO(4): insert row(claims, 'logout') into revoked_tokens; if the jti is there already, change nothing.
  //          README.md → "Exercise 4" has hints.
  throw new NotImplemented('step-05 TODO(4): revoke one token in revokeToken (blacklist.ts)')
}

/**
 * Marks a refresh token as used, with one INSERT and no read first: the primary key lets exactly one of
 * several racing requests win. A loser holds a token that was already used, or logged out.
 */
export async function consumeRefreshToken(deps: AppDeps, claims: TokenClaims): Promise<RefreshTokenUse> {
  await pruneExpired(deps)
  // TODO(5): insert row(claims, 'used'): if the INSERT succeeds, answer 'first use'. If the primary key refuses
  //          it (isUniqueViolation(err), from lib/db.ts), read the existing row's reason: 'logged out' or 'reused'.
  //          README.md → "Exercise 5" has hints.
  throw new NotImplemented('step-05 TODO(5): consume the refresh token atomically in consumeRefreshToken (blacklist.ts)')
}

/** A row whose token has expired protects nothing: the token's `exp` refuses it now. */
export async function pruneExpired({ db, clock }: AppDeps): Promise<void> {
  // TODO(7): delete the rows whose expires_at is not after now (clock.now()). Until then the table only grows.
  //          README.md → "Exercise 7" has hints.
}

function row(claims: TokenClaims, reason: 'logout' | 'used') {
  return { jti: claims.jti, expires_at: claims.exp * 1000, reason }
}
