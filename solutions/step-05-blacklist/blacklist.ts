// The blacklist: the `jti` of every token that must stop working before it expires. A row is kept until
// the token would have expired anyway; after that, the token's own `exp` refuses it.
import type { AppDeps } from '../../lib/app.ts'
import { isUniqueViolation } from '../../lib/db.ts'
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
  await deps.db('revoked_tokens').insert(row(claims, 'logout')).onConflict('jti').ignore()
}

/**
 * Marks a refresh token as used, with one INSERT and no read first: the primary key lets exactly one of
 * several racing requests win. A loser holds a token that was already used, or logged out.
 */
export async function consumeRefreshToken(deps: AppDeps, claims: TokenClaims): Promise<RefreshTokenUse> {
  await pruneExpired(deps)
  try {
    await deps.db('revoked_tokens').insert(row(claims, 'used'))
    return 'first use'
  } catch (err) {
    if (!isUniqueViolation(err)) throw err
  }
  const existing = await deps.db('revoked_tokens').where({ jti: claims.jti }).first()
  return existing?.reason === 'logout' ? 'logged out' : 'reused'
}

/** A row whose token has expired protects nothing: the token's `exp` refuses it now. */
export async function pruneExpired({ db, clock }: AppDeps): Promise<void> {
  await db('revoked_tokens').where('expires_at', '<=', clock.now()).delete()
}

function row(claims: TokenClaims, reason: 'logout' | 'used') {
  return { jti: claims.jti, expires_at: claims.exp * 1000, reason }
}
