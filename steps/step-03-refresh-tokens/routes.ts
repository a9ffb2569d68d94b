// Step 03: refresh tokens. Access tokens live 15 minutes; a refresh token (7 days idle, 30 days at most) mints the next pair.
import Router from '@koa/router'
import type { Context, Next } from 'koa'
import type { AppDeps } from '../../lib/app.ts'
import { readBearerToken, sendTokens, unauthorized } from '../../lib/bearer.ts'
import { HttpError } from '../../lib/errors.ts'
import { authenticate, findUser, hashNewPassword, publicUser, registerUser, replacePasswordHash } from '../../lib/users.ts'
import { refreshTokenFrom } from '../../lib/validate.ts'
import { issueTokens, loginOf, newLogin, verifyAccessToken, verifyRefreshToken } from './tokens.ts'

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

  // Rotation: every refresh answers a new pair of the same login. Nothing stops the old refresh token yet.
  router.post('/refresh', async (ctx) => {
    // TODO(3): verify the refresh token from the body (refreshTokenFrom, then verifyRefreshToken), load its
    //          user (401 if there is none), and answer a new pair of the same login with sendTokens and
    //          issueTokens(deps, user, loginOf(claims)). README.md → "Exercise 3" has hints.
    throw new NotImplemented('step-03 TODO(3): rotate the refresh token in POST /refresh (routes.ts)')
  })

  // The server keeps nothing to delete: the client forgets both tokens, and that is all logout can do.
  router.post('/logout', requireAccessToken, (ctx) => {
    ctx.status = 204
  })

  router.post('/logout-all', requireAccessToken, () => {
    throw new HttpError(
      501,
      'Logout-all is impossible here: the server keeps no record of the refresh tokens it issued, so it cannot end them. Step 04 adds a lever.',
    )
  })

  // The hash changes and this device gets a fresh pair (the password was just checked: a new login);
  // every other refresh token keeps working.
  router.post('/password', requireAccessToken, async (ctx) => {
    const user = ctx.state.user
    await replacePasswordHash(deps.db, user, await hashNewPassword(deps, user, ctx.request.body))
    sendTokens(ctx, issueTokens(deps, user, newLogin(deps)))
  })

  return router
}
