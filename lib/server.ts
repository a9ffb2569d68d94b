// `npm start`: one step's app on a real port, with a SQLite file or PostgreSQL, until Ctrl-C or SIGTERM.
import { existsSync } from 'node:fs'
import { basename, join } from 'node:path'
import { createApp } from './app.ts'
import { systemClock } from './clock.ts'
import { loadSecrets } from './config.ts'
import { openDatabase } from './db.ts'
import { createPasswords, OWASP_SCRYPT, type ScryptParams } from './passwords.ts'
import { loadSigningKeys, readIssuer, readServiceName, type IssuerSettings } from './signing-keys.ts'
import { loadStep, ROOT } from './steps.ts'

export interface ServeOptions {
  dir: string
  port?: number
  databaseFile?: string
  /** A PostgreSQL URL (DATABASE_URL): wins over databaseFile. */
  databaseUrl?: string
  /** Where to listen; every interface when not given. The benchmark binds 127.0.0.1 only. */
  host?: string
  /** The scrypt cost; OWASP's unless given. The benchmark, which never measures a hash, passes a cheap one. */
  scrypt?: ScryptParams
  /**
   * Step 07: the app issues tokens for services. Unless given, read from the environment for a step with a
   * service (SIGNING_KEYS, ISSUER, SERVICE_NAME); an empty `url` becomes http://localhost:<port> once listening.
   */
  issuer?: IssuerSettings
  /** Runs first when SIGTERM or SIGINT stops the server (step 07 stops its service there). */
  onStop?: () => Promise<void>
}

/** TRUST_PROXY=1 trusts X-Forwarded-Proto and X-Forwarded-Host; any other value is a typo that would silently trust nothing. */
export function readTrustProxy(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = env.TRUST_PROXY ?? ''
  if (value === '' || value === '0') return false
  if (value === '1') return true
  throw new Error(`TRUST_PROXY must be 1 (a TLS-terminating proxy in front sets X-Forwarded-Proto) or unset, got "${value}". Refusing to start.`)
}

/** Step 07's folder has a service.ts: its app is also an issuer. */
export function hasService(dir: string): boolean {
  return existsSync(join(dir, 'service.ts'))
}

/** SIGNING_KEYS (or this checkout's development key), ISSUER (or, once listening, http://localhost:<port>), SERVICE_NAME. */
export function issuerFromEnvironment(port: number, env: NodeJS.ProcessEnv = process.env): IssuerSettings {
  return { url: env.ISSUER ? readIssuer(env, port) : '', audiences: [readServiceName(env)], keys: loadSigningKeys(env) }
}

export async function serve({ dir, port = 3000, databaseFile, databaseUrl, host, scrypt = OWASP_SCRYPT, issuer, onStop }: ServeOptions) {
  const secrets = loadSecrets()
  const settings = { trustProxy: readTrustProxy(), production: process.env.NODE_ENV === 'production' }
  const step = await loadStep(dir)
  issuer ??= hasService(dir) ? issuerFromEnvironment(port) : undefined
  const location = databaseUrl ?? databaseFile ?? `${ROOT}/.data/${basename(dir)}.sqlite`
  const db = await openDatabase(location, step.migrations)
  const app = createApp(step, { db, clock: systemClock, passwords: createPasswords(scrypt), secrets, issuer }, settings)

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
  if (issuer && !issuer.url) issuer.url = `http://localhost:${actualPort}`
  const stop = async (signal: string) => {
    console.log(`${signal}: closing the server and the database`)
    server.close()
    server.closeAllConnections()
    await Promise.all([db.destroy(), onStop?.()])
    process.exit(0)
  }
  process.once('SIGTERM', () => void stop('SIGTERM'))
  process.once('SIGINT', () => void stop('SIGINT'))
  // Announced only now: a supervisor that reads this line may send SIGTERM at once, and must find the handler.
  console.log(`listening on http://localhost:${actualPort}`)
  return { server, db, port: actualPort, issuer }
}
