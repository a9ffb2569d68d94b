// `npm start`: one step's app on a real port, with a SQLite file or PostgreSQL, until Ctrl-C or SIGTERM.
import { basename } from 'node:path'
import { createApp } from './app.ts'
import { systemClock } from './clock.ts'
import { loadSecrets, readScryptCost } from './config.ts'
import { openDatabase } from './db.ts'
import { createPasswords, type ScryptParams } from './passwords.ts'
import { loadStep, ROOT } from './steps.ts'

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
}

/** TRUST_PROXY=1 trusts X-Forwarded-Proto and X-Forwarded-Host; any other value is a typo that would silently trust nothing. */
export function readTrustProxy(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = env.TRUST_PROXY ?? ''
  if (value === '' || value === '0') return false
  if (value === '1') return true
  throw new Error(`TRUST_PROXY must be 1 (a TLS-terminating proxy in front sets X-Forwarded-Proto) or unset, got "${value}". Refusing to start.`)
}

export async function serve({ dir, port = 3000, databaseFile, databaseUrl, host, scrypt }: ServeOptions) {
  const secrets = loadSecrets()
  scrypt ??= readScryptCost()
  const settings = { trustProxy: readTrustProxy(), production: process.env.NODE_ENV === 'production' }
  const step = await loadStep(dir)
  const location = databaseUrl ?? databaseFile ?? `${ROOT}/.data/${basename(dir)}.sqlite`
  const db = await openDatabase(location, step.migrations)
  const app = createApp(step, { db, clock: systemClock, passwords: createPasswords(scrypt), secrets }, settings)

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
  const stop = async (signal: string) => {
    console.log(`${signal}: closing the server and the database`)
    server.close()
    server.closeAllConnections()
    await db.destroy()
    process.exit(0)
  }
  process.once('SIGTERM', () => void stop('SIGTERM'))
  process.once('SIGINT', () => void stop('SIGINT'))
  // Announced only now: a supervisor that reads this line may send SIGTERM at once, and must find the handler.
  console.log(`listening on http://localhost:${actualPort}`)
  return { server, db, port: actualPort }
}
