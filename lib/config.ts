// Secrets and settings from the environment (CONTRACT.md → "`npm start` environment").
import { createSecretKey, type KeyObject } from 'node:crypto'
import { OWASP_SCRYPT, type ScryptParams } from './passwords.ts'

export interface Secrets {
  /** Signs access tokens. */
  access: KeyObject
  /** Signs refresh tokens: a second secret, so that one kind of token can never pass as the other (and `typ` says which is which). */
  refresh: KeyObject
}

// HS256 wants a key at least as long as its 256-bit output (RFC 7518 §3.2).
const MIN_SECRET_BYTES = 32

// Only for `npm start` on a laptop. They say what they are, so nobody ships them by mistake.
const DEV_SECRETS = {
  ACCESS_TOKEN_SECRET: 'dev-only-access-secret: not a secret, set ACCESS_TOKEN_SECRET',
  REFRESH_TOKEN_SECRET: 'dev-only-refresh-secret: not a secret, set REFRESH_TOKEN_SECRET',
}

/**
 * jsonwebtoken is given KeyObjects, not strings: with a string it first tries to parse a PEM key,
 * which costs about 40 times more than the HMAC itself on every sign and verify.
 */
export function loadSecrets(env: NodeJS.ProcessEnv = process.env, warn: (message: string) => void = console.warn): Secrets {
  const production = env.NODE_ENV === 'production'
  const read = (name: keyof typeof DEV_SECRETS): KeyObject => {
    const value = env[name]
    if (!value) {
      if (production) throw new Error(`${name} is not set. Refusing to start with NODE_ENV=production and no secret.`)
      warn(`warning: ${name} is not set; using a development value. Never do this in production.`)
      return createSecretKey(Buffer.from(DEV_SECRETS[name]))
    }
    // The development values are in this public file: set in production, they would sign forgeable tokens.
    if (production && Object.values(DEV_SECRETS).includes(value)) {
      throw new Error(`${name} is a development value from lib/config.ts, public to anyone. Refusing to start with NODE_ENV=production.`)
    }
    if (Buffer.byteLength(value) < MIN_SECRET_BYTES) {
      const message = `${name} is shorter than ${MIN_SECRET_BYTES} bytes; an HS256 key should be at least 256 bits.`
      if (production) throw new Error(`${message} Refusing to start with NODE_ENV=production.`)
      warn(`warning: ${message}`)
    }
    return createSecretKey(Buffer.from(value))
  }
  const secrets = { access: read('ACCESS_TOKEN_SECRET'), refresh: read('REFRESH_TOKEN_SECRET') }
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
