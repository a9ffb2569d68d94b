// Step 07's signing keys and issuer settings from the environment (README.md → "Commands", and steps/step-07-service-tokens/README.md).
// SIGNING_KEYS is a JSON array of private EC P-256 JWKs, each with its `kid`: the first signs, all are published.
import { createPrivateKey, generateKeyPairSync, randomBytes, type JsonWebKey, type KeyObject } from 'node:crypto'
import { devSecret } from './dev-secrets.ts'

export interface SigningKey {
  kid: string
  privateKey: KeyObject
}

/** What the app needs to issue tokens: who it is, whom it mints for, and its keys (the first one signs). */
export interface IssuerSettings {
  /** ISSUER: the `iss` of its tokens, and where services find `<url>/.well-known/jwks.json`. */
  url: string
  /** The services it mints tokens for (SERVICE_NAME): each token's `aud`. */
  audiences: string[]
  keys: SigningKey[]
  /** Where the reports service listens, for the page to call it (npm start knows once the service is up). */
  serviceUrl?: string
}

/** A kid is a short name, never a path, a URL or SQL: services refuse any other form. */
export const KID_FORM = /^[A-Za-z0-9_-]{1,64}$/

/** A new random ES256 key, as a private JWK with its kid: one entry of SIGNING_KEYS. */
export function newPrivateJwk(kid = randomBytes(8).toString('base64url')): JsonWebKey & { kid: string } {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  return { ...privateKey.export({ format: 'jwk' }), kid }
}

export function newSigningKey(kid?: string): SigningKey {
  return signingKeyFromJwk(newPrivateJwk(kid))
}

export function signingKeyFromJwk(jwk: JsonWebKey & { kid?: unknown }): SigningKey {
  if (typeof jwk.kid !== 'string' || !KID_FORM.test(jwk.kid)) throw new Error('each key needs a "kid" of letters, digits, "-" or "_" (at most 64)')
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || typeof jwk.d !== 'string') throw new Error(`key "${jwk.kid}" is not a private EC P-256 JWK (kty "EC", crv "P-256", with "d")`)
  const { kid, ...material } = jwk
  return { kid, privateKey: createPrivateKey({ key: material as JsonWebKey, format: 'jwk' }) }
}

/** SIGNING_KEYS's value → keys, or an error that says what is wrong with it (never the key itself). */
export function parseSigningKeys(value: string): SigningKey[] {
  let parsed: unknown
  try {
    parsed = JSON.parse(value)
  } catch {
    throw new Error('SIGNING_KEYS is not JSON: it must be a JSON array of private EC P-256 JWKs, each with its "kid".')
  }
  if (!Array.isArray(parsed) || parsed.length === 0) throw new Error('SIGNING_KEYS must be a non-empty JSON array of private EC P-256 JWKs.')
  const keys = parsed.map((jwk, i) => {
    try {
      return signingKeyFromJwk(jwk)
    } catch (err: any) {
      throw new Error(`SIGNING_KEYS[${i}]: ${err.message}`)
    }
  })
  if (new Set(keys.map((key) => key.kid)).size !== keys.length) throw new Error('SIGNING_KEYS has two keys with one kid: a service could not tell them apart.')
  return keys
}

/**
 * SIGNING_KEYS, or a development key made once per checkout (lib/dev-secrets.ts). A production server
 * refuses to start without it: a key made on one machine would differ on the next, and nothing it signed
 * would verify there.
 */
export function loadSigningKeys(env: NodeJS.ProcessEnv = process.env, warn: (message: string) => void = console.warn): SigningKey[] {
  const value = env.SIGNING_KEYS
  try {
    if (value) return parseSigningKeys(value)
  } catch (err: any) {
    throw new Error(`${err.message} Refusing to start.`)
  }
  if (env.NODE_ENV === 'production') throw new Error('SIGNING_KEYS is not set. Refusing to start with NODE_ENV=production and no signing key.')
  const secret = devSecret('SIGNING_KEYS', () => JSON.stringify([newPrivateJwk()]))
  warn(`warning: SIGNING_KEYS is not set; using this checkout's development key from ${secret.file}${secret.created ? ' (made now)' : ''}.`)
  return parseSigningKeys(secret.value)
}

/** SERVICE_NAME: the reports service's name, its `aud`. */
export function readServiceName(env: NodeJS.ProcessEnv = process.env): string {
  const name = env.SERVICE_NAME || 'reports'
  if (!/^[a-z0-9][a-z0-9._-]{0,63}$/i.test(name)) throw new Error(`SERVICE_NAME must be a short name (letters, digits, ".", "-", "_"), got "${name}". Refusing to start.`)
  return name
}

/** ISSUER, or `http://localhost:<port>`; a bare origin or a path prefix, never with a trailing slash. */
export function readIssuer(env: NodeJS.ProcessEnv, port: number): string {
  const value = env.ISSUER || `http://localhost:${port}`
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new Error(`ISSUER must be a URL such as http://localhost:3000, got "${value}". Refusing to start.`)
  }
  if (!/^https?:$/.test(url.protocol) || url.search || url.hash) throw new Error(`ISSUER must be an http(s) URL without query or fragment, got "${value}". Refusing to start.`)
  return value.replace(/\/+$/, '')
}
