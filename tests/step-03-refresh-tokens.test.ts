import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { DAY, MINUTE, SECOND } from '../lib/clock.ts'
import { startApp } from './harness/app.ts'
import { decodeJwt, expectJsonError, expectStatus } from './harness/expect.ts'
import { badTokens } from './harness/tokens.ts'
import { logInAnotherDevice, signUp } from './harness/users.ts'

const STEP = 'step-03-refresh-tokens'

const BAD_TOKENS = ['with a tampered payload (another sub, same signature)', 'with alg: none and no signature', 'signed with a wrong key',
  'signed with HS384 and the right key', 'signed with HS512 and the right key', 'that has expired', 'that is not valid yet (nbf in the future)',
  'without exp (it would never expire)', 'whose sub names no user', 'that is not a JWT at all', 'with three parts of garbage']

describe('step 03 · refresh tokens', () => {
  test('login answers a 15-minute access token and a 30-day refresh token', async (t) => {
    const app = await startApp(t, STEP)
    const { device, email, password } = await signUp(app)
    const reply = await device.login(email, password)
    expectStatus(reply, 200, 'TODO(1): POST /login should answer {"accessToken", "refreshToken"}')
    assert.equal(typeof reply.body.refreshToken, 'string', 'TODO(1): POST /login should answer a refreshToken too')
    assert.equal(reply.headers.get('cache-control'), 'no-store', 'token responses must carry Cache-Control: no-store')
    const access = decodeJwt(reply.body.accessToken)
    const refresh = decodeJwt(reply.body.refreshToken)
    assert.equal(access.exp - access.iat, 15 * 60, 'the access token should live 15 minutes')
    assert.equal(refresh.exp - refresh.iat, 30 * 24 * 3600, 'TODO(1): the refresh token should live 30 days')
    const me = await device.me()
    expectStatus(me, 200)
    assert.equal(access.sub, me.body.user.id, 'the access token `sub` is the user id, as a string')
    assert.equal(refresh.sub, me.body.user.id, 'TODO(1): the refresh token `sub` is the user id, as a string')
    assert.equal(typeof refresh.jti, 'string', 'TODO(1): the refresh token carries a random `jti`')
    assert.ok(refresh.jti.length >= 22, 'TODO(1): a `jti` needs at least 128 bits of randomness')
    assert.notEqual(access.jti, refresh.jti, 'each token gets its own `jti`')
  })

  test('the two tokens are signed with different secrets: neither passes as the other', async (t) => {
    const app = await startApp(t, STEP)
    const { device } = await signUp(app)
    const confused = device.copy('confused')
    confused.accessToken = device.refreshToken
    expectJsonError(await confused.me(), 401, 'a refresh token must not work as an access token: sign it with secrets.refresh (TODO(1))')
    const reply = await device.post('/refresh', { refreshToken: device.accessToken })
    expectJsonError(reply, 401, 'an access token must not work as a refresh token: verify with secrets.refresh (TODO(2))')
  })

  test('an access token dies after 15 minutes, and the refresh token mints a new one', async (t) => {
    const app = await startApp(t, STEP)
    const { device } = await signUp(app)
    app.clock.advance(14 * MINUTE)
    expectStatus(await device.me(), 200, 'the access token should still work after 14 minutes')
    app.clock.advance(1 * MINUTE)
    expectJsonError(await device.me(), 401, 'the access token must be refused once its 15 minutes are over')
    expectStatus(await device.refresh(), 200, 'TODO(3): POST /refresh should answer a new pair for a valid refresh token')
    expectStatus(await device.me(), 200, 'the fresh access token from /refresh should work')
  })

  test('/refresh rotates: every call answers a new pair, even twice in one second', async (t) => {
    const app = await startApp(t, STEP)
    const { device } = await signUp(app)
    const before = { accessToken: device.accessToken, refreshToken: device.refreshToken }
    const reply = await device.refresh()
    expectStatus(reply, 200, 'TODO(3): POST /refresh should answer {"accessToken", "refreshToken"}')
    assert.equal(reply.headers.get('cache-control'), 'no-store', 'token responses must carry Cache-Control: no-store')
    assert.equal(typeof reply.body.accessToken, 'string', 'TODO(3): /refresh answers a new access token')
    assert.equal(typeof reply.body.refreshToken, 'string', 'TODO(3): /refresh answers a new refresh token (rotation)')
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
    expectJsonError(await old.refresh(), 401, 'TODO(2): a refresh token older than 30 days must be refused (verify with the clock)')
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
        expectJsonError(await attacker.refresh(), 401, 'TODO(2): verify with secrets.refresh, algorithms: ["HS256"], the clock; require `exp`')
      })
    }
  })

  test('logout-all is impossible here, 501: nothing on the server knows the refresh tokens', async (t) => {
    const app = await startApp(t, STEP)
    const { device } = await signUp(app)
    const reply = await device.logoutAll()
    expectJsonError(reply, 501)
    assert.match(reply.error!, /impossible|cannot/i, 'the error should say why logout-all cannot work here')
  })

  test('a password change answers a fresh pair; the caller stays logged in', async (t) => {
    const app = await startApp(t, STEP)
    const alice = await signUp(app)
    const before = alice.device.refreshToken
    const reply = await alice.device.changePassword(alice.password, 'a brand new passphrase')
    expectStatus(reply, 200, 'POST /password answers {"accessToken", "refreshToken"} in steps 03–05')
    assert.equal(reply.headers.get('cache-control'), 'no-store', 'token responses must carry Cache-Control: no-store')
    assert.notEqual(alice.device.refreshToken, before, 'the caller gets a fresh refresh token')
    expectStatus(await alice.device.me(), 200)
    expectStatus(await alice.device.refresh(), 200)
    expectJsonError(await app.device().login(alice.email, alice.password), 401, 'the old password must stop working')
    expectStatus(await app.device().login(alice.email, 'a brand new passphrase'), 200, 'the new password must work')
  })

  test('a wrong current password gets 403 and changes nothing', async (t) => {
    const app = await startApp(t, STEP)
    const alice = await signUp(app)
    expectJsonError(await alice.device.changePassword('not the password', 'a brand new passphrase'), 403)
    expectStatus(await alice.device.refresh(), 200)
    expectStatus(await app.device().login(alice.email, alice.password), 200, 'the old password must still work')
  })

  test('gap (closed in step-04): after logout the refresh token still mints access tokens', async (t) => {
    const app = await startApp(t, STEP)
    const { device } = await signUp(app)
    const thief = device.copy('thief')
    expectStatus(await device.logout(), 204)
    expectStatus(await thief.refresh(), 200, 'logout only makes the client forget its tokens; a stolen refresh token keeps minting')
    expectStatus(await thief.me(), 200)
  })

  test('gap (closed in step-04): after logout-all the refresh token still mints access tokens', async (t) => {
    const app = await startApp(t, STEP)
    const alice = await signUp(app)
    const phone = await logInAnotherDevice(app, alice)
    const reply = await alice.device.logoutAll()
    assert.ok(reply.status === 204 || reply.status === 501, `logout-all should answer 204 or 501, but ${reply.status}`)
    expectStatus(await phone.refresh(), 200, "logout-all cannot reach the phone's refresh token")
  })

  test('gap (closed in step-04): after a password change another device\'s refresh token still mints access tokens', async (t) => {
    const app = await startApp(t, STEP)
    const alice = await signUp(app)
    const thief = await logInAnotherDevice(app, alice, 'thief')
    expectStatus(await alice.device.changePassword(alice.password, 'a brand new passphrase'), 200)
    expectStatus(await thief.refresh(), 200, "changing the password does not touch the thief's refresh token")
    expectStatus(await thief.me(), 200)
  })

  test('gap (closed in step-05): a used (rotated) refresh token still works', async (t) => {
    const app = await startApp(t, STEP)
    const { device } = await signUp(app)
    const thief = device.copy('thief')
    app.clock.advance(SECOND)
    expectStatus(await device.refresh(), 200, 'the device rotates its refresh token')
    expectStatus(await thief.refresh(), 200, 'rotation hands out a new refresh token, but nothing marks the old one as used')
  })
})
