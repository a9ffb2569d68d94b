// Builds the Koa app of a step: shared plumbing around the step's own routes.
import Router from '@koa/router'
import Koa, { type Middleware } from 'koa'
import type { Clock } from './clock.ts'
import type { Secrets } from './config.ts'
import type { Database, Migration } from './db.ts'
import { jsonBody, jsonErrors } from './http.ts'
import { pageRoutes, securityHeaders, stepFeatures } from './page.ts'
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
  /** The folder name, shown on the page. */
  name?: string
  migrations: Migration[]
  routes(deps: AppDeps): Router
  guards?: Middleware[]
}

export function createApp(step: Step, deps: AppDeps): Koa {
  const app = new Koa()
  app.silent = true // jsonErrors logs what is unexpected; Koa need not print 4xx errors too
  app.use(securityHeaders())
  app.use(jsonErrors())
  for (const guard of step.guards ?? []) app.use(guard)
  const router = step.routes(deps)
  app.use(pageRoutes(stepFeatures(router, step.name))) // GET / : the app in a browser (lib/page/)
  app.use(jsonBody())
  app.use(router.routes())
  app.use(router.allowedMethods())
  return app
}
