import assert from 'node:assert/strict'
import jwt from 'jsonwebtoken'
import { createPublicKey, createSecretKey, generateKeyPairSync, type JsonWebKey } from 'node:crypto'
import { join } from 'node:path'
import { describe, test, type TestContext } from 'node:test'
import { MINUTE, SECOND } from '../lib/clock.ts'
import { newSigningKey, type SigningKey } from '../lib/signing-keys.ts'
import { startApp, targetDir, type TestApp, TESTS_AT_ONCE } from './harness/app.ts'
import { cookieTransportTests } from './harness/cookies.ts'
import type { Device } from './harness/device.ts'
import { decodeJwt, describeReply, expectJsonError, expectStatus, serverErrorsPointAt } from './harness/expect.ts'
import { startListener, startService, type TestService } from './harness/service.ts'
import { signUp } from './harness/users.ts'

const STEP = 'step-07-service-tokens'
serverErrorsPointAt(STEP, { 'forge.ts#forgeAlgNone': 'step-07 TODO(1)', 'forge.ts#forgeWithPublicKeyAsSecret': 'step-07 TODO(1)', 'forge.ts#forgeWithEmbeddedJwk': 'step-07 TODO(1)', 'forge.ts#forgeWithJku': 'step-07 TODO(1)', 'tokens.ts#signAccessToken': 'step-07 TODO(2)', 'tokens.ts#publicJwk': 'step-07 TODO(3)', 'key-set.ts#createKeySet': 'step-07 TODO(5)', 'verifier.ts#createVerifier': 'step-07 TODO(4)' })
const dir = () => targetDir(STEP)
const forge = async () => (await import(join(dir(), 'forge.ts'))) as typeof import('../solutions/step-07-service-tokens/forge.ts')

/** The app, a signed-up alice, and the reports service that trusts the app's tokens. */
async function setUp(t: TestContext, options: { naive?: boolean; audiences?: string[]; signingKeys?: SigningKey[] } = {}) {
  const app = await startApp(t, STEP, { audiences: options.audiences, signingKeys: options.signingKeys })
  const alice = await signUp(app)
  const service = await startService(t, { dir: dir(), issuer: app.url, clock: app.clock, naive: options.naive })
  return { app, alice, service }
}

/** POST /token for this device: the token, checked to be there. */
async function mint(device: Device, audience = 'reports'): Promise<string> {
  const reply = await device.post('/token', { audience })
  expectStatus(reply, 200, 'step-07 TODO(2): POST /token should answer {"token", "tokenType": "Bearer", "expiresIn"}')
  assert.equal(typeof reply.body?.token, 'string', `${describeReply(reply)}: expected a "token"`)
  return reply.body.token
}

/** The header of a JWT, read without checking anything. */
function jwtHeader(token: string): Record<string, any> {
  return JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString())
}

async function userId(device: Device): Promise<string> {
  return String((await device.me()).body.user.id)
}

/** What an attacker puts in a token: alice's id, for the reports service, valid for five minutes from now. */
function claimsFor(app: TestApp, sub: string, overrides: Record<string, unknown> = {}) {
  const iat = Math.floor(app.clock.now() / 1000)
  return { iss: app.url, sub, aud: 'reports', client_id: 'web', iat, exp: iat + 300, jti: `forged-${Math.random()}`, ...overrides }
}

/** A token signed with the app's own private key, with whatever claims and header the test wants. */
function signedByApp(app: TestApp, claims: object, header: Record<string, unknown> = {}, key = app.issuer.keys[0]): string {
  return jwt.sign(claims, key.privateKey, { algorithm: 'ES256', keyid: key.kid, header: { alg: 'ES256', typ: 'at+jwt', ...header } as jwt.JwtHeader })
}

async function publishedKeys(app: TestApp): Promise<Array<JsonWebKey & { kid: string }>> {
  const reply = await app.device('a service').get('/.well-known/jwks.json')
  expectStatus(reply, 200, 'GET /.well-known/jwks.json should answer {"keys": [...]}')
  assert.ok(Array.isArray(reply.body?.keys), `${describeReply(reply)}: expected {"keys": [...]}`)
  return reply.body.keys
}

async function expectAccepted(service: TestService, token: string, sub: string, hint: string) {
  const reply = await service.caller(token).me()
  expectStatus(reply, 200, hint)
  assert.equal(reply.body?.user?.id, sub, `${describeReply(reply)}: the service should name the token's user`)
}

