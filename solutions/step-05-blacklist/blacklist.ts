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
  // Every token of the login was signed before now and lives 30 days at most: none outlives this row.
  const expires_at = deps.clock.now() + REFRESH_TOKEN_SECONDS * 1000
  await deps.db('revoked_families').insert({ sid, expires_at, reason }).onConflict('sid').ignore()
}

/**
 * Uses up a refresh token, with one INSERT and no read first: the primary key lets exactly one of several
 * racing requests win. `false` means it was used before: reuse.
 */
export async function consumeRefreshToken(deps: AppDeps, claims: RefreshClaims): Promise<boolean> {
  await pruneExpired(deps)
  try {
    await deps.db('revoked_tokens').insert({ jti: claims.jti, expires_at: claims.exp * 1000 })
    return true
  } catch (err) {
    if (!isUniqueViolation(err)) throw err
    return false
  }
}

/** A row whose tokens have all expired protects nothing: their `exp` refuses them now. */
export async function pruneExpired({ db, clock }: AppDeps): Promise<void> {
  await db('revoked_tokens').where('expires_at', '<=', clock.now()).delete()
  await db('revoked_families').where('expires_at', '<=', clock.now()).delete()
}
