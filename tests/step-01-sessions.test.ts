import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { DAY, HOUR } from '../lib/clock.ts'
import { startApp, TESTS_AT_ONCE } from './harness/app.ts'
import { cookieTransportTests } from './harness/cookies.ts'
import { describeReply, expectJsonError, expectSessionCookie, expectStatus, serverErrorsPointAt } from './harness/expect.ts'
import { expectLoginRefusalsAlike, expectPasswordChanged, expectPasswordUnchanged, logInAnotherDevice, newAccount, signUp } from './harness/users.ts'

const STEP = 'step-01-sessions'
// A 500 names the function that threw; this says which TODO each one is.
serverErrorsPointAt(STEP, { 'sessions.ts#createSession': 'step-01 TODO(1)', 'sessions.ts#findSession': 'step-01 TODO(2)', 'sessions.ts#deleteSession': 'step-01 TODO(3)', 'sessions.ts#deleteAllSessions': 'step-01 TODO(3)' })

describe('step 01 · sessions', { concurrency: TESTS_AT_ONCE }, () => {
  test('register creates a user and answers 201 with its id and email', async (t) => {
    const app = await startApp(t, STEP)
    const reply = await app.device().register('Alice@Example.com ', 'correct horse battery')
    expectStatus(reply, 201, 'step-01 TODO(1)? POST /register should answer 201 {"user": {"id", "email"}}')
    assert.equal(reply.body.user.email, 'alice@example.com', 'emails are trimmed and lower-cased before they are stored')
    assert.equal(typeof reply.body.user.id, 'string', 'the user id is a string, like a JWT `sub`')
    assert.equal(reply.body.user.password_hash, undefined, 'never send the password hash back')
  })

  test('an email that is taken, even in other case or with spaces, gets 409', async (t) => {
    const app = await startApp(t, STEP)
    expectStatus(await app.device().register('bob@example.com', 'correct horse battery'), 201)
    expectJsonError(await app.device().register(' BOB@example.com', 'another password'), 409)
  })

  test('login sets an HttpOnly, SameSite=Lax session cookie and answers with the user', async (t) => {
    const app = await startApp(t, STEP)
    const account = newAccount()
    const device = app.device()
    await device.register(account.email, account.password)
    const reply = await device.login(account.email.toUpperCase(), account.password)
    expectStatus(reply, 200, 'step-01 TODO(1): POST /login should create a session and set the `sid` cookie')
    assert.equal(reply.body.user.email, account.email)
    expectSessionCookie(reply, 'login must set a `sid` cookie (step-01 TODO(1))')
    assert.ok(device.cookie!.length >= 22, 'the session id needs at least 128 bits of randomness')
  })

  test('a wrong password and an unknown email get the same 401', async (t) => {
    const app = await startApp(t, STEP)
    const { email } = await signUp(app)
    const wrongPassword = await expectLoginRefusalsAlike(app, email)
    assert.equal(wrongPassword.headers.get('set-cookie'), null, 'a failed login sets no cookie')
  })

  test('/me answers the user of the session cookie', async (t) => {
    const app = await startApp(t, STEP)
    const { device, email } = await signUp(app)
    const reply = await device.me()
    expectStatus(reply, 200, 'step-01 TODO(2): GET /me should find the session, then its user')
    assert.equal(reply.body.user.email, email)
  })

  test('/me without a cookie, or with a session id the server never issued, gets 401', async (t) => {
    const app = await startApp(t, STEP)
    await signUp(app)
    expectJsonError(await app.device().me(), 401)
    const forger = app.device('forger')
    forger.cookie = 'made-up-session-id-that-nobody-issued-00000'
    expectJsonError(await forger.me(), 401, 'a sid the server did not issue must never be accepted')
  })

  test('every login gets a new session id (no session fixation)', async (t) => {
    const app = await startApp(t, STEP)
    const { device, email, password } = await signUp(app)
    const first = device.cookie
    expectStatus(await device.login(email, password), 200)
    assert.ok(device.cookie, 'the second login must set a cookie too')
    assert.notEqual(device.cookie, first, 'a login must never reuse the session id the browser already had')
  })

  test('logout deletes the session row: the replayed cookie gets 401', async (t) => {
    const app = await startApp(t, STEP)
    const { device } = await signUp(app)
    const stolen = device.copy('thief')
    expectStatus(await device.logout(), 204, 'step-01 TODO(3): POST /logout should delete this session and answer 204')
    const [{ count }] = await app.db('sessions').count({ count: '*' })
    assert.equal(count, 0, 'after logout the sessions table should be empty: step-01 TODO(3) deletes the row')
    expectJsonError(await stolen.me(), 401, 'the logged-out cookie must not work any more')
  })

  test('logout-all ends every device of the user, and only that user', async (t) => {
    const app = await startApp(t, STEP)
    const alice = await signUp(app, 'alice')
    const phone = await logInAnotherDevice(app, alice)
    const bob = await signUp(app, 'bob')
    expectStatus(await alice.device.post('/logout-all'), 204, 'step-01 TODO(3): POST /logout-all should delete every session of the user')
    expectJsonError(await phone.me(), 401, "logout-all must end alice's phone too")
    expectStatus(await bob.device.me(), 200, "logout-all must leave bob's session alone")
  })

  test('a password change ends the other devices; the caller gets a new session', async (t) => {
    const app = await startApp(t, STEP)
    const alice = await signUp(app)
    const phone = await logInAnotherDevice(app, alice)
    const before = alice.device.cookie
    expectStatus(await alice.device.changePassword(alice.password, 'a brand new passphrase'), 204)
    assert.notEqual(alice.device.cookie, before, 'the caller should get a new sid')
    expectStatus(await alice.device.me(), 200, 'the caller stays logged in')
    expectJsonError(await phone.me(), 401, 'the other device must be logged out by a password change')
    await expectPasswordChanged(app, alice, 'a brand new passphrase')
  })

  test('a wrong current password gets 403 and changes nothing', async (t) => {
    const app = await startApp(t, STEP)
    const alice = await signUp(app)
    const phone = await logInAnotherDevice(app, alice)
    expectJsonError(await alice.device.changePassword('not the password', 'a brand new passphrase'), 403)
    expectStatus(await phone.me(), 200, 'a refused password change must not log anyone out')
    await expectPasswordUnchanged(app, alice)
  })

  test('a request from another site (foreign Origin) gets 403 and changes nothing', async (t) => {
    const app = await startApp(t, STEP)
    const { device } = await signUp(app)
    const reply = await device.post('/logout', undefined, { headers: { Origin: 'https://evil.example' } })
    expectJsonError(reply, 403, 'a cookie is sent on cross-site requests too: check the Origin header')
    const form = await device.request('POST', '/logout', {
      rawBody: 'confirm=yes',
      headers: { Origin: 'https://evil.example', 'Content-Type': 'application/x-www-form-urlencoded' },
    })
    expectJsonError(form, 403, "another site's HTML form is refused for where it comes from, before its body is read")
    expectStatus(await device.me(), 200, 'the refused logout must not have ended the session')
  })

  cookieTransportTests(STEP, { sessions: 'step-01 TODO(1) (createSession) and step-01 TODO(2) (finding the session)' })

  test('a session expires after 7 days', async (t) => {
    const app = await startApp(t, STEP)
    const { device } = await signUp(app)
    const session = await app.db('sessions').first()
    assert.equal(
      Number(session?.expires_at),
      app.clock.now() + 7 * DAY,
      `the session row says expires_at ${session?.expires_at}, not the app clock's now + 7 days: step-01 TODO(1) sets it from clock.now() (Date.now() ignores the clock that the app, and these tests, use)`,
    )
    app.clock.advance(7 * DAY - HOUR)
    expectStatus(await device.me(), 200, 'the session should still work within 7 days')
    app.clock.advance(2 * HOUR)
    expectJsonError(await device.me(), 401, 'step-01 TODO(2): a session past its expires_at must be refused')
  })

  test('gap (closed in step-02): every authenticated request costs two queries, session then user', async (t) => {
    const app = await startApp(t, STEP)
    const { device } = await signUp(app)
    let reply = await device.me()
    const queries = await app.countQueries(async () => {
      reply = await device.me()
    })
    expectStatus(reply, 200)
    assert.equal(queries, 2, `GET /me ran ${queries} queries; with sessions it is two: the session row, then the user (${describeReply(reply)})`)
  })
})
