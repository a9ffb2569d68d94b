// Step 04: refreshTokenVersion. Every refresh token carries the user's version; bumping it ends them all.
import Router from '@koa/router'
import type { Context, Next } from 'koa'
import type { AppDeps } from '../../lib/app.ts'
import { readBearerToken, sendTokens, unauthorized } from '../../lib/bearer.ts'
import { authenticate, findUser, hashNewPassword, publicUser, registerUser, replacePasswordHash } from '../../lib/users.ts'
import { refreshTokenFrom } from '../../lib/validate.ts'
import { issueTokens, loginOf, newLogin, revokeAllForUser, verifyAccessToken, verifyRefreshToken } from './tokens.ts'

export function routes(deps: AppDeps) {
  const router = new Router()

  // One query per authenticated request, as in step 02: the signature, then the user.
  async function requireAccessToken(ctx: Context, next: Next) {
    const token = readBearerToken(ctx)
    if (!token) throw unauthorized('Log in first: send Authorization: Bearer <accessToken>.', false)
    const claims = verifyAccessToken(deps, token)
    const user = await findUser(deps.db, claims.sub)
    if (!user) throw unauthorized('The user of this token no longer exists.', true)
    ctx.state.user = user
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

  // Rotation: every refresh answers a new pair of the same login. A token of an older version has been revoked.
  router.post('/refresh', async (ctx) => {
    const claims = verifyRefreshToken(deps, refreshTokenFrom(ctx.request.body))
    const user = await findUser(deps.db, claims.sub)
    if (!user) throw unauthorized('The user of this refresh token no longer exists.', true)
    if (claims.ver !== user.refresh_token_version) {
      throw unauthorized('This refresh token was revoked: its version is out of date. Log in again.', true)
    }
    sendTokens(ctx, issueTokens(deps, user, loginOf(claims)))
  })

  // The version is the only lever: it ends every refresh token of the user, so every device is logged out.
  router.post('/logout', requireAccessToken, async (ctx) => {
    await revokeAllForUser(deps.db, ctx.state.user.id)
    ctx.status = 204
  })

  router.post('/logout-all', requireAccessToken, async (ctx) => {
    await revokeAllForUser(deps.db, ctx.state.user.id)
    ctx.status = 204
  })

  // The hash changes and the version goes up, together: every refresh token dies, and this device gets a new pair.
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
