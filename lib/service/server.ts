// A second service beside the app (step 07's reports service): its HTTP plumbing, CORS and start-up.
// It has no database and no secret. A step folder's service.ts says how it checks a caller's token.
import Router from '@koa/router'
import Koa, { type Middleware } from 'koa'
import type { Server } from 'node:http'
import { join } from 'node:path'
import { readBearerToken, unauthorized } from '../bearer.ts'
import { systemClock, type Clock } from '../clock.ts'
import { forbidden, NotImplemented } from '../errors.ts'
import { jsonErrors } from '../http.ts'
import { securityHeaders } from '../page.ts'

export interface ServiceSettings {
  /** ISSUER: whose tokens it accepts, and where it fetches the keys. */
  issuer: string
  /** SERVICE_NAME: its name, the `aud` its tokens carry. */
  name: string
}

/** Who is calling, from a verified token. */
export type Verify = (token: string) => Promise<{ sub: string }>

export interface ServiceVerifier {
  verify: Verify
  /** Fetches the keys once at start-up, so the first request need not wait. */
  prefetch?: () => Promise<void>
}

export type ServiceVerifierFactory = (settings: ServiceSettings & { clock: Clock }) => ServiceVerifier

/** The step folder's verifier (service.ts → createServiceVerifier). */
export async function loadServiceVerifier(dir: string): Promise<ServiceVerifierFactory> {
  const module: { createServiceVerifier: ServiceVerifierFactory } = await import(join(dir, 'service.ts'))
  return module.createServiceVerifier
}

/**
 * The origins whose pages may call the service: the app's own, and when that is localhost, its 127.0.0.1 twin
 * (the page's second device). Never `*`: a page of any other site has no business reading who the caller is.
 */
export function allowedOrigins(issuer: string): string[] {
  const own = new URL(issuer)
  const origins = [own.origin]
  if (own.hostname === 'localhost') {
    const twin = new URL(own.origin)
    twin.hostname = '127.0.0.1'
    origins.push(twin.origin)
  }
  return origins
}

/**
 * CORS for the app's origins only. The token travels in the Authorization header, so no cookie is needed:
 * no Access-Control-Allow-Credentials, and a preflight from any other origin is refused.
 */
export function appOriginsOnly(issuer: string): Middleware {
  const allowed = allowedOrigins(issuer)
  return async (ctx, next) => {
    ctx.vary('Origin')
    const origin = ctx.get('Origin')
    const ok = origin !== '' && allowed.includes(origin)
    if (ctx.method === 'OPTIONS' && ctx.get('Access-Control-Request-Method')) {
      if (!ok) throw forbidden(`Origin ${origin || '(none)'} may not call this service: only the app's pages may (${allowed.join(', ')}).`)
      ctx.set('Access-Control-Allow-Origin', origin)
      ctx.set('Access-Control-Allow-Methods', 'GET')
      ctx.set('Access-Control-Allow-Headers', 'Authorization')
      ctx.set('Access-Control-Max-Age', '600')
      ctx.status = 204
      return
    }
    if (ok) ctx.set('Access-Control-Allow-Origin', origin)
    await next()
  }
}

export function createService({ name, issuer, verify }: ServiceSettings & { verify: Verify }): Koa {
  const app = new Koa()
  app.silent = true
  app.use(securityHeaders())
  app.use(jsonErrors())
  app.use(appOriginsOnly(issuer))
  const router = new Router()
  // Who is calling, from the token alone: no database, no call to the app.
  router.get('/me', async (ctx) => {
    ctx.set('Cache-Control', 'no-store')
    const token = readBearerToken(ctx)
    if (!token) throw unauthorized(`Send a token from the app: Authorization: Bearer <token> (POST ${issuer}/token).`, false)
    let caller: { sub: string }
    try {
      caller = await verify(token)
    } catch (err: any) {
      if (err instanceof NotImplemented) throw err // a starter's TODO, shown as it is
      throw unauthorized(`The token was refused: ${String(err?.message ?? err)}`, true)
    }
    ctx.body = { user: { id: caller.sub }, service: name }
  })
  app.use(router.routes())
  app.use(router.allowedMethods())
  return app
}

/**
 * Stops taking connections, lets the requests in flight finish, closes idle keep-alive sockets at once,
 * and cuts what is left after `graceMs`.
 */
export function closeGracefully(server: Server, graceMs = 8_000): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => server.closeAllConnections(), graceMs)
    timer.unref()
    server.close(() => {
      clearTimeout(timer)
      resolve()
    })
    server.closeIdleConnections()
  })
}

export interface ServeServiceOptions extends ServiceSettings {
  dir: string
  port: number
  host?: string
}

/** `npm start -- step-07 --service`: the service on its port, until SIGTERM or SIGINT (or its parent goes). */
export async function serveService({ dir, port, host, issuer, name }: ServeServiceOptions) {
  const factory = await loadServiceVerifier(dir)
  const { verify, prefetch } = factory({ issuer, name, clock: systemClock })
  const server = createService({ name, issuer, verify }).listen(port, host)
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve)
    server.once('error', reject)
  })
  await prefetch?.()
  const address = server.address()
  const actualPort = typeof address === 'object' && address ? address.port : port
  let stopping = false
  const stop = async (why: string) => {
    if (stopping) return
    stopping = true
    console.log(`${why}: closing the ${name} service`)
    await closeGracefully(server)
    process.exit(0)
  }
  process.once('SIGTERM', () => void stop('SIGTERM'))
  process.once('SIGINT', () => void stop('SIGINT'))
  // Started by `npm start` with a channel to it: when that process goes, so does the service.
  if (process.connected) process.once('disconnect', () => void stop('npm start went away'))
  process.send?.({ serviceListening: actualPort }) // npm start tells the app's page where the service is
  console.log(`service listening on http://localhost:${actualPort}`)
  console.log(`  the ${name} service accepts tokens of ${issuer}, with the keys of ${issuer}/.well-known/jwks.json`)
  return { server, port: actualPort }
}
