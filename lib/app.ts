// Builds the Koa app of a step: shared plumbing around the step's own routes.
import Router from '@koa/router'
import Koa, { type Middleware } from 'koa'
import type { Clock } from './clock.ts'
import type { Secrets } from './config.ts'
import type { Database, Migration } from './db.ts'
import { jsonBody, jsonErrors } from './http.ts'
import type { Passwords } from './passwords.ts'

/** What a step's routes are given: nothing global, so tests can swap the clock, the database and the hash cost. */
export interface AppDeps {
  db: Database
  clock: Clock
  passwords: Passwords
  secrets: Secrets
}

/** A step is its schema (schema.ts) and its routes (routes.ts), with the guards that run before any body is read. */
export interface Step {
  migrations: Migration[]
  routes(deps: AppDeps): Router
  guards?: Middleware[]
}

export function createApp(step: Step, deps: AppDeps): Koa {
  const app = new Koa()
  app.silent = true // jsonErrors logs what is unexpected; Koa need not print 4xx errors too
  app.use(jsonErrors())
  app.use(noNulInPath())
  for (const guard of step.guards ?? []) app.use(guard)
  app.use(jsonBody())
  const router = step.routes(deps)
  app.use(router.routes())
  app.use(router.allowedMethods())
  return app
}

/**
 * A path with a NUL byte (`%00`) names nothing: PostgreSQL's text cannot even hold one (it would answer
 * a query with an error, a 500), so it gets the 404 of any unknown path, on every database alike.
 */
function noNulInPath(): Middleware {
  return async (ctx, next) => {
    if (/%00|\0/.test(ctx.path)) {
      ctx.status = 404
      return
    }
    await next()
  }
}
