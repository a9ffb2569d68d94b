// Step 05: blacklist. Every token names its login (sid); ending one login is a row, ending them all a version bump.
import Router from '@koa/router'
import type { Context, Next } from 'koa'
import type { AppDeps } from '../../lib/app.ts'
import { readBearerToken, sendTokens, unauthorized } from '../../lib/bearer.ts'
import { authenticate, findUser, hashNewPassword, publicUser, registerUser, replacePasswordHash } from '../../lib/users.ts'
import { optionalRefreshTokenFrom, refreshTokenFrom } from '../../lib/validate.ts'
import { consumeRefreshToken, isFamilyRevoked, revokeFamily } from './blacklist.ts'
import { issueTokens, loginOf, newLogin, revokeAllForUser, verifyAccessToken, verifyRefreshToken } from './tokens.ts'

export function routes(deps: AppDeps) {
  const router = new Router()

  // Two queries per authenticated request again: the blacklist, then the user (whose version the token must carry).
  async function requireAccessToken(ctx: Context, next: Next) {
    const token = readBearerToken(ctx)
    if (!token) throw unauthorized('Log in first: send Authorization: Bearer <accessToken>.', false)
    const claims = verifyAccessToken(deps, token)
    if (await isFamilyRevoked(deps, claims.sid)) throw unauthorized('This login has ended (a logout, or a reused refresh token). Log in again.', true)
    const user = await findUser(deps.db, claims.sub)
    if (!user) throw unauthorized('The user of this token no longer exists.', true)
    if (claims.ver !== user.refresh_token_version) {
      throw unauthorized('This access token was revoked by logout-all or a password change. Log in again.', true)
    }
    ctx.state.user = user
    ctx.state.claims = claims
    await next()
  }

  router.post('/register', async (ctx) => {
    const user = await registerUser(deps, ctx.request.body)
    ctx.status = 201
    ctx.body = publicUser(user)
  })

  router.post('/login', async (ctx) => {
    const user = await authenticate(deps, ctx.request.body)
    sendTokens(ctx, issueTokens(deps, user, newLogin(deps)))
  })

  router.get('/me', requireAccessToken, (ctx) => {
    ctx.body = publicUser(ctx.state.user)
  })

  // Strict rotation: every refresh answers a new pair of the same login, and the old refresh token is used up.
  router.post('/refresh', async (ctx) => {
    const claims = verifyRefreshToken(deps, refreshTokenFrom(ctx.request.body))
    const user = await findUser(deps.db, claims.sub)
    if (!user) throw unauthorized('The user of this refresh token no longer exists.', true)
    if (claims.ver !== user.refresh_token_version) {
      throw unauthorized('This refresh token was revoked: its version is out of date. Log in again.', true)
    }
    if (await isFamilyRevoked(deps, claims.sid)) throw unauthorized('This login has ended (a logout, or a reused refresh token). Log in again.', true)
    if (!(await consumeRefreshToken(deps, claims))) {
      // RFC 9700 §4.14.2: if both a thief and the owner use a refresh token, one of them presents a used one,
      // and the server, which cannot tell which, "will revoke the active refresh token": this login's family.
      await revokeFamily(deps, claims.sid, 'reuse')
      throw unauthorized('This refresh token was already used, so this login has ended: a copy may be in other hands (or two tabs refreshed at once). Your other devices stay logged in. Log in again.', true)
    }
    sendTokens(ctx, issueTokens(deps, user, loginOf(claims)))
  })

  // This login only: the access token names it, and ending it ends every token of the login, the ones rotated
  // from it included. A `refreshToken` in the body is accepted and changes nothing more. The other devices stay.
  router.post('/logout', requireAccessToken, async (ctx) => {
    optionalRefreshTokenFrom(ctx.request.body) // still 400 for a body that is not {"refreshToken": "<string>"}
    await revokeFamily(deps, ctx.state.claims.sid, 'logout')
    ctx.status = 204
  })

  router.post('/logout-all', requireAccessToken, async (ctx) => {
    await revokeAllForUser(deps.db, ctx.state.user.id)
    ctx.status = 204
  })

  // The hash changes and the version goes up, together: every token dies, and this device gets a new pair.
  router.post('/password', requireAccessToken, async (ctx) => {
    const user = ctx.state.user
    const newHash = await hashNewPassword(deps, user, ctx.request.body)
    const updated = await deps.db.transaction(async (trx) => {
      await replacePasswordHash(trx, user, newHash)
      await revokeAllForUser(trx, user.id)
      return trx('users').where({ id: user.id }).first() // with its new version, for this device's new pair
    })
    sendTokens(ctx, issueTokens(deps, updated, newLogin(deps)))
  })

  return router
}
