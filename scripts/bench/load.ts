// The load half of the benchmark: each app in a child process of its own, driven by autocannon over 127.0.0.1.
import autocannon from 'autocannon'
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { newPrivateJwk } from '../../lib/signing-keys.ts'
import { ROOT } from '../../lib/steps.ts'
import { BENCH_EMAIL, BENCH_PASSWORD } from './user.ts'
import { TSX } from '../tsx.ts'

export interface Server {
  url: string
  stop(): void
  /** Settles when its process has exited (after a stop, once it has closed its connections and database). */
  exited: Promise<void>
}

const SERVER_SCRIPT = join(ROOT, 'scripts', 'bench', 'server.ts')
const SERVICE_SCRIPT = join(ROOT, 'scripts', 'bench', 'service.ts')
const START_TIMEOUT_MS = 3 * 60_000 // catches a hang; a busy machine may take its time

/** Production-like settings: NODE_ENV unset, real 32-byte secrets, so nothing warns or takes a dev path. */
function serverEnv(): NodeJS.ProcessEnv {
  const { NODE_ENV: _nodeEnv, WORKSHOP_TARGET: _target, ...env } = process.env
  return {
    ...env,
    ACCESS_TOKEN_SECRET: randomBytes(32).toString('base64url'),
    REFRESH_TOKEN_SECRET: randomBytes(32).toString('base64url'),
    SIGNING_KEYS: JSON.stringify([newPrivateJwk()]), // step 07's issuer
  }
}

/** Starts `serve()` for one step folder and resolves when it prints `listening on http://localhost:<port>`. */
export async function startServer(dir: string, extraEnv: Record<string, string> = {}, script = SERVER_SCRIPT, args: string[] = []): Promise<Server> {
  const [{ server }] = await spawnServers(script, [dir, ...args], 1, extraEnv)
  return server
}

export interface Hosted {
  /** The apps, in the order of their folders. */
  apps: Server[]
  /** Step 07's reports service of each folder that has one (service.ts), trusting that app; else undefined. */
  services: Array<Server | undefined>
}

/**
 * `--one-process`: every app, and the reports service of each folder that has one, in one server process,
 * each on a port of its own, for one start-up instead of one each. Stopping any stops the process: all of them.
 */
export async function startServers(dirs: string[]): Promise<Hosted> {
  const expected = dirs.length + dirs.filter((dir) => existsSync(join(dir, 'service.ts'))).length
  const hosted: Hosted = { apps: [], services: [] }
  for (const { service, server } of await spawnServers(SERVER_SCRIPT, ['--with-services', ...dirs], expected)) {
    if (service) hosted.services[hosted.apps.length - 1] = server // printed right after its app
    else hosted.apps.push(server)
  }
  return hosted
}

/** Resolves once the child has printed `[service ]listening on http://localhost:<port>` `count` times. */
function spawnServers(script: string, args: string[], count: number, extraEnv: Record<string, string> = {}): Promise<Array<{ service: boolean; server: Server }>> {
  const child: ChildProcess = spawn(process.execPath, [...TSX, script, ...args], {
    cwd: ROOT,
    env: { ...serverEnv(), ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  return new Promise((resolve, reject) => {
    const fail = (why: string) => {
      clearTimeout(timer)
      child.kill()
      reject(new Error(`${why}\n--- server output (${args.join(' ')}) ---\n${output.trim()}`))
    }
    const timer = setTimeout(() => fail(`the server did not start within ${START_TIMEOUT_MS / 1000} s`), START_TIMEOUT_MS)
    child.stderr!.on('data', (chunk) => (output += chunk))
    child.stdout!.on('data', (chunk) => {
      output += chunk
      const ports = [...output.matchAll(/^(service )?listening on http:\/\/localhost:(\d+)/gm)].map((match) => ({ service: Boolean(match[1]), port: match[2] }))
      if (ports.length < count) return
      clearTimeout(timer)
      child.stdout!.removeAllListeners('data')
      child.stdout!.resume() // keep draining, so the child never blocks on a full pipe
      resolve(ports.slice(0, count).map(({ service, port }) => ({ service, server: { url: `http://127.0.0.1:${port}`, stop: () => child.kill('SIGTERM'), exited } })))
    })
    child.once('exit', (code) => fail(`the server exited (code ${code}) before it listened`))
  })
}

/** Step 07's reports service for one step folder, trusting the tokens of the app at `issuer` (its own process). */
export function startService(dir: string, issuer: string): Promise<Server> {
  return startServer(dir, {}, SERVICE_SCRIPT, [issuer])
}

/** Step 07: a token for the reports service, bought with the session cookie. */
export async function mintToken(url: string, headers: Record<string, string>): Promise<string> {
  const reply = await fetch(`${url}/token`, { method: 'POST', headers: { ...headers, 'Content-Type': 'application/json' }, body: JSON.stringify({ audience: 'reports' }) })
  if (reply.status !== 200) throw new Error(`POST /token answered ${reply.status}: ${await reply.text()}`)
  return (await reply.json()).token
}

async function post(url: string, body: unknown): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) })
}

