// A variant, never a step: step 05 with a grace window on refresh-token reuse, as identity providers ship it
// (Auth0's rotation overlap period, "reuse interval" in its newer docs; Okta's grace period for token rotation;
// Supabase Auth's refresh token reuse interval). A refresh token used up less than GRACE_WINDOW ago is accepted
// again, and answers a new pair of the same login, instead of counting as reuse. Step 05 keeps strict rotation;
// tests/grace-window.test.ts measures both side by side, and step 05's README has the table: what a window buys
// (two tabs, or a retry after a lost answer, no longer log the device out) and what it costs (a thief's replay
// inside the window is accepted, and nothing detects it). Every other route is step 05's, unchanged.
import Router from '@koa/router'
import type { AppDeps } from '../../../lib/app.ts'
import { sendTokens, unauthorized } from '../../../lib/bearer.ts'
import { SECOND } from '../../../lib/clock.ts'
import { isUniqueViolation } from '../../../lib/db.ts'
import { findUser } from '../../../lib/users.ts'
import { refreshTokenFrom } from '../../../lib/validate.ts'
import { isFamilyRevoked, pruneExpired, revokeFamily } from '../../../solutions/step-05-blacklist/blacklist.ts'
import { routes as strictRoutes } from '../../../solutions/step-05-blacklist/routes.ts'
import { issueTokens, loginOf, verifyRefreshToken, type RefreshClaims } from '../../../solutions/step-05-blacklist/tokens.ts'

/** A few seconds, as these providers suggest: enough for two tabs, or a retry after a lost answer. */
export const GRACE_WINDOW = 10 * SECOND

/** The first use of a refresh token, a second use inside the window, or reuse. */
async function useRefreshToken(deps: AppDeps, claims: RefreshClaims): Promise<'first' | 'forgiven' | 'reuse'> {
  await pruneExpired(deps)
  const now = deps.clock.now()
  try {
    await deps.db('revoked_tokens').insert({ jti: claims.jti, expires_at: claims.exp * 1000, used_at: now })
    return 'first'
  } catch (err) {
    if (!isUniqueViolation(err)) throw err
  }
  const row = await deps.db('revoked_tokens').where({ jti: claims.jti }).first('used_at')
  return row && now - Number(row.used_at) <= GRACE_WINDOW ? 'forgiven' : 'reuse'
}

export function routes(deps: AppDeps) {
  const router = new Router()

  // Step 05's POST /refresh, but a used refresh token presented again within the window gets a new pair too.
  router.post('/refresh', async (ctx) => {
    const claims = verifyRefreshToken(deps, refreshTokenFrom(ctx.request.body))
    const user = await findUser(deps.db, claims.sub)
    if (!user) throw unauthorized('The user of this refresh token no longer exists.', true)
    if (claims.ver !== user.refresh_token_version) throw unauthorized('This refresh token was revoked: its version is out of date. Log in again.', true)
    if (await isFamilyRevoked(deps, claims.sid)) throw unauthorized('This login has ended (a logout, or a reused refresh token). Log in again.', true)
    if ((await useRefreshToken(deps, claims)) === 'reuse') {
      await revokeFamily(deps, claims.sid, 'reuse')
      throw unauthorized('This refresh token was used more than a few seconds ago, so this login has ended. Log in again.', true)
    }
    sendTokens(ctx, issueTokens(deps, user, loginOf(claims)))
  })

  // Everything else is step 05's; its own POST /refresh is never reached, the one above answers first.
  router.use(strictRoutes(deps).routes())
  return router
}
