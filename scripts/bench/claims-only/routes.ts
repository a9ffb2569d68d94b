// The benchmark's claims-only JWT: JWT's promise at its purest, never a step of the workshop. The access token
// carries everything GET /me answers (the id and the email), and the server trusts it as it stands: a
// signature check, no query. The price is in the same table: nothing the server does (a logout, a password
// change) reaches a token before its `exp`, and the email it answers is the one of the login, however stale.
import Router from '@koa/router'
import type { Context, Next } from 'koa'
import jwt from 'jsonwebtoken'
import type { AppDeps } from '../../../lib/app.ts'
import { readBearerToken, sendTokens, unauthorized } from '../../../lib/bearer.ts'
import { epochSeconds } from '../../../lib/clock.ts'
import { hasType, TOKEN_TYPES } from '../../../lib/token-types.ts'
import { authenticate, findUser, hashNewPassword, publicUser, registerUser, replacePasswordHash, type User } from '../../../lib/users.ts'

// As short as the access token of steps 03–05: the shortest life a token gets when nothing can revoke it.
export const CLAIMS_ONLY_TOKEN_SECONDS = 15 * 60

interface Claims {
  sub: string
  email: string
}

function signToken({ secrets }: AppDeps, user: User, now: number): string {
  const claims = { sub: String(user.id), email: user.email, iat: now }
  return jwt.sign(claims, secrets.access, { algorithm: 'HS256', expiresIn: CLAIMS_ONLY_TOKEN_SECONDS, header: { alg: 'HS256', typ: TOKEN_TYPES.access } })
}

function verifyToken({ secrets, clock }: AppDeps, token: string): Claims {
  let decoded: jwt.Jwt
  try {
    // Pinned as in every step (RFC 8725 §3.1): trusting the claims makes the signature the only check there is.
    decoded = jwt.verify(token, secrets.access, { algorithms: ['HS256'], clockTimestamp: epochSeconds(clock), complete: true })
  } catch {
    throw unauthorized('The access token is not valid, or has expired. Log in again.', true)
  }
  const payload = decoded.payload
  if (!hasType(decoded.header, 'access') || typeof payload !== 'object' || typeof payload.exp !== 'number' || typeof payload.sub !== 'string' || typeof payload.email !== 'string') {
    throw unauthorized('The access token lacks `typ`, `sub`, `email` or `exp`.', true)
  }
  return { sub: payload.sub, email: payload.email }
}

export function routes(deps: AppDeps) {
  const router = new Router()

  // No query: the token is the user, as far as this server can tell.
  function trustToken(ctx: Context, next: Next) {
    const token = readBearerToken(ctx)
    if (!token) throw unauthorized('Log in first: send Authorization: Bearer <accessToken>.', false)
    ctx.state.claims = verifyToken(deps, token)
    return next()
  }

  router.post('/register', async (ctx) => {
    const user = await registerUser(deps, ctx.request.body)
    ctx.status = 201
    ctx.body = publicUser(user)
  })

  router.post('/login', async (ctx) => {
    const user = await authenticate(deps, ctx.request.body)
    sendTokens(ctx, { accessToken: signToken(deps, user, epochSeconds(deps.clock)) })
  })

  router.get('/me', trustToken, (ctx) => {
    ctx.body = publicUser({ id: Number(ctx.state.claims.sub), email: ctx.state.claims.email })
  })

  // Nothing to end: the client forgets its token, and a copy lives until its `exp`.
  router.post('/logout', trustToken, (ctx) => {
    ctx.status = 204
  })

  // The hash changes; every token issued before keeps working until its `exp`.
  router.post('/password', trustToken, async (ctx) => {
    const user = await findUser(deps.db, ctx.state.claims.sub)
    if (!user) throw unauthorized('The user of this token no longer exists.', true)
    await replacePasswordHash(deps.db, user, await hashNewPassword(deps, user, ctx.request.body))
    ctx.status = 204
  })

  return router
}
