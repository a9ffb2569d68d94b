// DO NOT COPY. The verifier that exercise 1 attacks: it does what hand-written verifiers often do, and believes
// the token's header about how to check the token (which algorithm, which key, where to fetch it). It is kept
// apart from verifier.ts, so that your forgeries still have a target once verifier.ts is fixed; `npm start`
// never serves it, only the suite does.
import { createHmac, createPublicKey, timingSafeEqual, verify as verifySignature, type JsonWebKey, type KeyObject } from 'node:crypto'
import { epochSeconds, type Clock } from '../../lib/clock.ts'
import type { ServiceSettings, ServiceVerifier } from '../../lib/service/server.ts'

const part = (text: string) => JSON.parse(Buffer.from(text, 'base64url').toString('utf8'))

export function createNaiveVerifier({ issuer, clock }: ServiceSettings & { clock: Clock }): ServiceVerifier {
  async function keyFor(header: Record<string, any>): Promise<KeyObject> {
    if (header.jwk) return createPublicKey({ key: header.jwk, format: 'jwk' }) // the token brings its own key…
    const jwksUri = header.jku ?? `${issuer}/.well-known/jwks.json` // …or says where to fetch one
    const { keys } = (await (await fetch(jwksUri)).json()) as { keys: Array<JsonWebKey & { kid?: string }> }
    const jwk = keys.find((key) => key.kid === header.kid) ?? keys[0]
    return createPublicKey({ key: jwk, format: 'jwk' })
  }

  async function verify(token: string) {
    const [encodedHeader, encodedClaims, encodedSignature = ''] = token.split('.')
    const header = part(encodedHeader)
    const claims = part(encodedClaims)
    const signed = Buffer.from(`${encodedHeader}.${encodedClaims}`)
    const signature = Buffer.from(encodedSignature, 'base64url')
    if (header.alg === 'none') {
      // "unsecured JWT": nothing to check
    } else if (header.alg === 'HS256') {
      // The key, as text, is the HMAC secret: the public key's PEM, which anybody can download.
      const secret = (await keyFor(header)).export({ type: 'spki', format: 'pem' })
      const expected = createHmac('sha256', secret).update(signed).digest()
      if (expected.length !== signature.length || !timingSafeEqual(expected, signature)) throw new Error('bad HS256 signature')
    } else if (header.alg === 'ES256') {
      if (!verifySignature('sha256', signed, { key: await keyFor(header), dsaEncoding: 'ieee-p1363' }, signature)) throw new Error('bad ES256 signature')
    } else {
      throw new Error(`alg ${header.alg} is not supported`)
    }
    if (typeof claims.exp === 'number' && claims.exp < epochSeconds(clock)) throw new Error('expired')
    return { sub: String(claims.sub) } // and no word about iss, aud or typ
  }
  return { verify }
}
