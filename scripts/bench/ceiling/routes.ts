// The benchmark's ceiling: the same Koa app and middleware as every step, and a GET /me that answers the
// same JSON with no credential and no query. Every step is measured as a fraction of this.
import Router from '@koa/router'
import type { AppDeps } from '../../../lib/app.ts'
import { publicUser } from '../../../lib/users.ts'
import { BENCH_EMAIL } from '../user.ts'

export function routes(_deps: AppDeps) {
  const router = new Router()
  router.get('/me', (ctx) => {
    ctx.body = publicUser({ id: 1, email: BENCH_EMAIL })
  })
  return router
}
