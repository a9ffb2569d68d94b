// JSON in, JSON out: the HTTP plumbing every step shares (every step: JSON bodies, `{"error": "<sentence>"}` on every error).
import type { Middleware } from 'koa'
import bodyParser from 'koa-bodyparser'
import { STATUS_CODES } from 'node:http'
import { isDatabaseUnavailable } from './db.ts'
import { relative, sep } from 'node:path'
import { HttpError } from './errors.ts'
import { ROOT } from './steps.ts'

export const BODY_LIMIT = '16kb'

/**
 * Every error becomes `{"error": "<sentence>"}` with its status. Messages of client errors are shown; a database
 * that does not answer gets a 503 with Retry-After; anything else unexpected is logged on the server and
 * answered with a 500, never a stack trace: in development the 500 names the step file, line and function
 * that threw, and the log shows each such error once.
 */
export function jsonErrors({ production = false }: { production?: boolean } = {}): Middleware {
  return async (ctx, next) => {
    try {
      await next()
    } catch (err: any) {
      // A store that is down is no bug of this request: say so, and when to try again (RFC 9110 §15.6.4).
      if (isDatabaseUnavailable(err)) {
        console.error(`database unavailable: ${err.message}`)
        ctx.status = 503
        ctx.set('Retry-After', '5')
        ctx.body = { error: 'The database cannot be reached right now, so this request cannot be checked. Try again in a few seconds.' }
        return
      }
      const status = clientStatus(err)
      if (status === undefined) {
        const where = thrownIn(err)
        // In production every error is logged in full, as it comes: an operator counts and traces them.
        if (production) console.error(err)
        else logOnce(err, where)
        ctx.status = 500
        // In development the 500 says which of the step's files threw (never a stack, never a full path), so
        // a learner's failing test points at the code; in production it says nothing about the code.
        ctx.body = {
          error:
            production || !where
              ? 'Something went wrong on the server. It has been logged.'
              : `Something went wrong on the server: ${where.file}:${where.line}${where.fn ? `, in ${where.fn}()` : ''} threw ${publicLine(err).replace(/\.$/, '')}. The server's log shows it.`,
        }
        return
      }
      ctx.status = status
      ctx.set(err.headers ?? {})
      ctx.body = { error: clientMessage(err, status) }
      return
    }
    // No route matched, or a route set a 4xx without a body (405 from allowedMethods): still JSON.
    if (ctx.status >= 400 && ctx.body == null) {
      ctx.status = ctx.status // keep it: setting the body below would otherwise not change it
      ctx.body = {
        error:
          ctx.status === 404
            ? `Not found: no route for ${ctx.method} ${ctx.path}.`
            : ctx.status === 405
              ? `${ctx.method} is not allowed on ${ctx.path}; allowed: ${ctx.response.get('Allow')}.`
              : STATUS_CODES[ctx.status] ?? 'Error',
      }
    }
  }
}

export interface ThrownIn {
  /** The step file, relative to the repo: `steps/step-03-refresh-tokens/tokens.ts`. */
  file: string
  line: number
  fn?: string
}

/**
 * The first frame of the stack in a step's own code (not lib/, not node_modules, not Node's): where the
 * learner's code threw, or called what threw. Undefined when the step's code is not on the stack.
 */
export function thrownIn(err: unknown): ThrownIn | undefined {
  const stack = typeof (err as any)?.stack === 'string' ? ((err as any).stack as string) : ''
  for (const line of stack.split('\n')) {
    const frame = /^\s*at (?:async )?(?:(.+?) \()?(?:file:\/\/)?([^()]+?):(\d+):\d+\)?$/.exec(line)
    if (!frame) continue
    const file = relative(ROOT, decodeURIComponent(frame[2]))
    if (file.startsWith('..') || file.startsWith(`lib${sep}`) || file.split(sep).includes('node_modules') || file.startsWith('scripts')) continue
    if (!/\.ts$/.test(file)) continue
    const fn = frame[1]?.replace(/^(Object|Module)\./, '')
    return { file: file.split(sep).join('/'), line: Number(frame[3]), fn: fn && !/[<>\s]/.test(fn) ? fn : undefined }
  }
  return undefined
}

// A database error's text (SQL, constraint names, driver codes) stays in the log, even in development.
const publicLine = (err: any) => (err?.code !== undefined ? 'a database error' : errorLine(err))
const errorLine = (err: any) => `${err?.name ?? 'Error'}: ${String(err?.message ?? err).split('\n')[0].slice(0, 300)}`

// Each failing request of a test suite would otherwise print the same stack again (49 times for one mistake):
// an error is shown once per process, where it was thrown, and its stack only when no step file is on it.
const logged = new Set<string>()
function logOnce(err: any, where: ThrownIn | undefined) {
  const key = where ? `${where.file}:${where.line} ${errorLine(err)}` : String(err?.stack ?? err)
  if (logged.has(key)) return
  logged.add(key)
  if (where) console.error(`500: ${where.file}:${where.line}${where.fn ? ` (${where.fn})` : ''} threw ${errorLine(err)}\n     (shown once; the same error again is not logged)`)
  else console.error(err)
}

function clientStatus(err: any): number | undefined {
  const status = Number(err?.status ?? err?.statusCode)
  // 501: a starter's TODO; 503: too many passwords being hashed (lib/passwords.ts), a sentence of our own.
  return status >= 400 && status < 500 ? status : (status === 501 || status === 503) && err.expose ? status : undefined
}

function clientMessage(err: any, status: number): string {
  if (err.expose && typeof err.message === 'string' && err.message) return err.message
  return STATUS_CODES[status] ?? 'Error'
}

/**
 * Parses JSON bodies only, up to 16 KiB. A body of any other type gets a 415 here, because the parser
 * would otherwise turn it into `{}` without a word (and a form would turn `email[$ne]=x` into an object).
 * A request without a body counts as `{}`.
 */
export function jsonBody(): Middleware {
  const parse = bodyParser({ enableTypes: ['json'], jsonLimit: BODY_LIMIT, strict: true, onerror: bodyError })
  return async (ctx, next) => {
    const hasBody = Number(ctx.get('Content-Length') || 0) > 0 || ctx.get('Transfer-Encoding') !== ''
    if (hasBody && !ctx.request.is('application/json')) {
      ctx.throw(415, 'Send the body as JSON, with the header Content-Type: application/json.')
    }
    return parse(ctx, next)
  }
}

// The body parser's errors (from raw-body and co-body) say "invalid JSON, only supports object and array"
// or "request entity too large"; turn them into sentences a learner understands.
function bodyError(err: any): never {
  if (err?.type === 'entity.too.large') throw new HttpError(413, `The request body is larger than ${BODY_LIMIT.replace('kb', ' KiB')}.`)
  if (/only supports object and array/.test(err?.message)) throw new HttpError(400, 'The request body must be a JSON object.')
  if (/prototype/.test(err?.message)) throw new HttpError(400, 'The request body must not contain "__proto__" or "constructor" keys.')
  if (err instanceof SyntaxError) throw new HttpError(400, 'The request body is not valid JSON.')
  if (err?.type === 'encoding.unsupported' || err?.type === 'charset.unsupported') throw new HttpError(415, 'The request body must be UTF-8 JSON.')
  if (err?.status >= 400 && err?.status < 500) throw new HttpError(err.status, 'The request body could not be read.')
  throw err
}