async function expectRefused(service: TestService, token: string, hint: string) {
  const reply = await service.caller(token).me()
  expectJsonError(reply, 401, hint)
  assert.match(reply.headers.get('www-authenticate') ?? '', /^Bearer error="invalid_token"/, `${describeReply(reply)}: a refused token gets WWW-Authenticate: Bearer error="invalid_token"`)
}

const JWKS_PATH = '/.well-known/jwks.json'
const jwksFetches = (app: TestApp) => app.requests.filter((path) => path === JWKS_PATH).length

describe('step 07 · service tokens', { concurrency: TESTS_AT_ONCE }, () => {
  describe('exercise 1 · attack first: the naive verifier lets the token choose how it is checked', () => {
    test('alg none: a token with no signature at all gets in', async (t) => {
      const { app, alice, service } = await setUp(t, { naive: true })
      const token = (await forge()).forgeAlgNone(claimsFor(app, await userId(alice.device)))
      await expectAccepted(service, token, await userId(alice.device), 'step-07 TODO(1): forgeAlgNone should make a token that the naive service accepts')
    })

    test("algorithm confusion: HS256 keyed with the app's public key gets in", async (t) => {
      const { app, alice, service } = await setUp(t, { naive: true })
      const [publicJwk] = await publishedKeys(app)
      const token = (await forge()).forgeWithPublicKeyAsSecret(claimsFor(app, await userId(alice.device)), publicJwk)
      assert.equal(jwtHeader(token).alg, 'HS256', 'step-07 TODO(1): the forgery is an HS256 token')
      await expectAccepted(service, token, await userId(alice.device), "step-07 TODO(1): an HMAC keyed with the PEM of the app's public key should pass the naive check")
    })

    test('a token that carries its own key (jwk) gets in', async (t) => {
      const { app, alice, service } = await setUp(t, { naive: true })
      const token = (await forge()).forgeWithEmbeddedJwk(claimsFor(app, await userId(alice.device)))
      assert.ok(jwtHeader(token).jwk, 'step-07 TODO(1): the forgery carries its key in the `jwk` header')
      await expectAccepted(service, token, await userId(alice.device), 'step-07 TODO(1): sign with your own key and put its public half in the header')
    })

    test("a token that points to the attacker's key (jku) gets in, and the naive service fetches the attacker's URL", async (t) => {
      const { app, alice, service } = await setUp(t, { naive: true })
      let attackerJwks: unknown = { keys: [] }
      const attacker = await startListener(t, () => attackerJwks)
      const forged = (await forge()).forgeWithJku(claimsFor(app, await userId(alice.device)), `${attacker.url}/jwks.json`)
      attackerJwks = forged.jwks
      await expectAccepted(service, forged.token, await userId(alice.device), "step-07 TODO(1): put the attacker's JWKS URL in `jku`, and sign with the key it lists")
      assert.deepEqual(attacker.requests, ['/jwks.json'], 'the naive service fetched the URL the token named')
    })

    test("a token minted for another service gets in: the naive service never reads aud", async (t) => {
      const { alice, service } = await setUp(t, { naive: true, audiences: ['reports', 'billing'] })
      const token = await mint(alice.device, 'billing')
      await expectAccepted(service, token, await userId(alice.device), 'a billing token, sent to reports: the naive check looks at the signature only')
    })
  })

  describe('exercise 2 · sign: POST /token trades the session for a token for one service', () => {
    test('the token is an ES256 at+jwt with kid, and iss, sub, aud, client_id, iat, exp and jti (RFC 9068 §2.2)', async (t) => {
      const { app, alice } = await setUp(t)
      const reply = await alice.device.post('/token', { audience: 'reports' })
      expectStatus(reply, 200, 'step-07 TODO(2): POST /token should answer {"token", "tokenType": "Bearer", "expiresIn"}')
      assert.equal(reply.body.tokenType, 'Bearer')
      assert.equal(reply.headers.get('cache-control'), 'no-store', 'a token response must not be cached (RFC 6749 §5.1)')
      const header = jwtHeader(reply.body.token)
      assert.equal(header.alg, 'ES256', 'step-07 TODO(2): sign with algorithm ES256')
      assert.equal(header.typ, 'at+jwt', 'step-07 TODO(2): the header says what the token is: typ at+jwt (RFC 9068 §2.1)')
      assert.equal(header.kid, app.issuer.keys[0].kid, 'step-07 TODO(2): the header names the signing key: kid of the first key')
      const claims = decodeJwt(reply.body.token)
      assert.equal(claims.iss, app.url, 'step-07 TODO(2): iss is the issuer (ISSUER)')
      assert.equal(claims.sub, await userId(alice.device), 'step-07 TODO(2): sub is the user id, as a string')
      assert.equal(claims.aud, 'reports', 'step-07 TODO(2): aud is the service the token is for')
      assert.equal(claims.client_id, 'web', "step-07 TODO(2): client_id names the app's own client")
      assert.equal(claims.iat, Math.floor(app.clock.now() / 1000), 'step-07 TODO(2): iat is now, on the app clock')
      assert.equal(typeof claims.jti, 'string', 'step-07 TODO(2): every token has a jti')
      jwt.verify(reply.body.token, createPublicKey(app.issuer.keys[0].privateKey), { algorithms: ['ES256'], clockTimestamp: claims.iat })
    })

    test('the token lives at most 300 s, expiresIn says how long, and every token has its own jti', async (t) => {
      const { alice } = await setUp(t)
      const replies = [await alice.device.post('/token', { audience: 'reports' }), await alice.device.post('/token', { audience: 'reports' })]
      for (const reply of replies) expectStatus(reply, 200, 'step-07 TODO(2): POST /token should answer {"token", "tokenType": "Bearer", "expiresIn"}')
      const [first, second] = replies.map((reply) => decodeJwt(reply.body?.token))
      assert.ok(first.exp - first.iat > 0 && first.exp - first.iat <= 300, `the token lives ${first.exp - first.iat} s: step-07 TODO(2) makes exp at most 300 s after iat`)
      assert.equal(replies[0].body.expiresIn, first.exp - first.iat, 'expiresIn is the lifetime in seconds')
      assert.notEqual(first.jti, second.jti, 'step-07 TODO(2): each token gets a new random jti')
    })

    test('without a session: 401; an audience the app does not serve, or bad input: 400; from another origin: 403', async (t) => {
      const { app, alice } = await setUp(t)
      expectJsonError(await app.device('stranger').post('/token', { audience: 'reports' }), 401, 'POST /token needs the session cookie')
      for (const body of [{ audience: 'billing' }, {}, { audience: ['reports'] }, { audience: 42 }]) {
        expectJsonError(await alice.device.post('/token', body), 400, `POST /token ${JSON.stringify(body)}: only an audience the app serves`)
      }
      expectJsonError(await alice.device.post('/token', { audience: 'reports' }, { headers: { Origin: 'https://evil.example' } }), 403, 'a cookie POST from another site is refused')
      await alice.device.logout()
      expectJsonError(await alice.device.post('/token', { audience: 'reports' }), 401, 'an ended session buys no token')
    })
  })

  describe('exercise 3 · publish: the JWKS holds the public keys, and nothing else', () => {
    test('GET /.well-known/jwks.json publishes every signing key: kty, crv, x, y, kid, alg, use, and never d', async (t) => {
      const keys = [newSigningKey('new-key'), newSigningKey('old-key')]
      const { app } = await setUp(t, { signingKeys: keys })
      const reply = await app.device().get(JWKS_PATH)
      expectStatus(reply, 200)
      assert.match(reply.headers.get('cache-control') ?? '', /^public, max-age=\d+$/, 'the keys may be cached: Cache-Control: public, max-age=N')
      const published = reply.body.keys as Array<Record<string, string>>
      assert.deepEqual(published.map((key) => key.kid), ['new-key', 'old-key'], 'step-07 TODO(3): one JWK per key, in order, each with its kid')
      for (const [i, key] of published.entries()) {
        assert.equal(key.d, undefined, 'step-07 TODO(3): `d` is the private key: published, it lets anybody sign as the app')
        assert.deepEqual(Object.keys(key).sort(), ['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y'], 'step-07 TODO(3): publish kty, crv, x, y, kid, alg, use: nothing else')
        assert.deepEqual([key.kty, key.crv, key.alg, key.use], ['EC', 'P-256', 'ES256', 'sig'])
        const own = createPublicKey(keys[i].privateKey).export({ format: 'jwk' })
        assert.deepEqual([key.x, key.y], [own.x, own.y], "step-07 TODO(3): the published point is the key's public half")
      }
    })

    test("the published key verifies the app's token: a service needs nothing else", async (t) => {
      const { app, alice } = await setUp(t)
      const token = await mint(alice.device)
      const published = (await publishedKeys(app)).find((key) => key.kid === jwtHeader(token).kid)
      assert.ok(published, "step-07 TODO(3): the token's kid must name a published key")
      const claims = jwt.verify(token, createPublicKey({ key: published, format: 'jwk' }), { algorithms: ['ES256'], clockTimestamp: Math.floor(app.clock.now() / 1000) })
      assert.equal((claims as jwt.JwtPayload).sub, await userId(alice.device))
    })
  })

  describe('exercise 4 · verify: the reports service checks the token, and decides how', () => {
    test("the service names the token's user and itself, with no database and no secret", async (t) => {
      const { alice, service } = await setUp(t)
      const token = await mint(alice.device)
      const reply = await service.caller(token).me()
      expectStatus(reply, 200, 'step-07 TODO(4): the service should accept a token the app signed')
      assert.deepEqual(reply.body, { user: { id: await userId(alice.device) }, service: 'reports' })
    })

    test('no token: 401 with WWW-Authenticate: Bearer; the scheme name is case-insensitive', async (t) => {
      const { alice, service } = await setUp(t)
      const reply = await service.caller('').get('/me', { headers: { Authorization: '' } })
      expectJsonError(reply, 401)
      assert.equal(reply.headers.get('www-authenticate'), 'Bearer', 'a 401 without a token says which scheme to use, and no error')
      const token = await mint(alice.device)
      expectStatus(await service.caller('').get('/me', { headers: { Authorization: `bearer ${token}` } }), 200, 'step-07 TODO(4): `bearer` works as well as `Bearer`')
    })

    test('the forgeries of exercise 1 get 401: alg none, HS256 with the public key, a token with its own jwk', async (t) => {
      const { app, alice, service } = await setUp(t)
      const claims = claimsFor(app, await userId(alice.device))
      const [publicJwk] = await publishedKeys(app)
      const pem = createPublicKey({ key: publicJwk, format: 'jwk' }).export({ type: 'spki', format: 'pem' })
      const own = generateKeyPairSync('ec', { namedCurve: 'P-256' })
      const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url')
      const forgeries: Record<string, string> = {
        'alg none': `${encode({ alg: 'none', typ: 'at+jwt', kid: publicJwk.kid })}.${encode(claims)}.`,
        'HS256 keyed with the public key': jwt.sign(claims, createSecretKey(Buffer.from(pem)), { algorithm: 'HS256', keyid: publicJwk.kid, header: { alg: 'HS256', typ: 'at+jwt' } }),
        'its own key in jwk': jwt.sign(claims, own.privateKey, { algorithm: 'ES256', header: { alg: 'ES256', typ: 'at+jwt', jwk: own.publicKey.export({ format: 'jwk' }) } as jwt.JwtHeader }),
        'its own key in jwk, with a published kid': jwt.sign(claims, own.privateKey, { algorithm: 'ES256', keyid: publicJwk.kid, header: { alg: 'ES256', typ: 'at+jwt', jwk: own.publicKey.export({ format: 'jwk' }) } as jwt.JwtHeader }),
        'a published kid, signed by another key': jwt.sign(claims, own.privateKey, { algorithm: 'ES256', keyid: publicJwk.kid, header: { alg: 'ES256', typ: 'at+jwt' } }),
      }
      for (const [name, token] of Object.entries(forgeries)) await expectRefused(service, token, `${name}: step-07 TODO(4) pins ES256 and takes the key from the JWKS only`)
      // The learner's own forgeries, once exercise 1 is done.
      const mine = await forge()
      try {
        await expectRefused(service, mine.forgeAlgNone(claims), 'your alg none forgery: step-07 TODO(4)')
        await expectRefused(service, mine.forgeWithPublicKeyAsSecret(claims, publicJwk), 'your HS256 forgery: step-07 TODO(4)')
        await expectRefused(service, mine.forgeWithEmbeddedJwk(claims), 'your jwk forgery: step-07 TODO(4)')
      } catch (err: any) {
        if (!/TODO\(1\)/.test(err?.message)) throw err // exercise 1 not done yet: the suite's own forgeries above were refused
      }
    })

    test('no URL from a token is ever fetched: jku, x5u, x5c and a kid that is a URL, a path or SQL get 401, and the listener sees no request', async (t) => {
      const { app, alice, service } = await setUp(t)
      const listener = await startListener(t)
      const claims = claimsFor(app, await userId(alice.device))
      const key = app.issuer.keys[0]
      const own = generateKeyPairSync('ec', { namedCurve: 'P-256' })
      const forgeries: Record<string, string> = {
        jku: signedByApp(app, claims, { jku: `${listener.url}/jwks.json` }),
        'jku (attacker-signed)': jwt.sign(claims, own.privateKey, { algorithm: 'ES256', keyid: 'x', header: { alg: 'ES256', typ: 'at+jwt', jku: `${listener.url}/jku` } }),
        x5u: signedByApp(app, claims, { x5u: `${listener.url}/cert.pem` }),
        x5c: signedByApp(app, claims, { x5c: ['MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA'] }),
        'kid as a URL': jwt.sign(claims, own.privateKey, { algorithm: 'ES256', keyid: `${listener.url}/key`, header: { alg: 'ES256', typ: 'at+jwt' } }),
        'kid as a path': jwt.sign(claims, key.privateKey, { algorithm: 'ES256', keyid: '../../../dev/null', header: { alg: 'ES256', typ: 'at+jwt' } }),
        'kid as SQL': jwt.sign(claims, key.privateKey, { algorithm: 'ES256', keyid: `${key.kid}' OR '1'='1`, header: { alg: 'ES256', typ: 'at+jwt' } }),
      }
      for (const [name, token] of Object.entries(forgeries)) await expectRefused(service, token, `${name}: step-07 TODO(4) refuses a token that brings or points to its own key`)
      assert.deepEqual(listener.requests, [], 'step-07 TODO(4): the service must never fetch a URL that a token names')
    })

    test('claims that bound the token: another audience, another issuer, no exp, no iat, a lifetime over 300 s, iat in the future, nbf not yet, typ JWT: 401', async (t) => {
      const { app, alice, service } = await setUp(t, { audiences: ['reports', 'billing'] })
      const sub = await userId(alice.device)
      const now = Math.floor(app.clock.now() / 1000)
      const { exp: _exp, ...noExp } = claimsFor(app, sub)
      const { iat: _iat, ...noIat } = claimsFor(app, sub)
      const bad: Record<string, string> = {
        'a token the app minted for billing': await mint(alice.device, 'billing'),
        'another issuer': signedByApp(app, claimsFor(app, sub, { iss: 'https://evil.example' })),
        'no exp': signedByApp(app, noExp),
        'no iat': signedByApp(app, noIat),
        'a lifetime of a day': signedByApp(app, claimsFor(app, sub, { exp: now + 86_400 })),
        'iat five minutes in the future': signedByApp(app, claimsFor(app, sub, { iat: now + 300, exp: now + 500 })),
        'nbf in five minutes': signedByApp(app, claimsFor(app, sub, { nbf: now + 300 })),
        'typ JWT': signedByApp(app, claimsFor(app, sub), { typ: 'JWT' }),
        'no typ': signedByApp(app, claimsFor(app, sub), { typ: undefined }),
        'tampered (sub changed)': (() => {
          const [h, , s] = signedByApp(app, claimsFor(app, sub)).split('.')
          return `${h}.${Buffer.from(JSON.stringify(claimsFor(app, '999'))).toString('base64url')}.${s}`
        })(),
        'a step 02 token (HS256, typ at+jwt)': jwt.sign({ sub, iat: now, exp: now + 900 }, 'a-secret-that-is-long-enough-to-sign-with', { algorithm: 'HS256', header: { alg: 'HS256', typ: 'at+jwt' } }),
      }
      for (const [name, token] of Object.entries(bad)) await expectRefused(service, token, `${name}: step-07 TODO(4) checks iss, aud, typ, exp, iat, nbf and the lifetime`)
      await expectAccepted(service, signedByApp(app, claimsFor(app, sub)), sub, 'and the same claims, well formed, pass')
    })

    test('an expired token gets 401, beyond a leeway of at most 60 s', async (t) => {
      const { app, alice, service } = await setUp(t)
      const token = await mint(alice.device)
      const sub = await userId(alice.device)
      app.clock.advance(5 * MINUTE - SECOND)
      await expectAccepted(service, token, sub, 'a second before exp, the token works')
      app.clock.advance(61 * SECOND + SECOND)
      await expectRefused(service, token, 'step-07 TODO(4): 62 s after exp the token must be refused (a leeway of at most 60 s)')
    })

    test("CORS: the app's page may call the service, another site may not; never *, never with cookies", async (t) => {
      const { app, alice, service } = await setUp(t)
      const preflight = (origin: string) =>
        service.caller('').request('OPTIONS', '/me', { headers: { Origin: origin, 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'authorization' } })
      const allowed = await preflight(app.url)
      assert.ok(allowed.status === 204 || allowed.status === 200, `${describeReply(allowed)}: a preflight from the app's origin is allowed`)
      assert.equal(allowed.headers.get('access-control-allow-origin'), app.url, "the app's own origin, never *")
      assert.match(allowed.headers.get('access-control-allow-methods') ?? '', /GET/)
      assert.match(allowed.headers.get('access-control-allow-headers') ?? '', /authorization/i)
      assert.equal(allowed.headers.get('access-control-allow-credentials'), null, 'the token is a header: no cookies, no credentials mode')
      const evil = await preflight('https://evil.example')
      assert.equal(evil.headers.get('access-control-allow-origin'), null, 'another origin is not allowed')
      const token = await mint(alice.device)
      const fromEvil = await service.caller(token).get('/me', { headers: { Origin: 'https://evil.example' } })
      assert.equal(fromEvil.headers.get('access-control-allow-origin'), null, 'a page of another site may not read the answer')
      const fromApp = await service.caller(token).get('/me', { headers: { Origin: app.url } })
      assert.equal(fromApp.headers.get('access-control-allow-origin'), app.url, "the app's page may read the answer")
    })
  })

  describe('exercise 5 · rotate: the service learns new keys, and keeps the ones it has', () => {
    test('a flood of tokens with unknown kids costs at most one JWKS fetch per cooldown', async (t) => {
      const { app, alice, service } = await setUp(t)
      const sub = await userId(alice.device)
      await expectAccepted(service, await mint(alice.device), sub, 'step-07 TODO(4): a good token first, so the service has the keys')
      const before = jwksFetches(app)
      const stranger = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey
      const flood = Array.from({ length: 40 }, (_, i) =>
        jwt.sign(claimsFor(app, sub), stranger, { algorithm: 'ES256', keyid: `unknown-${i}`, header: { alg: 'ES256', typ: 'at+jwt' } }),
      )
      for (const token of flood.slice(0, 20)) await expectRefused(service, token, 'a kid the issuer does not publish')
      assert.ok(jwksFetches(app) - before <= 1, `20 unknown kids made ${jwksFetches(app) - before} JWKS fetches: step-07 TODO(5) refetches at most once per cooldown`)
      app.clock.advance(MINUTE)
      await Promise.all(flood.slice(20).map((token) => expectRefused(service, token, 'a kid the issuer does not publish')))
      assert.ok(jwksFetches(app) - before <= 2, `a minute later, 20 more unknown kids made ${jwksFetches(app) - before} fetches in all: at most one more (step-07 TODO(5))`)
      await expectAccepted(service, await mint(alice.device), sub, 'the known key still verifies')
    })

    test('rotation in three moves, with tokens of both keys in flight: the service learns the new kid without a restart', async (t) => {
      const oldKey = newSigningKey('key-2026-01')
      const newKey = newSigningKey('key-2026-07')
      const { app, alice, service } = await setUp(t, { signingKeys: [oldKey] })
      const sub = await userId(alice.device)
      const byOld = await mint(alice.device)
      await expectAccepted(service, byOld, sub, 'before the rotation: the old key signs and verifies')

      // Move 1: publish the new key second; the old one still signs.
      app.issuer.keys = [oldKey, newKey]
      assert.deepEqual((await publishedKeys(app)).map((key) => key.kid), ['key-2026-01', 'key-2026-07'], 'move 1: both keys are published')
      const stillOld = await mint(alice.device)
      assert.equal(jwtHeader(stillOld).kid, 'key-2026-01', 'move 1: the old key still signs')

      // Move 2, after at least the service's cache age: the new key signs; the old one stays published.
      app.clock.advance(5 * MINUTE - 10 * SECOND)
      app.issuer.keys = [newKey, oldKey]
      const byNew = await mint(alice.device)
      assert.equal(jwtHeader(byNew).kid, 'key-2026-07', 'move 2: the first key signs')
      await expectAccepted(service, byNew, sub, 'step-07 TODO(5): a token with a kid the service has not seen makes it refetch the JWKS, without a restart')
      await expectAccepted(service, stillOld, sub, 'move 2: a token of the old key, still in flight, keeps working')

      // Move 3, once every token of the old key has expired: remove it.
      app.clock.advance(5 * MINUTE + SECOND)
      await expectRefused(service, stillOld, "the old key's last token has expired")
      app.issuer.keys = [newKey]
      assert.deepEqual((await publishedKeys(app)).map((key) => key.kid), ['key-2026-07'], 'move 3: the old key is gone')
      app.clock.advance(5 * MINUTE)
      await expectAccepted(service, await mint(alice.device), sub, 'after the rotation: the new key signs and verifies')
      const forgedByOld = signedByApp(app, claimsFor(app, sub), {}, oldKey)
      await expectRefused(service, forgedByOld, 'step-07 TODO(5): once its cache age has passed, the service drops a key the issuer no longer publishes')
    })

    test('the issuer goes down: the service keeps verifying with the keys it has', async (t) => {
      const { app, alice, service } = await setUp(t)
      const sub = await userId(alice.device)
      await expectAccepted(service, await mint(alice.device), sub, 'step-07 TODO(4): a first token, so the service fetches the keys')
      const tokens = [await mint(alice.device), await mint(alice.device)]
      await app.close() // the app, and its JWKS, are gone
      await expectAccepted(service, tokens[0], sub, 'step-07 TODO(5): the issuer is down, but the service has its keys')
      app.clock.advance(4 * MINUTE + 50 * SECOND) // past the cooldown, near the cache age: it may try to refetch, and fail
      await expectAccepted(service, tokens[1], sub, 'step-07 TODO(5): a failed refetch must keep the keys the service has')
      const unknown = jwt.sign(claimsFor(app, sub), generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey, { algorithm: 'ES256', keyid: 'unknown', header: { alg: 'ES256', typ: 'at+jwt' } })
      await expectRefused(service, unknown, 'an unknown kid, with the issuer down: refused')
    })
  })

  describe('costs that stay: a minted token cannot be called back', () => {
    test('cost (stays): after logout, a token already minted works at the service until its exp; the window is its lifetime', async (t) => {
      const { alice, service, app } = await setUp(t)
      const sub = await userId(alice.device)
      const token = await mint(alice.device)
      const lifetime = decodeJwt(token).exp - decodeJwt(token).iat
      const session = alice.device.copy('the session, before logout')
      expectStatus(await alice.device.logout(), 204)
      expectJsonError(await session.me(), 401, "the app's own routes refuse the ended session at once")
      await expectAccepted(service, token, sub, 'the service cannot know about the logout: the token still works')
      app.clock.advance(lifetime * SECOND - SECOND)
      await expectAccepted(service, token, sub, `${lifetime - 1} s after the logout, it still works`)
      app.clock.advance(62 * SECOND)
      await expectRefused(service, token, 'after exp (and the leeway), the window closes')
      t.diagnostic(`window after logout: ${lifetime} s (+ at most 60 s of leeway)`)
    })

    test('cost (stays): after a password change or logout-all, the service cannot know before the token expires', async (t) => {
      const { alice, service } = await setUp(t)
      const sub = await userId(alice.device)
      const beforeChange = await mint(alice.device)
      expectStatus(await alice.device.changePassword(alice.password, 'a brand new passphrase'), 204)
      const beforeLogoutAll = await mint(alice.device)
      expectStatus(await alice.device.logoutAll(), 204)
      await expectAccepted(service, beforeChange, sub, 'a token minted before the password change still works at the service')
      await expectAccepted(service, beforeLogoutAll, sub, 'a token minted before logout-all still works at the service')
    })

    test('cost (stays): a script that reads the token in the page can use it from anywhere until it expires', async (t) => {
      const { alice, service } = await setUp(t)
      const token = await mint(alice.device) // the page holds it in memory: a script in the page can read it
      await expectAccepted(service, token, await userId(alice.device), "from the thief's own machine, with no cookie: the token is all it takes")
    })
  })

  describe("step 06's cookie rules hold", () => cookieTransportTests(STEP))
})
