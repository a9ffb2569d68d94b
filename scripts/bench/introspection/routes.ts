// The benchmark's introspection variant, never a step: step 07's app plus POST /introspect (RFC 7662), so that
// a service can ask about every token instead of trusting it until its exp. The answer is "active" only while
// the user still has a live session: a logout-all (or a password change) takes effect at the very next call,
// at the price of a round trip to the app, and its query, per call. A real introspection endpoint also
// authenticates the service that asks (RFC 7662 §2.1); this one, on 127.0.0.1 in the bench, does not.
import jwt from 'jsonwebtoken'
import { createPublicKey } from 'node:crypto'
import type { AppDeps } from '../../../lib/app.ts'
import { epochSeconds } from '../../../lib/clock.ts'
import { guards, routes as step07 } from '../../../solutions/step-07-service-tokens/routes.ts'

export { guards }

export function routes(deps: AppDeps) {
  const router = step07(deps)
  const keys = new Map(deps.issuer!.keys.map((key) => [key.kid, createPublicKey(key.privateKey)]))
  router.post('/introspect', async (ctx) => {
    const { token } = ctx.request.body as { token?: unknown }
    ctx.set('Cache-Control', 'no-store')
    try {
      const decoded = jwt.decode(String(token), { complete: true })
      const key = keys.get(String(decoded?.header.kid))
      if (!key) throw new Error('unknown key')
      const claims = jwt.verify(String(token), key, { algorithms: ['ES256'], issuer: deps.issuer!.url, clockTimestamp: epochSeconds(deps.clock) }) as jwt.JwtPayload
      const live = await deps.db('sessions').where({ user_id: Number(claims.sub) }).andWhere('expires_at', '>', deps.clock.now()).first('id')
      ctx.body = live ? { active: true, sub: claims.sub, aud: claims.aud, exp: claims.exp } : { active: false }
    } catch {
      ctx.body = { active: false } // RFC 7662 §2.2: an invalid token is simply not active
    }
  })
  return router
}
