// The refresh-token basics that steps 03, 04 and 05 share: login answers both tokens, the access token
// dies after 15 minutes, /refresh rotates, and every bad or confused token gets 401. Each of those suites
// calls refreshTokenBasics() first, so a later step cannot lose what step 03 built.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { DAY, MINUTE } from '../../lib/clock.ts'
import type { StepName } from '../../lib/steps.ts'
import { startApp } from './app.ts'
import { decodeJwt, expectJsonError, expectStatus } from './expect.ts'
import { badTokens } from './tokens.ts'
import { signUp } from './users.ts'

const BAD_TOKENS = ['with a tampered payload (another sub, same signature)', 'with alg: none and no signature', 'signed with a wrong key',
  'signed with HS384 and the right key', 'signed with HS512 and the right key', 'that has expired', 'that is not valid yet (nbf in the future)',
  'without exp (it would never expire)', 'whose sub names no user', 'that is not a JWT at all', 'with three parts of garbage']

export function refreshTokenBasics(STEP: StepName) {
    test('login answers a 15-minute access token and a 30-day refresh token', async (t) => {
      const app = await startApp(t, STEP)
      const { device, email, password } = await signUp(app)
      const reply = await device.login(email, password)
      expectStatus(reply, 200, 'POST /login should answer {"accessToken", "refreshToken"}')
      assert.equal(typeof reply.body.refreshToken, 'string', 'POST /login should answer a refreshToken too')
      assert.equal(reply.headers.get('cache-control'), 'no-store', 'token responses must carry Cache-Control: no-store')
      const access = decodeJwt(reply.body.accessToken)
      const refresh = decodeJwt(reply.body.refreshToken)
      assert.equal(access.exp - access.iat, 15 * 60, 'the access token should live 15 minutes')
      assert.equal(refresh.exp - refresh.iat, 30 * 24 * 3600, 'the refresh token should live 30 days')
      const me = await device.me()
      expectStatus(me, 200)
      assert.equal(access.sub, me.body.user.id, 'the access token `sub` is the user id, as a string')
      assert.equal(refresh.sub, me.body.user.id, 'the refresh token `sub` is the user id, as a string')
      assert.equal(typeof refresh.jti, 'string', 'the refresh token carries a random `jti`')
      assert.ok(refresh.jti.length >= 22, 'a `jti` needs at least 128 bits of randomness')
      assert.notEqual(access.jti, refresh.jti, 'each token gets its own `jti`')
    })

    test('the two tokens are signed with different secrets: neither passes as the other', async (t) => {
      const app = await startApp(t, STEP)
      const { device } = await signUp(app)
      const confused = device.copy('confused')
      confused.accessToken = device.refreshToken
      expectJsonError(await confused.me(), 401, 'a refresh token must not work as an access token: sign it with secrets.refresh')
      const reply = await device.post('/refresh', { refreshToken: device.accessToken })
      expectJsonError(reply, 401, 'an access token must not work as a refresh token: verify with secrets.refresh')
    })

    test('an access token dies after 15 minutes, and the refresh token mints a new one', async (t) => {
      const app = await startApp(t, STEP)
      const { device } = await signUp(app)
      app.clock.advance(14 * MINUTE)
      expectStatus(await device.me(), 200, 'the access token should still work after 14 minutes')
      app.clock.advance(1 * MINUTE)
      expectJsonError(await device.me(), 401, 'the access token must be refused once its 15 minutes are over')
      expectStatus(await device.refresh(), 200, 'POST /refresh should answer a new pair for a valid refresh token')
      expectStatus(await device.me(), 200, 'the fresh access token from /refresh should work')
    })

    test('/refresh rotates: every call answers a new pair, even twice in one second', async (t) => {
      const app = await startApp(t, STEP)
      const { device } = await signUp(app)
      const before = { accessToken: device.accessToken, refreshToken: device.refreshToken }
      const reply = await device.refresh()
      expectStatus(reply, 200, 'POST /refresh should answer {"accessToken", "refreshToken"}')
      assert.equal(reply.headers.get('cache-control'), 'no-store', 'token responses must carry Cache-Control: no-store')
      assert.equal(typeof reply.body.accessToken, 'string', '/refresh answers a new access token')
      assert.equal(typeof reply.body.refreshToken, 'string', '/refresh answers a new refresh token (rotation)')
      assert.notEqual(reply.body.accessToken, before.accessToken, 'a new access token, not the old one')
      assert.notEqual(reply.body.refreshToken, before.refreshToken, 'a new refresh token every time: its `jti` makes it unique')
      expectStatus(await device.me(), 200)
    })

    test('a refresh token dies after 30 days', async (t) => {
      const app = await startApp(t, STEP)
      const { device } = await signUp(app)
      const old = device.copy('old')
      app.clock.advance(29 * DAY)
      expectStatus(await device.refresh(), 200, 'a refresh token should still work after 29 days')
      app.clock.advance(1 * DAY)
      expectJsonError(await old.refresh(), 401, 'a refresh token older than 30 days must be refused (verify with the clock)')
      expectStatus(await device.refresh(), 200, 'the refresh token minted on day 29 is good until day 59')
    })

    test('/refresh without a refresh token, or with one that is not a string, gets 400', async (t) => {
      const app = await startApp(t, STEP)
      await signUp(app)
      const device = app.device()
      expectJsonError(await device.post('/refresh', {}), 400, 'a missing refreshToken is bad input')
      expectJsonError(await device.post('/refresh'), 400, 'an empty body is {} and lacks refreshToken')
      expectJsonError(await device.post('/refresh', { refreshToken: 42 }), 400, 'refreshToken must be a string')
      expectJsonError(await device.post('/refresh', ['a token']), 400, 'the body must be an object')
    })

    test('the scheme name is case-insensitive: `bearer` works too', async (t) => {
      const app = await startApp(t, STEP)
      const { device } = await signUp(app)
      const token = device.accessToken
      device.accessToken = undefined
      expectStatus(await device.get('/me', { headers: { Authorization: `bearer ${token}` } }), 200)
    })

    test('/me and /logout without a token get 401 with WWW-Authenticate: Bearer', async (t) => {
      const app = await startApp(t, STEP)
      for (const reply of [await app.device().me(), await app.device().logout()]) {
        expectJsonError(reply, 401)
        assert.match(reply.headers.get('www-authenticate') ?? '', /^Bearer/, 'a 401 must say which scheme to use')
      }
    })

    describe('every bad access token gets 401', () => {
      for (const name of BAD_TOKENS) {
        test(`an access token ${name} gets 401`, async (t) => {
          const app = await startApp(t, STEP)
          const { device } = await signUp(app)
          await signUp(app, 'bob') // so that a tampered `sub` names a real user
          const attacker = app.device('attacker')
          attacker.accessToken = badTokens(app, device.accessToken!, 'access')[name]
          const reply = await attacker.me()
          expectJsonError(reply, 401, 'verify with algorithms: ["HS256"], the clock, and require `exp`')
          assert.match(reply.headers.get('www-authenticate') ?? '', /^Bearer/, 'a 401 must carry WWW-Authenticate: Bearer')
        })
      }
    })

    describe('every bad refresh token gets 401', () => {
      for (const name of [...BAD_TOKENS, 'signed with the access secret (the wrong kind of token)']) {
        test(`a refresh token ${name} gets 401`, async (t) => {
          const app = await startApp(t, STEP)
          const { device } = await signUp(app)
          await signUp(app, 'bob')
          const attacker = app.device('attacker')
          attacker.refreshToken = badTokens(app, device.refreshToken!, 'refresh')[name]
          expectJsonError(await attacker.refresh(), 401, 'verify with secrets.refresh, algorithms: ["HS256"], the clock; require `exp`')
        })
      }
    })
}
