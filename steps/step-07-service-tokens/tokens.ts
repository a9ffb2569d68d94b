// Step 07: the app as an issuer. It trades a session for a short-lived access token for one named service,
// signed ES256 with a private key that only the app holds, and publishes the public half as a JWKS.
import jwt from 'jsonwebtoken'
import { createPublicKey, randomBytes } from 'node:crypto'
import type { AppDeps } from '../../lib/app.ts'
import { epochSeconds } from '../../lib/clock.ts'
import type { IssuerSettings, SigningKey } from '../../lib/signing-keys.ts'

// Minutes, not days: nobody can revoke this token, so its lifetime is the window after a logout (the cost that stays).
export const TOKEN_LIFETIME_SECONDS = 300
// The app's own client: the page, in the browser (RFC 9068 §2.2: client_id names who asked for the token).
export const CLIENT_ID = 'web'
// How long a service may cache the keys; the rotation waits at least this long before signing with a new key.
export const JWKS_MAX_AGE_SECONDS = 300

/** An RFC 9068 access token for one service: typ at+jwt, signed with the first key, which it names by kid. */
export function signAccessToken({ clock }: AppDeps, issuer: IssuerSettings, userId: number, audience: string): string {
  // TODO(2): sign, with the FIRST key of issuer.keys, algorithm ES256, its kid in the header and typ at+jwt, the
  //          claims iss (issuer.url), sub (the user id as a string), aud, client_id (CLIENT_ID), iat (now, on
  //          the clock), exp (iat + TOKEN_LIFETIME_SECONDS) and a random jti. README.md → "Exercise 2" has hints.
  throw new NotImplemented('step-07 TODO(2): sign the access token in signAccessToken (tokens.ts)')
}

/** One public JWK: the curve point only. `d` is the private key: published, it would let anyone sign. */
export function publicJwk(key: SigningKey) {
  // TODO(3): this exports the private key, `d` included, and anybody who reads the JWKS can sign as the app.
  //          Publish the public half only (createPublicKey): kty, crv, x, y, with kid, alg ES256 and use sig.
  //          README.md → "Exercise 3" has hints.
  return { ...key.privateKey.export({ format: 'jwk' }), kid: key.kid }
}

/** Every key is published, not only the one that signs: tokens of the previous key stay verifiable. */
export function jwks(issuer: IssuerSettings) {
  return { keys: issuer.keys.map(publicJwk) }
}
