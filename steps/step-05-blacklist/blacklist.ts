// The blacklist, in two tables. `revoked_families`: the logins that have ended, by their `sid`. Every token
// names its login, so one row ends all of the login's tokens, those rotated from it included.
// `revoked_tokens`: the refresh tokens that a rotation used up, by their `jti`; one presented again is reuse.
// A row is kept until every token it refuses would have expired anyway; after that, their own `exp` does it.
import type { AppDeps } from '../../lib/app.ts'
import { isUniqueViolation } from '../../lib/db.ts'
import { REFRESH_TOKEN_SECONDS, type RefreshClaims } from './tokens.ts'

/** Why a login ended. */
export type Ending = 'logout' | 'reuse'

/** Query 1 of every authenticated request: has this token's login ended? */
export async function isFamilyRevoked({ db }: AppDeps, sid: string): Promise<boolean> {
  const row = await db('revoked_families').where({ sid }).first()
  return row !== undefined
}

/** Ends a login: every token of its family stops working now. Ending it twice changes nothing. */
export async function revokeFamily(deps: AppDeps, sid: string, reason: Ending): Promise<void> {
  await pruneExpired(deps)
  // TODO(5): insert { sid, expires_at, reason } into revoked_families, with expires_at 30 days from now
  //          (REFRESH_TOKEN_SECONDS, in ms); if the sid is there already, change nothing.
  //          README.md → "Exercise 5" has hints.
  throw new NotImplemented('step-05 TODO(5): end a login in revokeFamily (blacklist.ts)')
}

/**
 * Uses up a refresh token, with one INSERT and no read first: the primary key lets exactly one of several
 * racing requests win. `false` means it was used before: reuse.
 */
export async function consumeRefreshToken(deps: AppDeps, claims: RefreshClaims): Promise<boolean> {
  await pruneExpired(deps)
  // TODO(3): insert { jti, expires_at } (the token's exp, in ms) into revoked_tokens: if the INSERT succeeds,
  //          answer true. If the primary key refuses it (isUniqueViolation(err), from lib/db.ts), answer false.
  //          README.md → "Exercise 3" has hints.
  throw new NotImplemented('step-05 TODO(3): use up the refresh token atomically in consumeRefreshToken (blacklist.ts)')
}

/** A row whose tokens have all expired protects nothing: their `exp` refuses them now. */
export async function pruneExpired({ db, clock }: AppDeps): Promise<void> {
  // TODO(7): delete the rows of both tables whose expires_at is not after now (clock.now()). Until then the
  //          tables only grow. README.md → "Exercise 7" has hints.
}
