// Secrets and settings from the environment (README.md → "`npm start` environment").
import { createSecretKey, type KeyObject } from 'node:crypto'
import { relative } from 'node:path'
import { DEV_SECRETS_DIR, devSecret } from './dev-secrets.ts'
import { loadSigningKeys, readIssuer, readServiceName } from './signing-keys.ts'
import { ROOT, stepNumber, UnknownStepError } from './steps.ts'
import { OWASP_SCRYPT, type ScryptParams } from './passwords.ts'

export interface Secrets {
  /** Signs access tokens. */
  access: KeyObject
  /** Signs refresh tokens: a second secret, so that one kind of token can never pass as the other (and `typ` says which is which). */
  refresh: KeyObject
}

const NAMES = { access: 'ACCESS_TOKEN_SECRET', refresh: 'REFRESH_TOKEN_SECRET' } as const

// HS256 wants a key at least as long as its 256-bit output (RFC 7518 §3.2).
const MIN_KEY_BYTES = 32

/** The one command that makes a secret of the right form (the README shows it too). */
export const KEY_COMMAND = `node -p "require('node:crypto').randomBytes(32).toString('base64url')"`

/** Steps 02–05 sign HS256 tokens with these secrets; the cookie steps (01, 06) sign nothing and load none. */
export function usesTokenSecrets(stepName: string): boolean {
  const number = stepNumber(stepName)
  return number >= 2 && number <= 5
}

/** What a step that signs no token is given: nothing to load, nothing to warn about, and an error if it ever tries. */
export const NO_SECRETS: Secrets = {
  get access(): KeyObject {
    throw new Error('This step signs no token: it has no ACCESS_TOKEN_SECRET (lib/config.ts → usesTokenSecrets).')
  },
  get refresh(): KeyObject {
    throw new Error('This step signs no token: it has no REFRESH_TOKEN_SECRET (lib/config.ts → usesTokenSecrets).')
  },
}

/**
 * The key bytes of a secret written as base64url or base64 (padding optional), or undefined when the value is
 * not such an encoding: a passphrase, hex with a typo, a value with spaces. RFC 8725 §3.5: "human-memorizable
 * passwords MUST NOT be directly used as the key to a keyed-MAC algorithm such as "HS256"", so the key is
 * the decoded random bytes, and their number is what is checked.
 */
export function decodeKey(value: string): Buffer | undefined {
  const url = value.replace(/=+$/, '').replaceAll('+', '-').replaceAll('/', '_')
  if (!/^[A-Za-z0-9_-]+$/.test(url)) return undefined
  const bytes = Buffer.from(url, 'base64url')
  // Node skips what it cannot decode; only a value that encodes these very bytes back is an encoding.
  return bytes.toString('base64url') === url ? bytes : undefined
}

/** A folder as the person at the terminal finds it: relative to the checkout when inside it. */
const shown = (dir: string) => (dir.startsWith(`${ROOT}/`) ? relative(ROOT, dir) : dir)

/**
 * Steps 02–05's two signing keys.
 * - Set: each must be an encoded random key of at least 32 bytes (KEY_COMMAND makes one). Anything else is
 *   refused under NODE_ENV=production, and warned about otherwise.
 * - Unset: NODE_ENV=production refuses to start. Otherwise this checkout's own random keys, made once in
 *   the git-ignored .data/dev-secrets/ (lib/dev-secrets.ts), so restarts keep them, no two checkouts share them,
 *   and no value written in the repo ever signs. Where they are is said once.
 * jsonwebtoken is given KeyObjects, not strings: with a string it first tries to parse a PEM key,
 * which costs about 40 times more than the HMAC itself on every sign and verify.
 */
export function loadSecrets(env: NodeJS.ProcessEnv = process.env, warn: (message: string) => void = console.warn, dir: string = DEV_SECRETS_DIR): Secrets {
  const production = env.NODE_ENV === 'production'
  const howTo = `Make one with: ${KEY_COMMAND}`
  const missing = Object.values(NAMES).filter((name) => !env[name])
  if (production && missing.length > 0) {
    throw new Error(`${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not set. Refusing to start with NODE_ENV=production and no secret. ${howTo}`)
  }
  const read = (name: (typeof NAMES)[keyof typeof NAMES]): KeyObject => {
    const set = env[name]
    const value = set || devSecret(name, undefined, dir).value
    const key = decodeKey(value)
    const problem = !key
      ? `${name} is not an encoded random key (base64url or base64 of at least ${MIN_KEY_BYTES} random bytes): a password or a phrase must not be an HMAC key (RFC 8725 §3.5).`
      : key.length < MIN_KEY_BYTES
        ? `${name} decodes to ${key.length} bytes, fewer than ${MIN_KEY_BYTES}: an HS256 key should be at least 256 bits (RFC 7518 §3.2).`
        : undefined
    if (problem && !set) throw new Error(`${problem} It was read from ${shown(dir)}/${name}: delete that file and start again to get a new one. Refusing to start.`)
    if (problem && production) throw new Error(`${problem} Refusing to start with NODE_ENV=production. ${howTo}`)
    if (problem) warn(`warning: ${problem} ${howTo}`)
    return createSecretKey(key && !problem ? key : Buffer.from(value))
  }
  const secrets = { access: read(NAMES.access), refresh: read(NAMES.refresh) }
  if (missing.length > 0) {
    // Said once, on start: where the keys are, so that a person can delete them (a logout of everyone) or copy them.
    warn(`warning: ${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not set: signing with this checkout's development keys in ${shown(dir)}/ (random, made once, git-ignored). NODE_ENV=production refuses to start without them.`)
  }
  // In every mode, not only in production: one key for both kinds would leave `typ` as their only difference.
  if (secrets.access.equals(secrets.refresh)) {
    throw new Error('ACCESS_TOKEN_SECRET and REFRESH_TOKEN_SECRET are equal. Refusing to start: give each kind of token its own secret.')
  }
  return secrets
}

