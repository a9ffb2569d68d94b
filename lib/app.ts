// Builds the Koa app of a step: shared plumbing around the step's own routes.
import Router from '@koa/router'
import Koa, { type Middleware } from 'koa'
import type { Clock } from './clock.ts'
import type { Secrets } from './config.ts'
import type { Database, Migration } from './db.ts'
import { jsonBody, jsonErrors } from './http.ts'
import { pageRoutes, securityHeaders, stepFeatures } from './page.ts'
import type { Passwords } from './passwords.ts'
import type { IssuerSettings } from './signing-keys.ts'

/** What a step's routes are given: nothing global, so tests can swap the clock, the database and the hash cost. */
export interface AppDeps {
  db: Database
  clock: Clock
  passwords: Passwords
  secrets: Secrets
  /** Step 07: the app as an issuer of tokens for other services (its URL, audiences and signing keys). */
  issuer?: IssuerSettings
}

/** A step is its schema (schema.ts) and its routes (routes.ts), with the guards that run before any body is read. */
export interface Step {
  /** The folder name, shown on the page. */
  name?: string
  migrations: Migration[]
  routes(deps: AppDeps): Router
  guards?: Middleware[]
}

/** How the app is deployed (README.md → "Commands"): `npm start` reads them from the environment. */
export interface AppSettings {
  /** TRUST_PROXY=1: a TLS-terminating proxy in front sets X-Forwarded-Proto and X-Forwarded-Host, and only it can. */
  trustProxy?: boolean
  /** NODE_ENV=production: the session cookie is Secure on every response (lib/cookies.ts). */
  production?: boolean
}

export function createApp(step: Step, deps: AppDeps, { trustProxy = false, production = false }: AppSettings = {}): Koa {
  // Koa's `proxy` makes ctx.protocol and ctx.host read the X-Forwarded-* headers, which any client can send:
  // trust them only when a proxy in front overwrites them.
  const app = new Koa({ proxy: trustProxy, env: production ? 'production' : 'development' })
  app.silent = true // jsonErrors logs what is unexpected; Koa need not print 4xx errors too
  // Step 07: the page calls the reports service, on its own origin; the policy lets it connect there and nowhere else.
  const service = () => (deps.issuer?.serviceUrl ? { name: deps.issuer.audiences[0], url: deps.issuer.serviceUrl } : undefined)
  app.use(securityHeaders(() => (deps.issuer?.serviceUrl ? [new URL(deps.issuer.serviceUrl).origin] : [])))
  app.use(jsonErrors({ production }))
  app.use(noNulInPath())
  for (const guard of step.guards ?? []) app.use(guard)
  const router = step.routes(deps)
  const features = stepFeatures(router, step.name)
  app.use(pageRoutes(features, () => (features.token ? service() : undefined))) // GET / : the app in a browser (lib/page/)
  app.use(jsonBody())
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
