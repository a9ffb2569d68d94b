// Step 07's story: the session app becomes an issuer. A five-minute ES256 token for the reports service, which
// checks it with the app's public keys and no database; the forgeries a naive verifier lets in; the cost that
// stays (a minted token outlives a logout until exp); and a key rotation the service learns without a restart.
import { createPublicKey, createSecretKey } from 'node:crypto'
import jwt from 'jsonwebtoken'
import { MINUTE, SECOND } from '../../lib/clock.ts'
import { newSigningKey } from '../../lib/signing-keys.ts'
import { startService, type TestService } from '../../tests/harness/service.ts'
import { NarratedDevice, type Demo, type Narrator } from './narrator.ts'

const header = (token: string) => JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString())

/** The service, seen as the page sees it: a caller that sends this token. */
function caller(n: Narrator, service: TestService, name: string, token: string): NarratedDevice {
  const device = new NarratedDevice(n, service.url, name)
  device.accessToken = token
  return device
}

export const demo: Demo = {
  title: 'Step 07 · JWT where it belongs: a short-lived token for another service, public keys, a JWKS',
  next: 'npm run bench: the service’s GET /me with no query, the app’s POST /token, and introspection beside them.',
  async run(n) {
    const dir = n.app.dir
    const service = await startService(undefined, { dir, issuer: n.app.url, clock: n.app.clock })
    const naive = await startService(undefined, { dir, issuer: n.app.url, clock: n.app.clock, naive: true })
    try {
      await n.scene('Alice logs in: a session cookie, as in step 06. Then she asks for a token for the reports service')
      const laptop = await n.signUp('alice')
      const minted = await laptop.post('/token', { audience: 'reports' })
      n.expect(minted, 200)
      const token: string = minted.body?.token ?? ''
      n.say(`header: ${JSON.stringify(header(token))}`)
      n.claims('token for reports', token)

      await n.scene('The reports service: no database, no secret, only the app’s public keys')
      const jwks = await n.device('reports service').get('/.well-known/jwks.json')
      n.expect(jwks, 200)
      n.check(!JSON.stringify(jwks.body).includes('"d"'), 'no private member in the JWKS', { fixed: 'the JWKS holds x and y: enough to verify, nothing to sign with' })
      n.expect(await caller(n, service, 'the page', token).me(), 200, { fixed: 'the service knows who is calling from the token and the published key alone' })

      await n.scene('Attack first: forgeries against a naive verifier, then against the real one')
      const now = Math.floor(n.app.clock.now() / 1000)
      const claims = { iss: n.app.url, sub: '1', aud: 'reports', iat: now, exp: now + 300 }
      const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url')
      const publicJwk = jwks.body.keys[0]
      const pem = createPublicKey({ key: publicJwk, format: 'jwk' }).export({ type: 'spki', format: 'pem' })
      const forgeries: Array<[string, string]> = [
        ['alg none', `${encode({ alg: 'none', typ: 'at+jwt' })}.${encode(claims)}.`],
        ['HS256 keyed with the public key', jwt.sign(claims, createSecretKey(Buffer.from(pem)), { algorithm: 'HS256', keyid: publicJwk.kid, header: { alg: 'HS256', typ: 'at+jwt' } })],
      ]
      for (const [name, forged] of forgeries) {
        n.say(name)
        n.expect(await caller(n, naive, 'forger → naive', forged).me(), 200, { gap: 'the naive verifier let the token choose how it is checked' })
        n.expect(await caller(n, service, 'forger → real', forged).me(), 401, { fixed: 'ES256 pinned, the key from the JWKS only' })
      }

      await n.scene('The cost that stays: alice logs out, the token keeps working until it expires')
      n.expect(await laptop.logout(), 204)
      n.expect(await laptop.me(), 401, { fixed: 'the app refuses the ended session at once' })
      n.expect(await caller(n, service, 'the page', token).me(), 200, { gap: 'the service cannot know: the token works until its exp' })
      n.later(5 * MINUTE + 61 * SECOND, '5 minutes (and the leeway) later')
      n.expect(await caller(n, service, 'the page', token).me(), 401, { fixed: 'expired: the window is the token’s lifetime, 5 minutes' })

      await n.scene('A key rotation, in three moves: the service learns the new kid without a restart')
      const browser = await n.logIn('alice', 'browser')
      const oldKey = n.app.issuer.keys[0]
      const newKey = newSigningKey('next-key')
      n.app.issuer.keys = [oldKey, newKey]
      n.say('move 1: SIGNING_KEYS=[old, new], the new key published, the old one still signs')
      const byOld = (await browser.post('/token', { audience: 'reports' })).body?.token ?? ''
      n.later(5 * MINUTE, '5 minutes later (the service’s cache age)')
      n.app.issuer.keys = [newKey, oldKey]
      n.say('move 2: SIGNING_KEYS=[new, old], the new key signs')
      const byNew = (await browser.post('/token', { audience: 'reports' })).body?.token ?? ''
      n.check(header(byNew).kid === 'next-key', 'a token of the new key')
      n.expect(await caller(n, service, 'new-key token', byNew).me(), 200, { fixed: 'an unknown kid: the service refetched the JWKS once, and knows it' })
      n.expect(await caller(n, service, 'old-key token', byOld).me(), 200, { fixed: 'a token of the old key, still in flight, still works' })
      n.later(5 * MINUTE + 61 * SECOND)
      n.app.issuer.keys = [newKey]
      n.say('move 3: SIGNING_KEYS=[new], once the old key’s last token has expired')
      n.expect(await caller(n, service, 'old-key token', byOld).me(), 401)
    } finally {
      await Promise.all([service.close(), naive.close()])
    }
  },
}