/**
 * TEST_ONLY_SCRYPT_N=16: the tests' `npm start` servers hash at a test-only cost (N=16, r=8, p=1) instead of
 * OWASP's N=2^17, where no hash is under test: an OWASP hash costs 0.7 s of CPU here, and a test run starts
 * dozens of servers. Refused under NODE_ENV=production, and announced with a warning everywhere else.
 */
export function readScryptCost(env: NodeJS.ProcessEnv = process.env, warn: (message: string) => void = console.warn): ScryptParams {
  const value = env.TEST_ONLY_SCRYPT_N ?? ''
  if (value === '') return OWASP_SCRYPT
  if (env.NODE_ENV === 'production') throw new Error('TEST_ONLY_SCRYPT_N is set: passwords would be hashed far below OWASP\'s cost. Refusing to start with NODE_ENV=production.')
  const N = Number(value)
  if (!/^\d+$/.test(value) || N < 2 || N >= OWASP_SCRYPT.N || (N & (N - 1)) !== 0) {
    throw new Error(`TEST_ONLY_SCRYPT_N must be a power of two below OWASP's ${OWASP_SCRYPT.N} (the tests use 16), got "${value}". Refusing to start.`)
  }
  warn(`warning: TEST_ONLY_SCRYPT_N=${N}: passwords are hashed at a test-only cost, far below OWASP's N=${OWASP_SCRYPT.N}. For tests only.`)
  return { ...OWASP_SCRYPT, N }
}

/** TRUST_PROXY=1 trusts X-Forwarded-Proto and X-Forwarded-Host; any other value is a typo that would silently trust nothing. */
export function readTrustProxy(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = env.TRUST_PROXY ?? ''
  if (value === '' || value === '0') return false
  if (value === '1') return true
  throw new Error(`TRUST_PROXY must be 1 (a TLS-terminating proxy in front sets X-Forwarded-Proto) or unset, got "${value}". Refusing to start.`)
}

/** PORT, SERVICE_PORT: a port number (0: any free port), or `fallback` when unset. */
export function readPort(name: string, fallback: number, env: NodeJS.ProcessEnv = process.env): number {
  const value = env[name]
  const port = value ? Number(value) : fallback
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UnknownStepError(`${name} must be a port number, got "${value}".`)
  return port
}

/** `postgres://…` or `postgresql://…`: a PostgreSQL server. Anything else is a SQLite file name (or `:memory:`). */
export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location)
}

/** The URL without its password, fit for a log line. */
export function redactedUrl(url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.password) parsed.password = '***'
    return `${parsed.protocol}//${parsed.username ? `${parsed.username}${parsed.password ? ':***' : ''}@` : ''}${parsed.host}${parsed.pathname}`
  } catch {
    return 'an unreadable URL'
  }
}

/**
 * Every setting that makes `npm start` refuse to start, read the way the server reads it, quietly (the server
 * reads them again and warns then). scripts/start.ts calls this before it loads the server and the database
 * (koa, knex, the step's code), so that a refused start is refused at the cost of these few modules; the
 * tests call it too, for each rule, beside one real `npm start` per kind of refusal. Throws what start.ts
 * prints as one sentence: an UnknownStepError, or an Error that says "Refusing to start".
 * `role`: the app (steps 01–07), or step 07's reports service (--service), which has no database and no secret.
 */
export function refuseUnusableEnvironment(stepName: string, { role, issues }: { role: 'app' | 'service'; issues: boolean }, env: NodeJS.ProcessEnv = process.env): void {
  const quiet = () => {}
  const port = readPort('PORT', 3000, env)
  if (role === 'service') {
    readPort('SERVICE_PORT', port === 0 ? 0 : port + 1, env)
    readScryptCost(env, quiet)
    readIssuer(env, port)
    readServiceName(env)
    return
  }
  if (usesTokenSecrets(stepName)) loadSecrets(env, quiet)
  readScryptCost(env, quiet)
  readTrustProxy(env)
  if (issues) {
    // Step 07's app is an issuer: the key it signs with (after the secrets, so that a missing secret is named first).
    loadSigningKeys(env, quiet)
    if (env.ISSUER) readIssuer(env, port)
    readServiceName(env)
  }
  const databaseUrl = env.DATABASE_URL
  if (databaseUrl && !isPostgresUrl(databaseUrl)) throw new UnknownStepError('DATABASE_URL must look like postgres://user:password@host:port/database.')
}
