// Forged, broken and confused tokens: what an attacker tries against a bearer-token step.
import { createHmac, createSecretKey, generateKeyPairSync, randomBytes, sign as rsaSign, verify as rsaVerify, type KeyObject } from 'node:crypto'
import jwt from 'jsonwebtoken'
import { epochSeconds } from '../../lib/clock.ts'
import { TOKEN_TYPES, type TokenKind } from '../../lib/token-types.ts'
import type { TestApp } from './app.ts'
import { decodeJwt } from './expect.ts'

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url')

/** A token signed with jsonwebtoken, whose header says `typ` (or has none, with `typ: undefined`). */
function sign(claims: object, key: KeyObject, typ: string | undefined, algorithm: jwt.Algorithm = 'HS256') {
  if (typ === undefined) return untypedToken({ alg: algorithm }, claims, key, algorithm)
  return jwt.sign(claims, key, { algorithm, header: { alg: algorithm, typ } })
}

/** jsonwebtoken always writes a `typ`: a token whose header has none is signed by hand. */
function untypedToken(header: object, claims: object, key: KeyObject, algorithm: jwt.Algorithm) {
  const input = `${b64(header)}.${b64(claims)}`
  const hash = { HS256: 'sha256', HS384: 'sha384', HS512: 'sha512' }[algorithm as 'HS256']
  return `${input}.${createHmac(hash, key).update(input).digest('base64url')}`
}

/** Why a token signed with the right key under another algorithm is refused: the test names say it. */
export const PINNING = 'and the right key (algorithm pinning, RFC 8725 §3.1: the verifier picks the algorithm, not the token)'

/** The names of badTokens(), in one place: every suite that loops over them uses this list. */
export const BAD_TOKEN_NAMES = [
  'with a tampered payload (another sub, same signature)',
  'with alg: none and no signature',
  'signed with a wrong key',
  `signed with HS384 ${PINNING}`,
  `signed with HS512 ${PINNING}`,
  'that has expired',
  'that is not valid yet (nbf in the future)',
  'without exp (it would never expire)',
  'whose sub names no user',
  'without typ in its header (of no stated kind)',
  'typed JWT, jsonwebtoken\'s default (of no stated kind)',
  'that is not a JWT at all',
  'with three parts of garbage',
]

/** The names of the two confused-kind tokens of badTokens(): the other secret, and the other `typ`. */
export function wrongKindNames(kind: TokenKind): string[] {
  const other = kind === 'access' ? 'refresh' : 'access'
  return [
    `signed with the ${other} secret (the wrong kind of token)`,
    `typed ${TOKEN_TYPES[other]} (the wrong kind of token), even signed with the ${kind} secret`,
  ]
}

/**
 * Variations on a genuine token, each of which the server must refuse with 401.
 * `kind` says which secret and `typ` the genuine kind has: the other secret, or the other `typ`, makes a
 * confused token. Every other variation keeps the genuine `typ`, so that it is refused for its own reason.
 */
export function badTokens(app: TestApp, genuine: string, kind: TokenKind): Record<string, string> {
  const claims = decodeJwt(genuine)
  const now = epochSeconds(app.clock)
  const right = app.secrets[kind]
  const other = kind === 'access' ? 'refresh' : 'access'
  const typ = TOKEN_TYPES[kind]
  const { exp: _exp, ...withoutExp } = claims
  const [header, , signature] = genuine.split('.')
  const [otherSecret, otherTyp] = wrongKindNames(kind)
  return {
    'with a tampered payload (another sub, same signature)': `${header}.${b64({ ...claims, sub: String(Number(claims.sub) + 1) })}.${signature}`,
    'with alg: none and no signature': `${b64({ alg: 'none', typ })}.${b64(claims)}.`,
    'signed with a wrong key': sign(claims, createSecretKey(randomBytes(32)), typ),
    [`signed with HS384 ${PINNING}`]: sign(claims, right, typ, 'HS384'),
    [`signed with HS512 ${PINNING}`]: sign(claims, right, typ, 'HS512'),
    [otherSecret]: sign(claims, app.secrets[other], TOKEN_TYPES[other]),
    [otherTyp]: sign(claims, right, TOKEN_TYPES[other]),
    'that has expired': sign({ ...claims, iat: now - 7200, exp: now - 60 }, right, typ),
    'that is not valid yet (nbf in the future)': sign({ ...claims, nbf: now + 3600 }, right, typ),
    'without exp (it would never expire)': sign(withoutExp, right, typ),
    'whose sub names no user': sign({ ...claims, sub: '987654' }, right, typ),
    'without typ in its header (of no stated kind)': sign(claims, right, undefined),
    'typed JWT, jsonwebtoken\'s default (of no stated kind)': sign(claims, right, 'JWT'),
    'that is not a JWT at all': 'not-a-token',
    'with three parts of garbage': 'abc.def.ghi',
  }
}

// ---- Algorithm confusion (RFC 8725 §2.1), played out --------------------------------------------------

let rsa: { publicPem: string; privateKey: KeyObject } | undefined

/**
 * An RSA key pair, as a server that signs RS256 tokens would have: its public key is public by design.
 * 1024 bits keep the test fast (2048 take a second on a busy machine); the attack does not depend on the
 * size, and a real RS256 key needs 2048 bits at least (jsonwebtoken refuses less).
 */
export function rsaKeys() {
  if (!rsa) {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 })
    rsa = { publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(), privateKey }
  }
  return rsa
}

/** A genuine RS256 token, signed with the private key. */
export function rs256Token(claims: object, typ: string): string {
  const input = `${b64({ alg: 'RS256', typ })}.${b64(claims)}`
  return `${input}.${rsaSign('sha256', Buffer.from(input), rsaKeys().privateKey).toString('base64url')}`
}

/** The attack: an HS256 token whose HMAC secret is the RSA *public* key, which anyone can download. */
export function confusedToken(claims: object, typ: string): string {
  const input = `${b64({ alg: 'HS256', typ })}.${b64(claims)}`
  return `${input}.${createHmac('sha256', rsaKeys().publicPem).update(input).digest('base64url')}`
}

/**
 * A naive verifier, as early JWT libraries were written: it lets the token's header choose the algorithm,
 * and uses the one key it has, the public key, for whatever that algorithm is. `pinned` is the fix: the
 * verifier, not the token, decides the algorithm.
 */
export function verifyWithPublicKey(token: string, pinned?: 'RS256'): boolean {
  const [header, payload, signature] = token.split('.')
  const { alg } = JSON.parse(Buffer.from(header, 'base64url').toString())
  if (pinned && alg !== pinned) return false
  const input = Buffer.from(`${header}.${payload}`)
  const { publicPem } = rsaKeys()
  if (alg === 'RS256') return rsaVerify('sha256', input, publicPem, Buffer.from(signature, 'base64url'))
  if (alg === 'HS256') return createHmac('sha256', publicPem).update(input).digest('base64url') === signature
  return false
}
