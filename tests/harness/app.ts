// Starts a step's app for one test: a real HTTP server on an ephemeral port, an in-memory SQLite
// database (or, with DATABASE_URL set, a PostgreSQL schema of its own over a pool of several connections),
// cheap scrypt, and a clock the test moves by hand.
import { createSecretKey, randomBytes } from 'node:crypto'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import type { TestContext } from 'node:test'
import { createApp } from '../../lib/app.ts'
import type { Clock } from '../../lib/clock.ts'
import type { Secrets } from '../../lib/config.ts'
import { countQueries, openDatabase, type Database } from '../../lib/db.ts'
import { CHEAP_SCRYPT_FOR_TESTS, createPasswords, NO_HASH_LIMITS, type Passwords } from '../../lib/passwords.ts'
import { newSigningKey, type IssuerSettings, type SigningKey } from '../../lib/signing-keys.ts'
import { loadStep, ROOT, type StepName } from '../../lib/steps.ts'
import { freshDatabase, postgresUrl, type TestDatabase } from './database.ts'
import { Device } from './device.ts'

/**
 * Which folder a suite tests. `npm test -- step-04` points it at steps/, `--solution` at solutions/,
 * and the gap checks point an earlier step's suite at a later step's solution.
 */
export function targetDir(step: StepName): string {
  return process.env.WORKSHOP_TARGET ?? join(ROOT, 'steps', step)
}

export class TestClock implements Clock {
  constructor(private time = Date.UTC(2026, 0, 5, 9, 0, 0)) {}
  now() {
    return this.time
  }
  advance(ms: number) {
    this.time += ms
  }
}

export interface TestApp {
  /** The suite's step, and the folder this app serves (a later solution, or a scratch copy, may stand in). */
  step: StepName
  dir: string
  url: string
  db: Database
  clock: TestClock
  secrets: Secrets
  /** Step 07: the app as an issuer. Changing `keys` is what a restart with new SIGNING_KEYS does. */
  issuer: IssuerSettings
  /** The paths requested from this app so far, in order (a service's JWKS fetches among them). */
  requests: string[]
  /** A client that keeps whatever credential login gives it: a cookie, or bearer and refresh tokens. */
  device(name?: string): Device
  /** How many SQL statements the app ran while `action` ran. */
  countQueries(action: () => Promise<unknown>): Promise<number>
  close(): Promise<void>
}

export interface StartOptions {
  /** The step folder to serve, instead of `targetDir(step)` (the attack suite serves every step of a flavour). */
  dir?: string
  /** Another password hasher: one that counts its calls, or a slower one for timing. Default: cheap scrypt, no bound on hashes in flight (a suite runs dozens of tests at once and must never see a 503). */
  passwords?: Passwords
  /** A SQLite file instead of `:memory:`, to test what only a file shows (locking, restarts). */
  databaseFile?: string
  /** As with `TRUST_PROXY=1`: X-Forwarded-Proto and X-Forwarded-Host come from a trusted TLS-terminating proxy. */
  trustProxy?: boolean
  /** As with `NODE_ENV=production`. */
  production?: boolean
  /** These signing secrets instead of two random ones: a restart keeps them, or rotates one (a new key). */
  secrets?: Secrets
  /** A database made by freshDatabase(); the caller drops it. */
  database?: TestDatabase
  /** Step 07: these signing keys (SIGNING_KEYS) instead of one new key; two servers of one app share them. */
  signingKeys?: SigningKey[]
  /** Step 07: the services it mints for (SERVICE_NAME); `reports` unless given. */
  audiences?: string[]
}

/** Two random 256-bit signing secrets, as a fresh deployment would generate them. */
export function newSecrets(): Secrets {
  return { access: createSecretKey(randomBytes(32)), refresh: createSecretKey(randomBytes(32)) }
}

/** On PostgreSQL, enough connections that requests really run side by side, and races reach the server. */
export const TEST_POOL_SIZE = 4

/**
 * How many tests of a step suite run at once: all of them on SQLite, where each has a database of its own in
 * memory. On PostgreSQL every test's app may hold TEST_POOL_SIZE connections of a server that has
 * max_connections (100 by default) for everyone: 8 at a time keep a suite within 32.
 */
export const TESTS_AT_ONCE = postgresUrl() ? 8 : true

export async function startApp(t: TestContext | undefined, step: StepName, options: StartOptions = {}): Promise<TestApp> {
  const dir = options.dir ?? targetDir(step)
  const loaded = await loadStep(dir)
  // Made here, dropped in close(): unless the caller brought its own file or database.
  const own = options.databaseFile || options.database ? undefined : await freshDatabase('memory', step.slice(0, 7))
  const location = options.databaseFile ?? (options.database ?? own!).location
  const db = await openDatabase(location, loaded.migrations, { poolSize: TEST_POOL_SIZE }).catch(async (err) => {
    await own?.drop()
    throw err
  })
  const clock = new TestClock()
  const secrets = options.secrets ?? newSecrets()
  const passwords = options.passwords ?? createPasswords(CHEAP_SCRYPT_FOR_TESTS, NO_HASH_LIMITS)
  // Every app gets issuer settings; only step 07's routes read them. The URL is known once the server listens.
  // Its key is made when first read (0.8 ms of CPU, in every test of every suite, and only step 07 reads it).
  let keys = options.signingKeys
  const issuer: IssuerSettings = {
    url: '',
    audiences: options.audiences ?? ['reports'],
    get keys() {
      return (keys ??= [newSigningKey()])
    },
    set keys(value) {
      keys = value
    },
  }
  const koa = createApp(loaded, { db, clock, passwords, secrets, issuer }, { trustProxy: options.trustProxy, production: options.production })
  const server = koa.listen(0, '127.0.0.1')
  const requests: string[] = []
  server.on('request', (request) => requests.push(request.url ?? ''))
  // The test device reuses an idle socket until the server's keep-alive timeout (5 s by default); on a busy
  // machine its timer fires late, it writes to a socket the server has just closed, and gets ECONNRESET.
  // A timeout no test ever idles through takes that race away.
  server.keepAliveTimeout = 60_000
  await new Promise((resolve) => server.once('listening', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  issuer.url = url

  const app: TestApp = {
    step,
    dir,
    url,
    db,
    clock,
    secrets,
    issuer,
    requests,
    device: (name = 'device') => new Device(url, name),
    async countQueries(action) {
      const counter = countQueries(db)
      try {
        await action()
        return counter.count
      } finally {
        counter.stop()
      }
    },
    async close() {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
      await db.destroy()
      await own?.drop()
    },
  }
  t?.after(() => app.close())
  return app
}
