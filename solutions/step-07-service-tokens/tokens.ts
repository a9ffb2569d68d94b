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
  const [signing] = issuer.keys
  const iat = epochSeconds(clock)
  const claims = {
    iss: issuer.url,
    sub: String(userId),
    aud: audience,
    client_id: CLIENT_ID,
    iat,
    exp: iat + TOKEN_LIFETIME_SECONDS,
    jti: randomBytes(16).toString('base64url'),
  }
  return jwt.sign(claims, signing.privateKey, { algorithm: 'ES256', keyid: signing.kid, header: { alg: 'ES256', typ: 'at+jwt' } })
}

/** One public JWK: the curve point only. `d` is the private key: published, it would let anyone sign. */
export function publicJwk(key: SigningKey) {
  const { kty, crv, x, y } = createPublicKey(key.privateKey).export({ format: 'jwk' })
  return { kty, crv, x, y, kid: key.kid, alg: 'ES256', use: 'sig' }
}

/** Every key is published, not only the one that signs: tokens of the previous key stay verifiable. */
export function jwks(issuer: IssuerSettings) {
  return { keys: issuer.keys.map(publicJwk) }
}
