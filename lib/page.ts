// The app in a browser (README.md → "The app in a browser"): one page for every step, served by the app itself.
// The page is plain HTML, CSS and an ES module in lib/page/, with no build step and nothing from the network.
// It learns what the step offers from the step's own routes, so no step folder holds any of it.
import type Router from '@koa/router'
import type { Middleware } from 'koa'
import { readFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const PAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), 'page')

/** What `GET /` may answer, and with which type; nothing else under /page/ is served. */
const FILES: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/page/page.css': { file: 'page.css', type: 'text/css; charset=utf-8' },
  '/page/page.js': { file: 'page.js', type: 'text/javascript; charset=utf-8' },
  '/page/icon.svg': { file: 'icon.svg', type: 'image/svg+xml' },
}

/**
 * Scripts, styles, images and requests from this origin only: with no 'unsafe-inline', an injected inline script
 * does not run. No framing by any site (OWASP Clickjacking Defense Cheat Sheet: CSP frame-ancestors), no forms
 * posted elsewhere. Sent on every response, the JSON ones included: a JSON error opened as a page gets the same rules.
 */
export const CONTENT_SECURITY_POLICY = contentSecurityPolicy()

/** The policy; step 07's page may also connect to its service's origin, and to nothing else. */
export function contentSecurityPolicy(connectTo: string[] = []): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    ["connect-src 'self'", ...connectTo].join(' '),
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ')
}

/** `connectTo`: the origins the page may call besides its own, read at each request (step 07's service). */
export function securityHeaders(connectTo: () => string[] = () => []): Middleware {
  return async (ctx, next) => {
    const extra = connectTo()
    ctx.set('Content-Security-Policy', extra.length ? contentSecurityPolicy(extra) : CONTENT_SECURITY_POLICY)
    // The browser must not guess a type: a JSON body is never run as a script or shown as HTML.
    ctx.set('X-Content-Type-Options', 'nosniff')
    ctx.set('Referrer-Policy', 'no-referrer')
    await next()
  }
}

/** What the page needs to know about the step, read from the routes the step defines. */
export interface StepFeatures {
  name?: string
  /** POST /refresh: steps 03–05. */
  refresh: boolean
  /** GET /sessions: step 06's device list. */
  devices: boolean
  /** POST /token: step 07 mints tokens for a service. */
  token?: boolean
  /** Step 07: the service the page may call with a token from POST /token (its name is the token's audience). */
  service?: { name: string; url: string }
}

export function stepFeatures(router: Router, name?: string): StepFeatures {
  const has = (method: string, path: string) => router.stack.some((layer) => layer.path === path && layer.methods.includes(method))
  return { name, refresh: has('POST', '/refresh'), devices: has('GET', '/sessions'), token: has('POST', '/token') }
}

/**
 * GET / and its assets, and GET /page/step.json (the step's features). Any other path falls through to the
 * step's router, so an unknown one still gets the JSON 404.
 */
export function pageRoutes(features: StepFeatures, service: () => StepFeatures['service'] = () => undefined): Middleware {
  return async (ctx, next) => {
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') return next()
    if (ctx.path === '/page/step.json') {
      ctx.set('Cache-Control', 'no-cache')
      const reachable = service()
      ctx.body = reachable ? { ...features, service: reachable } : features
      return
    }
    const asset = FILES[ctx.path]
    if (!asset) return next()
    ctx.set('Cache-Control', 'no-cache') // a presenter who edits the page sees the edit at the next reload
    ctx.type = asset.type
    ctx.body = await readFile(join(PAGE_DIR, asset.file))
  }
}