/**
 * Registers the bench account and logs in once (set-up, not measured),
 * then returns the headers that carry the credential: the `sid` cookie or the bearer access token.
 */
export async function logIn(url: string): Promise<Record<string, string>> {
  const registered = await post(`${url}/register`, { email: BENCH_EMAIL, password: BENCH_PASSWORD })
  if (registered.status !== 201) throw new Error(`POST /register answered ${registered.status}: ${await registered.text()}`)
  const login = await post(`${url}/login`, { email: BENCH_EMAIL, password: BENCH_PASSWORD })
  if (login.status !== 200) throw new Error(`POST /login answered ${login.status}: ${await login.text()}`)
  const body = await login.json()
  const sid = login.headers.getSetCookie().map((line) => /^sid=([^;]+)/.exec(line)?.[1]).find(Boolean)
  if (sid) return { cookie: `sid=${sid}` }
  if (typeof body.accessToken === 'string') return { authorization: `Bearer ${body.accessToken}` }
  throw new Error('POST /login gave neither a `sid` cookie nor an access token')
}

/** Checks that the credential works before we hammer the server with it: a 401 measured fast is no result. */
export async function checkMe(url: string, headers: Record<string, string>) {
  const reply = await fetch(`${url}/me`, { headers })
  if (reply.status !== 200) throw new Error(`GET /me answered ${reply.status}: ${await reply.text()}`)
  const body = await reply.json()
  if (body?.user?.email !== BENCH_EMAIL) throw new Error(`GET /me answered ${JSON.stringify(body)}`)
}

export interface Load {
  requestsPerSecond: number
  p50: number
  p99: number
  requests: number
}

/** What is measured: GET /me unless said otherwise (step 07 also measures the app's POST /token). */
export interface Target {
  method?: 'GET' | 'POST'
  path?: string
  body?: string
}

/** A run of `seconds`, or of `amount` requests whatever they take (for a machine too busy to finish one in time). */
function run(url: string, headers: Record<string, string>, connections: number, seconds: number, onTime?: (ms: number) => void, amount?: number, target: Target = {}) {
  return new Promise<autocannon.Result>((resolve, reject) => {
    // sampleInt: autocannon stops at its next sample tick, 1 s by default; 100 ms keeps short rounds short, and
    // a round shorter than that (the bench's own test) ticks at its own length.
    const length = amount ? { amount } : { duration: seconds }
    const request = { method: target.method ?? 'GET', body: target.body }
    const instance = autocannon({ url: `${url}${target.path ?? '/me'}`, headers, connections, ...length, sampleInt: Math.max(10, Math.min(100, Math.round(seconds * 1000))), ...request }, (err, result) =>
      err ? reject(err) : resolve(result),
    )
    if (onTime) instance.on('response', (_client, _status, _bytes, ms) => onTime(ms))
  })
}

/** p-th percentile of sorted values, nearest-rank. */
function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]
}

export async function warmUp(url: string, headers: Record<string, string>, options: { connections: number; warmup: number }, target: Target = {}) {
  await run(url, headers, options.connections, options.warmup, undefined, undefined, target)
}

/**
 * One measured run. Latencies come from autocannon's per-response timer (sub-millisecond), not from its
 * whole-millisecond histogram.
 */
export async function measure(url: string, headers: Record<string, string>, options: { connections: number; seconds: number }, target: Target = {}): Promise<Load> {
  const times: number[] = []
  let result = await run(url, headers, options.connections, options.seconds, (ms) => times.push(ms), undefined, target)
  // A very short round on a very busy machine may end before any answer: then measure a few requests instead,
  // however long they take (a slow figure is still a figure; failing would be the machine's fault, not the app's).
  if (times.length === 0 && result.errors === 0 && result.non2xx === 0) {
    const started = performance.now()
    result = await run(url, headers, options.connections, options.seconds, (ms) => times.push(ms), options.connections * 5, target)
    result.duration = (performance.now() - started) / 1000
  }
  if (result.non2xx > 0 || result.errors > 0) {
    throw new Error(`${target.method ?? 'GET'} ${target.path ?? '/me'} failed during the run: ${result.non2xx} non-2xx answers, ${result.errors} errors`)
  }
  if (times.length === 0) throw new Error('no request completed during the run')
  times.sort((a, b) => a - b)
  const seconds = result.duration || options.seconds
  return { requestsPerSecond: times.length / seconds, p50: percentile(times, 50), p99: percentile(times, 99), requests: times.length }
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

/** The median of several rounds, each figure on its own: one noisy round (a busy neighbour, a GC) moves nothing. */
export function medianLoad(rounds: Load[]): Load {
  return {
    requestsPerSecond: median(rounds.map((round) => round.requestsPerSecond)),
    p50: median(rounds.map((round) => round.p50)),
    p99: median(rounds.map((round) => round.p99)),
    requests: rounds.reduce((sum, round) => sum + round.requests, 0),
  }
}
