// The refresh-token basics that steps 03, 04 and 05 share: login answers both tokens, the access token
// dies after 15 minutes, /refresh rotates, and every bad or confused token gets 401. Each of those suites
// calls refreshTokenBasics() first, so a later step cannot lose what step 03 built.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { DAY, MINUTE } from '../../lib/clock.ts'
import type { StepName } from '../../lib/steps.ts'
import { algorithmTests } from './algorithms.ts'
import { startApp } from './app.ts'
import { decodeJwt, expectJsonError, expectStatus } from './expect.ts'
import { BAD_TOKEN_NAMES, badTokens, wrongKindNames } from './tokens.ts'
import { follow, newKey, startOnFile, stillSignedIn } from './jwt-costs.ts'
import { signUp } from './users.ts'

const THIRTY_DAYS = 30 * 24 * 3600
const SEVEN_DAYS = 7 * 24 * 3600
const POLICY = 'exp = min(now + 7 days, auth_time + 30 days), at login and at every rotation'

/** The `typ` of a token's header: what kind of token it says it is. */
const typOf = (token: string | undefined) => JSON.parse(Buffer.from(String(token).split('.')[0], 'base64url').toString()).typ

/**
 * `signsRefresh`: the TODO of the suite's step that signs the refresh token (`step-03 TODO(1)`), named where a
 * wrong `exp` shows; a step whose starter signs it already leaves it out.
 */
