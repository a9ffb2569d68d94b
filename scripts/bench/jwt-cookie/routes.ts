// A variant, never a step of the workshop: step 02's token kept in an HttpOnly, SameSite cookie instead of the
// page's localStorage. It answers the question a newcomer asks first: "why not keep the JWT where no script can
// read it?" The cookie is the one of steps 01 and 06 (lib/cookies.ts: its name, HttpOnly, SameSite=Lax, Secure
// over HTTPS); only its value differs, step 02's signed token instead of a random id. So it gets what a cookie
// gets, and pays what a cookie pays: a script in the page finds nothing to take (tests/jwt-cookie.test.ts, in
// Chromium), and the browser now sends the credential on its own, so a state-changing request from another
// origin must be refused, with the same guard as steps 01 and 06. What the token costs does not move with it:
// the access secret still mints any account, every request still carries the token, and logout still ends
// nothing on the server (README → "The answer, in numbers", group 1).
import Router from '@koa/router'
import type { Context, Next } from 'koa'
import type { AppDeps } from '../../../lib/app.ts'
import { clearSessionCookie, readSessionCookie, sameOriginOnly, setSessionCookie } from '../../../lib/cookies.ts'
import { HttpError } from '../../../lib/errors.ts'
import { authenticate, findUser, hashNewPassword, publicUser, registerUser, replacePasswordHash } from '../../../lib/users.ts'
import { ACCESS_TOKEN_SECONDS, signAccessToken, verifyAccessToken } from '../../../solutions/step-02-jwt/tokens.ts'

// The cookie rides along on requests from other sites: refuse a cross-site POST before its body is read.
export const guards = [sameOriginOnly()]

export function routes(deps: AppDeps) {
  const router = new Router()

  // Step 02's check, reading the token from the cookie instead of the Authorization header: one query, the user.
  async function requireTokenCookie(ctx: Context, next: Next) {
    const token = readSessionCookie(ctx)
    if (!token) throw new HttpError(401, 'Log in first: this request has no token cookie.')
    let claims
    try {
      claims = verifyAccessToken(deps, token)
    } catch {
      // Step 02's error carries a Bearer challenge; nothing here is a bearer token.
      throw new HttpError(401, 'The token in the cookie is not valid, or has expired. Log in again.')
    }
    const user = await findUser(deps.db, claims.sub)
    if (!user) throw new HttpError(401, 'The user of this token no longer exists.')
    ctx.state.user = user
    await next()
  }

  router.post('/register', async (ctx) => {
    const user = await registerUser(deps, ctx.request.body)
    ctx.status = 201
    ctx.body = publicUser(user)
  })

  // The token goes into the cookie, and the body says only who logged in: the page never holds the token.
  router.post('/login', async (ctx) => {
    const user = await authenticate(deps, ctx.request.body)
    setSessionCookie(ctx, signAccessToken(deps, user.id), deps.clock.now() + ACCESS_TOKEN_SECONDS * 1000)
    ctx.set('Cache-Control', 'no-store')
    ctx.body = publicUser(user)
  })

  router.get('/me', requireTokenCookie, (ctx) => {
    ctx.body = publicUser(ctx.state.user)
  })

  // The browser forgets the cookie; the server has nothing to end, so a copy of the token works until its `exp`.
  router.post('/logout', requireTokenCookie, (ctx) => {
    clearSessionCookie(ctx)
    ctx.status = 204
  })

  router.post('/logout-all', requireTokenCookie, () => {
    throw new HttpError(501, 'Logout-all is impossible with stateless tokens, in a cookie as in a header: the server keeps no list of the tokens it issued.')
  })

  // The hash changes, and every token issued before keeps working until it expires, as in step 02.
  router.post('/password', requireTokenCookie, async (ctx) => {
    const user = ctx.state.user
    await replacePasswordHash(deps.db, user, await hashNewPassword(deps, user, ctx.request.body))
    ctx.status = 204
  })

  return router
}
