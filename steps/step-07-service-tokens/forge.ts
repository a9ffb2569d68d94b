// Exercise 1, attack first: forge tokens that the naive verifier (naive-verifier.ts) lets in. Each function gets
// the claims an attacker wants (any user's sub) and returns a token; the suite sends it to the naive service.
import jwt from 'jsonwebtoken'
import { createPublicKey, createSecretKey, generateKeyPairSync, type JsonWebKey } from 'node:crypto'

export type Claims = Record<string, unknown>
const TYP = 'at+jwt'
const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url')

/** alg none: a token with no signature at all. Crafted by hand: jsonwebtoken signs no such thing for us. */
export function forgeAlgNone(claims: Claims): string {
  // TODO(1): a header that says alg "none" (and typ at+jwt), the claims, and an empty signature, each part
  //          base64url-encoded (encode() does it), joined with dots. README.md → "Exercise 1" has hints.
  throw new NotImplemented('step-07 TODO(1): forge a token with alg none in forgeAlgNone (forge.ts)')
}

/**
 * Algorithm confusion: HS256 keyed with the app's *public* key. A verifier that lets the header pick the
 * algorithm uses "the key" as an HMAC secret, and the public key is public: anybody can sign.
 */
export function forgeWithPublicKeyAsSecret(claims: Claims, publicJwk: JsonWebKey & { kid: string }): string {
  // TODO(1): turn the published JWK into a PEM (createPublicKey, then export spki/pem), and sign the claims
  //          HS256 with those bytes as the secret (createSecretKey), naming the key's kid.
  //          README.md → "Exercise 1" has hints.
  throw new NotImplemented('step-07 TODO(1): forge an HS256 token keyed with the public key in forgeWithPublicKeyAsSecret (forge.ts)')
}

/** A token that brings its own key in the `jwk` header: signed with the attacker's key, verified with it. */
export function forgeWithEmbeddedJwk(claims: Claims): string {
  // TODO(1): make a P-256 key pair of your own, sign ES256 with its private key, and put its public key as a
  //          JWK in the header's `jwk`. README.md → "Exercise 1" has hints.
  throw new NotImplemented('step-07 TODO(1): forge a token that carries its own key in forgeWithEmbeddedJwk (forge.ts)')
}

/** A token that says where its key lives (`jku`): the attacker's JWKS, served at `jwksUrl`. */
export function forgeWithJku(claims: Claims, jwksUrl: string): { token: string; jwks: { keys: JsonWebKey[] } } {
  // TODO(1): a key pair of your own again; sign ES256 with a kid of your choosing and `jku: jwksUrl` in the
  //          header, and return the JWKS that lists your public key under that kid (the suite serves it).
  //          README.md → "Exercise 1" has hints.
  throw new NotImplemented('step-07 TODO(1): forge a token that points to your own JWKS in forgeWithJku (forge.ts)')
}