export function refreshTokenBasics(STEP: StepName, { signsRefresh }: { signsRefresh?: string } = {}) {
    const signing = signsRefresh ? `${signsRefresh} (signRefreshToken)` : 'signRefreshToken in tokens.ts'
    test('login answers a 15-minute access token and a refresh token that dies after 7 days unused', async (t) => {
      const app = await startApp(t, STEP)
      const { device, email, password } = await signUp(app)
      const reply = await device.login(email, password)
      expectStatus(reply, 200, 'POST /login should answer {"accessToken", "refreshToken"}')
      assert.equal(typeof reply.body.refreshToken, 'string', 'POST /login should answer a refreshToken too')
      assert.equal(reply.headers.get('cache-control'), 'no-store', 'token responses must carry Cache-Control: no-store')
      const access = decodeJwt(reply.body.accessToken)
      const refresh = decodeJwt(reply.body.refreshToken)
      assert.equal(access.exp - access.iat, 15 * 60, 'the access token should live 15 minutes')
      assert.equal(refresh.exp - refresh.iat, SEVEN_DAYS, `a refresh token should live 7 days unused (RFC 9700 §4.14.2): ${signing} signs ${POLICY}`)
      assert.equal(typOf(reply.body.accessToken), 'access+jwt', 'the access token says what it is: header typ access+jwt (TOKEN_TYPES.access)')
      assert.equal(typOf(reply.body.refreshToken), 'refresh+jwt', 'the refresh token says what it is: header typ refresh+jwt')
      assert.equal(refresh.auth_time, refresh.iat, 'the refresh token carries `auth_time`, the time of the login (now, at a login)')
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

    // What a key rotation costs once a key leaked, key by key (step 02's suite shows both keys at once logging everybody out).
    test('a new ACCESS_TOKEN_SECRET alone costs each device one refresh; a new REFRESH_TOKEN_SECRET alone ends every login once its access token expires', async (t) => {
      const { app, restart } = await startOnFile(t, STEP)
      const { device } = await signUp(app)
      const sameRefresh = await restart({ secrets: { access: newKey(), refresh: app.secrets.refresh } })
      const afterAccess = await stillSignedIn(follow(device, sameRefresh))
      assert.deepEqual(afterAccess, { signedIn: true, refreshes: 1, statuses: [401, 200, 200] }, 'with a new access secret, the old access token is refused and one refresh mints a pair under the new key')
      const sameAccess = await restart({ secrets: { access: sameRefresh.secrets.access, refresh: newKey() } })
      expectStatus(await follow(device, sameAccess).me(), 200, 'with a new refresh secret, the access token works until its 15 minutes are over')
      sameAccess.clock.advance(15 * MINUTE)
      const afterRefresh = await stillSignedIn(device)
      assert.equal(afterRefresh.signedIn, false, `then the refresh token, signed with the old key, is refused (${afterRefresh.statuses.join(', ')}): every login of every user ends`)
    })

    test('a refresh token unused for 7 days is refused: a device left alone must log in again', async (t) => {
      const app = await startApp(t, STEP)
      const { device } = await signUp(app)
      const early = device.copy('used a minute before its 7 days')
      app.clock.advance(7 * DAY - MINUTE)
      expectStatus(await early.refresh(), 200, 'a refresh token should still work a minute before its 7 days are over')
      app.clock.advance(MINUTE)
      expectJsonError(await device.refresh(), 401, `a refresh token unused for 7 days must be refused (RFC 9700 §4.14.2): ${signing} signs ${POLICY}`)
    })

    test('a refresh token used every 6 days lives until 30 days after the login, and not a second more', async (t) => {
      const app = await startApp(t, STEP)
      const { device } = await signUp(app)
      const login = decodeJwt(device.refreshToken)
      for (const day of [6, 12, 18, 24, 29]) {
        app.clock.advance((day === 29 ? 5 : 6) * DAY)
        expectStatus(await device.refresh(), 200, `day ${day}: a refresh token used within 7 days, and within 30 days of the login, works`)
        const rotated = decodeJwt(device.refreshToken)
        assert.equal(rotated.auth_time, login.auth_time, 'rotation keeps `auth_time`: the new refresh token descends from the same login')
        const expected = Math.min(rotated.iat + SEVEN_DAYS, login.auth_time + THIRTY_DAYS)
        assert.equal(rotated.exp, expected, `day ${day}: the rotated refresh token's exp is ${(rotated.exp - login.auth_time) / 86400} days after the login, expected ${(expected - login.auth_time) / 86400}: ${signing} signs ${POLICY}`)
      }
      const old = device.copy('the token of day 29')
      app.clock.advance(1 * DAY)
      expectJsonError(await old.refresh(), 401, `day 30: the login's 30 days are over, however often it was rotated: ${POLICY}`)
    })

    test('a refresh chain never outlives its login: rotated every 3 days, it is refused from day 30 on, and a probe kept alive 100 days fails', async (t) => {
      const app = await startApp(t, STEP)
      const { device } = await signUp(app)
      let day = 0
      while (day + 3 < 30) {
        app.clock.advance(3 * DAY)
        day += 3
        expectStatus(await device.refresh(), 200, `day ${day}: a refresh within 30 days of the login works`)
        const claims = decodeJwt(device.refreshToken)
        assert.ok(claims.exp <= claims.auth_time + THIRTY_DAYS, `day ${day}: a rotated refresh token must not outlive auth_time + 30 days, but its exp is ${(claims.exp - claims.auth_time) / 86400} days after the login: ${signing} computes exp from auth_time (jsonwebtoken's expiresIn counts from now)`)
      }
      let refused = 0
      while (day + 3 <= 100) {
        app.clock.advance(3 * DAY)
        day += 3
        const reply = await device.refresh()
        if (reply.status === 401) refused++
        else expectJsonError(reply, 401, `day ${day}: a login ${day} days old must be refused at /refresh, however often it was rotated (exp = auth_time + 30 days)`)
      }
      assert.equal(refused, 24, 'every try from day 30 to day 100 is refused')
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

    algorithmTests(STEP, 'verify with algorithms: ["HS256"]')

    describe('every bad access token gets 401', () => {
      for (const name of [...BAD_TOKEN_NAMES, ...wrongKindNames('access')]) {
        test(`an access token ${name} gets 401`, async (t) => {
          const app = await startApp(t, STEP)
          const { device } = await signUp(app)
          await signUp(app, 'bob') // so that a tampered `sub` names a real user
          const attacker = app.device('attacker')
          attacker.accessToken = badTokens(app, device.accessToken!, 'access')[name]
          const reply = await attacker.me()
          expectJsonError(reply, 401, 'verify with algorithms: ["HS256"], the clock, require `exp`, and check typ access+jwt')
          assert.match(reply.headers.get('www-authenticate') ?? '', /^Bearer/, 'a 401 must carry WWW-Authenticate: Bearer')
        })
      }
    })

    describe('every bad refresh token gets 401', () => {
      for (const name of [...BAD_TOKEN_NAMES, ...wrongKindNames('refresh')]) {
        test(`a refresh token ${name} gets 401`, async (t) => {
          const app = await startApp(t, STEP)
          const { device } = await signUp(app)
          await signUp(app, 'bob')
          const attacker = app.device('attacker')
          attacker.refreshToken = badTokens(app, device.refreshToken!, 'refresh')[name]
          expectJsonError(await attacker.refresh(), 401, 'verify with secrets.refresh, algorithms: ["HS256"], the clock; require `exp`; check typ refresh+jwt')
        })
      }
    })
}
