import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { SECOND } from '../lib/clock.ts'
import { startApp } from './harness/app.ts'
import { refreshTokenBasics } from './harness/refresh-token-basics.ts'
import { expectJsonError, expectStatus } from './harness/expect.ts'
import { expectPasswordChanged, expectPasswordUnchanged, logInAnotherDevice, signUp } from './harness/users.ts'

const STEP = 'step-03-refresh-tokens'

describe('step 03 · refresh tokens', () => {
  refreshTokenBasics(STEP)

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
    await expectPasswordChanged(app, alice, 'a brand new passphrase')
  })

  test('a wrong current password gets 403 and changes nothing', async (t) => {
    const app = await startApp(t, STEP)
    const alice = await signUp(app)
    expectJsonError(await alice.device.changePassword('not the password', 'a brand new passphrase'), 403)
    expectStatus(await alice.device.refresh(), 200)
    await expectPasswordUnchanged(app, alice)
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
