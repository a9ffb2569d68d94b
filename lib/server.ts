// `npm start`: one step's app on a real port, with a SQLite file or PostgreSQL, until Ctrl-C or SIGTERM.
import type { Server } from 'node:http'
import { basename } from 'node:path'
import { createApp } from './app.ts'
import { systemClock } from './clock.ts'
import { loadSecrets, NO_SECRETS, readScryptCost, readTrustProxy } from './config.ts'
import { openDatabase } from './db.ts'
import { createPasswords, HASH_LIMITS, type HashLimits, type ScryptParams } from './passwords.ts'
import { loadSigningKeys, readIssuer, readServiceName, type IssuerSettings } from './signing-keys.ts'
import { hasService, loadStep, ROOT } from './steps.ts'

export interface ServeOptions {
  dir: string
  port?: number
  databaseFile?: string
  /** A PostgreSQL URL (DATABASE_URL): wins over databaseFile. */
  databaseUrl?: string
  /** Where to listen; every interface when not given. The benchmark binds 127.0.0.1 only. */
  host?: string
  /** The scrypt cost; OWASP's unless given or TEST_ONLY_SCRYPT_N says otherwise. The benchmark, which never measures a hash, passes a cheap one. */
  scrypt?: ScryptParams
  /** The bound on password hashes in flight (lib/passwords.ts): HASH_LIMITS unless given. */
  hashLimits?: HashLimits
  /** Whether the app signs tokens with ACCESS_/REFRESH_TOKEN_SECRET (steps 02–05: lib/config.ts → usesTokenSecrets); the others load none. */
  tokenSecrets?: boolean
  /**
   * Step 07: the app issues tokens for services. Unless given, read from the environment for a step with a
   * service (SIGNING_KEYS, ISSUER, SERVICE_NAME); an empty `url` becomes http://localhost:<port> once listening.
   */
  issuer?: IssuerSettings
  /** Runs first when SIGTERM or SIGINT stops the server (step 07 stops its service there). */
  onStop?: () => Promise<void>
}

/** SIGNING_KEYS (or this checkout's development key), ISSUER (or, once listening, http://localhost:<port>), SERVICE_NAME. */
export function issuerFromEnvironment(port: number, env: NodeJS.ProcessEnv = process.env): IssuerSettings {
  return { url: env.ISSUER ? readIssuer(env, port) : '', audiences: [readServiceName(env)], keys: loadSigningKeys(env) }
}

export async function serve({ dir, port = 3000, databaseFile, databaseUrl, host, scrypt, hashLimits = HASH_LIMITS, tokenSecrets = true, issuer, onStop }: ServeOptions) {
  const secrets = tokenSecrets ? loadSecrets() : NO_SECRETS
  scrypt ??= readScryptCost()
  const settings = { trustProxy: readTrustProxy(), production: process.env.NODE_ENV === 'production' }
  const step = await loadStep(dir)
  issuer ??= hasService(dir) ? issuerFromEnvironment(port) : undefined
  const location = databaseUrl ?? databaseFile ?? `${ROOT}/.data/${basename(dir)}.sqlite`
  const db = await openDatabase(location, step.migrations)
  const app = createApp(step, { db, clock: systemClock, passwords: createPasswords(scrypt, hashLimits), secrets, issuer }, settings)

  const server = host ? app.listen(port, host) : app.listen(port)
  // Behind a load balancer, idle keep-alive connections must be closed by the balancer, not by us: with
  // Node's 5 s it may send a request on a socket we have just closed, and answer the client with an error.
  // So a timeout longer than the usual balancer idle timeout (60 s), and headers may take as long.
  server.keepAliveTimeout = 65_000
  server.headersTimeout = 66_000
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve)
    server.once('error', reject)
  })
  const address = server.address()
  const actualPort = typeof address === 'object' && address ? address.port : port
  let stopping = false
  if (issuer && !issuer.url) issuer.url = `http://localhost:${actualPort}`
  const stop = async (signal: string) => {
    // Ctrl-C in a terminal signals npm and the server alike, and npm passes its own on: one stop is enough,
    // and closeGracefully ends within its grace period whatever comes.
    if (stopping) return
    stopping = true
    console.log(`${signal}: closing the server and the database`)
    await closeGracefully(server)
    await Promise.all([db.destroy(), onStop?.()])
    process.exit(0)
  }
  process.on('SIGTERM', () => void stop('SIGTERM'))
  process.on('SIGINT', () => void stop('SIGINT'))
  // Announced only now: a supervisor that reads this line may send SIGTERM at once, and must find the handler.
  console.log(`listening on http://localhost:${actualPort}`)
  return { server, db, port: actualPort, issuer }
}

/**
 * Stops an HTTP server the way a rolling deploy needs it (`docker stop`, a process manager): it stops accepting
 * connections at once, lets every request in flight finish, and closes idle keep-alive connections as soon as
 * they are idle, so that the 65 s keep-alive holds nothing open. A request still running after `graceMs` is cut
 * off, so the process always ends. Resolves when the last connection is closed.
 */
export async function closeGracefully(server: Server, { graceMs = 5_000 }: { graceMs?: number } = {}): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()))
  // A connection that was busy when close() began becomes idle after its response: close it then. Node
  // answers those responses with `Connection: close` already; this catches a client that ignores it.
  const sweep = setInterval(() => server.closeIdleConnections(), 50)
  server.closeIdleConnections()
  const cutOff = setTimeout(() => server.closeAllConnections(), graceMs)
  try {
    await closed
  } finally {
    clearInterval(sweep)
    clearTimeout(cutOff)
  }
}
