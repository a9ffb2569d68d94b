// Step 02: stateless JWT. The token carries the user id; the server checks a signature, not a table.
import Router from '@koa/router'
import type { Context, Next } from 'koa'
import type { AppDeps } from '../../lib/app.ts'
import { readBearerToken, sendTokens, unauthorized } from '../../lib/bearer.ts'
import { HttpError } from '../../lib/errors.ts'
import { authenticate, findUser, hashNewPassword, publicUser, registerUser, replacePasswordHash } from '../../lib/users.ts'
import { signAccessToken, verifyAccessToken } from './tokens.ts'

export function routes(deps: AppDeps) {
  const router = new Router()

  // One query per authenticated request: the signature replaces the session lookup.
  async function requireAccessToken(ctx: Context, next: Next) {
    // TODO(3): read the bearer token (401 if there is none), verify it, and load its user with one query
    //          (401 if the user does not exist). Put the user in ctx.state.user, then call next().
    //          README.md → "Exercise 3" has hints.
    throw new NotImplemented('step-02 TODO(3): check the bearer token in requireAccessToken (routes.ts)')
  }

  router.post('/register', async (ctx) => {
    const user = await registerUser(deps, ctx.request.body)
    ctx.status = 201
    ctx.body = publicUser(user)
  })

  router.post('/login', async (ctx) => {
    const user = await authenticate(deps, ctx.request.body)
    sendTokens(ctx, { accessToken: signAccessToken(deps, user.id) })
  })

  router.get('/me', requireAccessToken, (ctx) => {
    ctx.body = publicUser(ctx.state.user)
  })

  // The server keeps nothing to delete: the client forgets its token, and that is all logout can do.
  router.post('/logout', requireAccessToken, (ctx) => {
    ctx.status = 204
  })

  router.post('/logout-all', requireAccessToken, () => {
    throw new HttpError(
      501,
      'Logout-all is impossible with stateless tokens: the server keeps no list of the tokens it issued, so it cannot end them. Step 04 adds a lever.',
    )
  })

  // The hash changes, but every token issued before keeps working until it expires.
  router.post('/password', requireAccessToken, async (ctx) => {
    const user = ctx.state.user
    await replacePasswordHash(deps.db, user, await hashNewPassword(deps, user, ctx.request.body))
    ctx.status = 204
  })

  return router
}
