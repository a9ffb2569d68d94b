import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import jwt from 'jsonwebtoken'
import { MINUTE } from '../lib/clock.ts'
import { startApp, TESTS_AT_ONCE } from './harness/app.ts'
import { refreshTokenBasics } from './harness/refresh-token-basics.ts'
import { decodeJwt, expectJsonError, expectStatus, serverErrorsPointAt } from './harness/expect.ts'
import { expectPasswordChanged, expectPasswordUnchanged, logInAnotherDevice, signUp } from './harness/users.ts'

const STEP = 'step-04-refresh-token-version'
// A 500 names the function that threw; this says which TODO each one is.
serverErrorsPointAt(STEP, { 'schema.ts': 'step-04 TODO(1)', 'tokens.ts#signRefreshToken': 'step-04 TODO(2)', 'routes.ts': 'step-04 TODO(3)', 'tokens.ts#revokeAllForUser': 'step-04 TODO(4)' })

describe('step 04 · refreshTokenVersion', { concurrency: TESTS_AT_ONCE }, () => {
  refreshTokenBasics(STEP, { signsRefresh: 'step-04 TODO(2)' })

  test('a refresh token carries the user\'s current version', async (t) => {
    const app = await startApp(t, STEP)
    const { device, email } = await signUp(app)
    const refresh = decodeJwt(device.refreshToken)
    assert.equal(refresh.ver, 0, 'step-04 TODO(2): the refresh token should carry `ver`, the user\'s refresh_token_version (0 for a new user)')
    const row = await app.db('users').where({ email }).first()
    assert.equal(row.refresh_token_version, 0, 'step-04 TODO(1): users.refresh_token_version starts at 0')
  })

  test('/refresh accepts the current version, and the rotated refresh token carries it too', async (t) => {
    const app = await startApp(t, STEP)
    const { device } = await signUp(app)
    expectStatus(await device.refresh(), 200, 'step-04 TODO(3): /refresh answers a new pair when the version is current')
    assert.equal(decodeJwt(device.refreshToken).ver, 0, 'step-04 TODO(2): a rotated refresh token carries the version too')
  })

  test('/refresh refuses a refresh token whose version is stale', async (t) => {
    const app = await startApp(t, STEP)
    const { device, email } = await signUp(app)
    await app.db('users').where({ email }).update({ refresh_token_version: 1 })
    expectJsonError(await device.refresh(), 401, 'step-04 TODO(3): /refresh must compare payload.ver with the user\'s refresh_token_version')
  })

  test('a refresh token without `ver` gets 401', async (t) => {
    const app = await startApp(t, STEP)
    const { device } = await signUp(app)
    const { ver: _ver, ...claims } = decodeJwt(device.refreshToken)
    const forger = app.device('forger')
    forger.refreshToken = jwt.sign(claims, app.secrets.refresh, { algorithm: 'HS256', header: { alg: 'HS256', typ: 'refresh+jwt' } })
    expectJsonError(await forger.refresh(), 401, 'step-04 TODO(3): a refresh token without `ver` must be refused, not read as version undefined')
  })

  test('logout-all bumps the version: every refresh token of the user stops working', async (t) => {
    const app = await startApp(t, STEP)
    const alice = await signUp(app)
    const phone = await logInAnotherDevice(app, alice)
    expectStatus(await alice.device.logoutAll(), 204, 'step-04 TODO(4): POST /logout-all should bump refresh_token_version and answer 204')
    const row = await app.db('users').where({ email: alice.email }).first()
    assert.equal(row.refresh_token_version, 1, 'step-04 TODO(4): logout-all should add 1 to users.refresh_token_version')
    expectJsonError(await phone.refresh(), 401, "expected 401 after logout-all: does /refresh compare payload.ver with the user's refresh_token_version? (step-04 TODO(3))")
    expectJsonError(await alice.device.refresh(), 401, 'the caller of logout-all is logged out too')
  })

  test('logout bumps the version too: the refresh token stops working', async (t) => {
    const app = await startApp(t, STEP)
    const { device } = await signUp(app)
    const thief = device.copy('thief')
    expectStatus(await device.logout(), 204, 'step-04 TODO(4): POST /logout should bump refresh_token_version and answer 204')
    expectJsonError(await thief.refresh(), 401, 'a refresh token copied before logout must be refused (step-04 TODO(3), step-04 TODO(4))')
  })

  test('a password change bumps the version; the caller gets a fresh pair', async (t) => {
    const app = await startApp(t, STEP)
    const alice = await signUp(app)
    const phone = await logInAnotherDevice(app, alice)
    const reply = await alice.device.changePassword(alice.password, 'a brand new passphrase')
    expectStatus(reply, 200, 'POST /password answers {"accessToken", "refreshToken"} in steps 03–05')
    assert.equal(reply.headers.get('cache-control'), 'no-store', 'token responses must carry Cache-Control: no-store')
    assert.equal(decodeJwt(alice.device.refreshToken).ver, 1, 'step-04 TODO(4): the new pair carries the new version')
    expectJsonError(await phone.refresh(), 401, 'a password change must end the refresh tokens of every other device (step-04 TODO(4))')
    expectStatus(await alice.device.me(), 200, 'the caller stays logged in')
    expectStatus(await alice.device.refresh(), 200, 'the caller\'s new refresh token carries the new version, so it works')
    await expectPasswordChanged(app, alice, 'a brand new passphrase')
  })

  test('a wrong current password gets 403 and changes nothing', async (t) => {
    const app = await startApp(t, STEP)
    const alice = await signUp(app)
    const phone = await logInAnotherDevice(app, alice)
    expectJsonError(await alice.device.changePassword('not the password', 'a brand new passphrase'), 403)
    expectStatus(await phone.refresh(), 200, 'a refused password change must not bump the version')
    await expectPasswordUnchanged(app, alice)
  })

  test('bumping alice\'s version leaves bob\'s tokens working', async (t) => {
    const app = await startApp(t, STEP)
    const alice = await signUp(app, 'alice')
    const bob = await signUp(app, 'bob')
    expectStatus(await alice.device.logoutAll(), 204)
    expectStatus(await alice.device.changePassword(alice.password, 'a brand new passphrase'), 200)
    const row = await app.db('users').where({ email: bob.email }).first()
    assert.equal(row.refresh_token_version, 0, "step-04 TODO(4): bump only the caller's row: where({ id: userId })")
    expectStatus(await bob.device.refresh(), 200, "alice's logout-all and password change must not touch bob's refresh token")
  })

  test('a login right after a bump works', async (t) => {
    const app = await startApp(t, STEP)
    const alice = await signUp(app)
    expectStatus(await alice.device.logoutAll(), 204)
    const device = await logInAnotherDevice(app, alice, 'laptop again')
    assert.equal(decodeJwt(device.refreshToken).ver, 1, 'step-04 TODO(2): a login signs the current version into the refresh token')
    expectStatus(await device.refresh(), 200, 'a refresh token minted in the same second as the bump carries the new version, so it works')
  })

  test('two bumps at once both count: the increment is atomic', async (t) => {
    const app = await startApp(t, STEP)
    const alice = await signUp(app)
    const phone = await logInAnotherDevice(app, alice)
    const replies = await Promise.all([alice.device.logoutAll(), phone.logoutAll()])
    for (const reply of replies) expectStatus(reply, 204)
    const row = await app.db('users').where({ email: alice.email }).first()
    assert.equal(row.refresh_token_version, 2, 'step-04 TODO(4): use increment(), an UPDATE … SET v = v + 1, not a read then a write')
  })

  test('/me still costs one query: the version is checked at /refresh only', async (t) => {
    const app = await startApp(t, STEP)
    const { device } = await signUp(app)
    let status = 0
    const queries = await app.countQueries(async () => {
      status = (await device.me()).status
    })
    assert.equal(status, 200)
    assert.equal(queries, 1, `GET /me ran ${queries} queries: the access token is still checked by its signature alone`)
  })

  test('gap (closed in step-05): after logout the access token still works until it expires', async (t) => {
    const app = await startApp(t, STEP)
    const { device } = await signUp(app)
    const thief = device.copy('thief')
    expectStatus(await device.logout(), 204)
    expectStatus(await thief.me(), 200, 'the version lives in the refresh token; the access token is good for its 15 minutes')
    app.clock.advance(15 * MINUTE)
    expectJsonError(await thief.me(), 401, 'after its 15 minutes the stolen access token dies')
  })

  test('gap (closed in step-05): logging out the laptop logs out the phone', async (t) => {
    const app = await startApp(t, STEP)
    const alice = await signUp(app, 'alice', 'laptop')
    const phone = await logInAnotherDevice(app, alice, 'phone')
    expectStatus(await alice.device.logout(), 204)
    expectJsonError(await phone.refresh(), 401, 'the version is per user, not per device: logout ends every device')
  })
})
