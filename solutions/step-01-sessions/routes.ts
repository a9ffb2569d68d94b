// Step 01: sessions. A cookie holds a random id; the server looks it up on every request.
import Router from '@koa/router'
import type { Context, Next } from 'koa'
import type { AppDeps } from '../../lib/app.ts'
import { clearSessionCookie, readSessionCookie, sameOriginOnly, setSessionCookie } from '../../lib/cookies.ts'
import { HttpError } from '../../lib/errors.ts'
import { authenticate, findUser, hashNewPassword, publicUser, registerUser, replacePasswordHash } from '../../lib/users.ts'
import { createSession, deleteAllSessions, deleteSession, findSession } from './sessions.ts'

// Cookies ride along on requests from other sites: refuse a cross-site POST or DELETE before its body is read.
export const guards = [sameOriginOnly()]

export function routes(deps: AppDeps) {
  const router = new Router()

  // Two queries on every authenticated request: the session row, then its user.
  async function requireSession(ctx: Context, next: Next) {
    const sessionId = readSessionCookie(ctx)
    if (!sessionId) throw new HttpError(401, 'Log in first: this request has no session cookie.')
    const session = await findSession(deps, sessionId)
    if (!session) throw new HttpError(401, 'This session has ended or never existed. Log in again.')
    const user = await findUser(deps.db, session.user_id)
    if (!user) throw new HttpError(401, 'The user of this session no longer exists.')
    ctx.state.session = session
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
    const session = await createSession(deps, user.id)
    setSessionCookie(ctx, session.id, session.expires_at)
    ctx.body = publicUser(user)
  })

  router.get('/me', requireSession, (ctx) => {
    ctx.body = publicUser(ctx.state.user)
  })

  router.post('/logout', requireSession, async (ctx) => {
    await deleteSession(deps, ctx.state.session.id)
    clearSessionCookie(ctx)
    ctx.status = 204
  })

  router.post('/logout-all', requireSession, async (ctx) => {
    await deleteAllSessions(deps.db, ctx.state.user.id)
    clearSessionCookie(ctx)
    ctx.status = 204
  })

  // A password change ends every session of the user, then gives this browser a fresh one.
  router.post('/password', requireSession, async (ctx) => {
    const user = ctx.state.user
    const newHash = await hashNewPassword(deps, user, ctx.request.body)
    const session = await deps.db.transaction(async (trx) => {
      await replacePasswordHash(trx, user, newHash)
      await deleteAllSessions(trx, user.id)
      return createSession(deps, user.id, trx)
    })
    setSessionCookie(ctx, session.id, session.expires_at)
    ctx.status = 204
  })

  return router
}
