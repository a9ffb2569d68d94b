// Step 07: step 06's session app, and an issuer: POST /token trades the session for a short-lived access token
// for one service, and GET /.well-known/jwks.json publishes the public keys that service verifies it with.
import Router from '@koa/router'
import type { Context, Next } from 'koa'
import type { AppDeps } from '../../lib/app.ts'
import { clearSessionCookie, readSessionCookie, sameOriginOnly, setSessionCookie } from '../../lib/cookies.ts'
import { sendTokens } from '../../lib/bearer.ts'
import { badRequest, HttpError, notFound } from '../../lib/errors.ts'
import { authenticate, hashNewPassword, publicUser, registerUser, replacePasswordHash } from '../../lib/users.ts'
import {
  ABSOLUTE_TIMEOUT,
  createSession,
  deleteAllSessions,
  deleteSession,
  deleteSessionByToken,
  findSessionAndUser,
  listSessions,
  touchSession,
  type Session,
} from './sessions.ts'
import { JWKS_MAX_AGE_SECONDS, jwks, signAccessToken, TOKEN_LIFETIME_SECONDS } from './tokens.ts'

// The browser may keep the cookie until the absolute cap; the server enforces the idle timeout itself.
const cookieExpiry = (session: Session) => session.created_at + ABSOLUTE_TIMEOUT

// Cookies ride along on requests from other sites: refuse a cross-site POST or DELETE before its body is read.
export const guards = [sameOriginOnly()]

export function routes(deps: AppDeps) {
  const router = new Router()
  const issuer = deps.issuer
  if (!issuer) throw new Error('step 07 issues tokens: start it with its signing keys (SIGNING_KEYS, lib/signing-keys.ts)')

  // One query on every authenticated request: the session JOIN its user (and a write at most once a minute).
  async function requireSession(ctx: Context, next: Next) {
    const token = readSessionCookie(ctx)
    if (!token) throw new HttpError(401, 'Log in first: this request has no session cookie.')
    const found = await findSessionAndUser(deps, token)
    if (!found) throw new HttpError(401, 'This session has ended or never existed. Log in again.')
    await touchSession(deps, found.session)
    ctx.state.session = found.session
    ctx.state.user = found.user
    await next()
  }

  router.post('/register', async (ctx) => {
    const user = await registerUser(deps, ctx.request.body)
    ctx.status = 201
    ctx.body = publicUser(user)
  })

  router.post('/login', async (ctx) => {
    const user = await authenticate(deps, ctx.request.body)
    // OWASP: a login ends the session this browser held before, rather than leaving it alive beside the new one.
    const previous = readSessionCookie(ctx)
    if (previous) await deleteSessionByToken(deps, previous)
    const { token, session } = await createSession(deps, user.id)
    setSessionCookie(ctx, token, cookieExpiry(session))
    ctx.body = publicUser(user)
  })

  router.get('/me', requireSession, (ctx) => {
    ctx.body = publicUser(ctx.state.user)
  })

  router.post('/logout', requireSession, async (ctx) => {
    await deleteSession(deps, ctx.state.user.id, ctx.state.session.id)
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
    const { token, session } = await deps.db.transaction(async (trx) => {
      await replacePasswordHash(trx, user, newHash)
      await deleteAllSessions(trx, user.id)
      return createSession(deps, user.id, trx)
    })
    setSessionCookie(ctx, token, cookieExpiry(session))
    ctx.status = 204
  })

  // My devices. The ids are public ids: showing them gives nobody a way in.
  router.get('/sessions', requireSession, async (ctx) => {
    const sessions = await listSessions(deps, ctx.state.user.id)
    ctx.body = {
      sessions: sessions.map((session) => ({
        id: session.id,
        createdAt: new Date(session.created_at).toISOString(),
        lastSeenAt: new Date(session.last_seen_at).toISOString(),
        current: session.id === ctx.state.session.id,
      })),
    }
  })

  // Ends one device. Another user's id, or one that never existed, is the same 404: ids tell nothing.
  router.delete('/sessions/:id', requireSession, async (ctx) => {
    if (!(await deleteSession(deps, ctx.state.user.id, ctx.params.id))) throw notFound('You have no session with this id.')
    if (ctx.params.id === ctx.state.session.id) clearSessionCookie(ctx)
    ctx.status = 204
  })

  // The public keys, for any service to fetch and cache: nothing secret in them.
  router.get('/.well-known/jwks.json', (ctx) => {
    ctx.set('Cache-Control', `public, max-age=${JWKS_MAX_AGE_SECONDS}`)
    ctx.body = jwks(issuer)
  })

  // The session (long-lived, stored, revocable) buys a token for one service (short-lived, self-contained).
  router.post('/token', requireSession, (ctx) => {
    const { audience } = ctx.request.body as { audience?: unknown }
    if (typeof audience !== 'string' || !issuer.audiences.includes(audience)) {
      throw badRequest(`"audience" must name a service this app mints tokens for: ${issuer.audiences.join(', ')}.`)
    }
    const token = signAccessToken(deps, issuer, ctx.state.user.id, audience)
    sendTokens(ctx, { token, tokenType: 'Bearer', expiresIn: TOKEN_LIFETIME_SECONDS })
  })

  return router
}
