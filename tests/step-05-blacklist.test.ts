import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { join } from 'node:path'
import { DAY, epochSeconds, MINUTE } from '../lib/clock.ts'
import { startApp, targetDir, TESTS_AT_ONCE } from './harness/app.ts'
import { refreshTokenBasics } from './harness/refresh-token-basics.ts'
import { decodeJwt, describeReply, expectJsonError, expectStatus, serverErrorsPointAt } from './harness/expect.ts'
import { expectPasswordChanged, expectPasswordUnchanged, logInAnotherDevice, signUp } from './harness/users.ts'

const STEP = 'step-05-blacklist'
// A 500 names the function that threw; this says which TODO each one is.
serverErrorsPointAt(STEP, { 'schema.ts': 'step-05 TODO(1)', 'tokens.ts#signAccessToken': 'step-05 TODO(2)', 'blacklist.ts#consumeRefreshToken': 'step-05 TODO(3)', 'routes.ts#requireAccessToken': 'step-05 TODO(4)', 'blacklist.ts#revokeFamily': 'step-05 TODO(5)', 'routes.ts': 'step-05 TODO(6)', 'blacklist.ts#pruneExpired': 'step-05 TODO(7)' })

describe('step 05 · blacklist', { concurrency: TESTS_AT_ONCE }, () => {
  refreshTokenBasics(STEP)

  test('every token carries a jti, the user\'s version and its login\'s sid', async (t) => {
    const app = await startApp(t, STEP)
    const alice = await signUp(app)
    const access = decodeJwt(alice.device.accessToken)
    const refresh = decodeJwt(alice.device.refreshToken)
    assert.equal(typeof access.jti, 'string', 'the access token carries a random `jti`')
    assert.equal(access.ver, 0, 'step-05 TODO(2): the access token should carry `ver` too, so a version bump ends it at once')
    assert.equal(refresh.ver, 0, 'the refresh token carries `ver`, as in step 04')
    assert.equal(typeof access.sid, 'string', 'step-05 TODO(2): the access token should carry `sid`, the id of the login it descends from')
    assert.ok(access.sid.length >= 43, 'step-05 TODO(2): a login id needs 256 bits from the CSPRNG (newTokenId), like a jti')
    assert.equal(refresh.sid, access.sid, 'the two tokens of one login name the same `sid`')
    assert.notEqual(access.sid, access.jti, 'the `sid` names the login, the `jti` this one token')
    const phone = await logInAnotherDevice(app, alice)
    assert.notEqual(decodeJwt(phone.accessToken).sid, access.sid, 'each login gets its own `sid`')
  })

  test('/refresh uses up the refresh token: its jti goes into revoked_tokens', async (t) => {
    const app = await startApp(t, STEP)
    const { device } = await signUp(app)
    const { jti, exp } = decodeJwt(device.refreshToken)
    expectStatus(await device.refresh(), 200, 'step-05 TODO(3): /refresh should consume the refresh token with an INSERT and answer a new pair')
    const row = await app.db('revoked_tokens').where({ jti }).first()
    assert.ok(row, 'step-05 TODO(3): after /refresh, revoked_tokens holds the used refresh token\'s jti')
    assert.equal(Number(row.expires_at), exp * 1000, 'step-05 TODO(3): expires_at is the token\'s exp, in milliseconds: the row can go when the token would have expired')
  })

  // Exercise 3 on its own, and the race itself: ten uses of one token at once, straight at consumeRefreshToken.
  // A SELECT first lets several find no row before any INSERT lands; only the primary key picks one winner.
  test('ten uses of one refresh token at once: consumeRefreshToken answers true once and false nine times, and never throws', async (t) => {
    const app = await startApp(t, STEP)
    const { consumeRefreshToken } = await import(join(targetDir(STEP), 'blacklist.ts'))
    const claims = { sub: '1', jti: 'one-token-used-ten-times', exp: epochSeconds(app.clock) + 3600, iat: epochSeconds(app.clock), sid: 'a-login', ver: 0, auth_time: epochSeconds(app.clock) }
    const deps = { db: app.db, clock: app.clock, secrets: app.secrets }
    const answers = await Promise.allSettled(Array.from({ length: 10 }, () => consumeRefreshToken(deps, claims)))
    const thrown = answers.find((answer) => answer.status === 'rejected')
    if (thrown) {
      const err = thrown.reason
      assert.ok(
        err instanceof NotImplemented,
        `consumeRefreshToken threw ${err?.code ?? err?.name}: "${String(err?.message).split('\n')[0]}" when ten uses of one token came at once. ` +
          'A read first (is the jti there?) lets several find nothing, and then their INSERTs collide: insert first, and answer false when ' +
          'isUniqueViolation(err) says the primary key refused it: step-05 TODO(3)',
      )
      assert.fail(err.message)
    }
    const wins = answers.filter((answer) => answer.status === 'fulfilled' && answer.value === true).length
    assert.equal(wins, 1, `${wins} of ten uses of one token at once were let through: exactly one may win, and only the primary key can pick it (insert, never read then write): step-05 TODO(3)`)
  })

  test('rotation keeps the login: the new pair names the same sid and auth_time', async (t) => {
    const app = await startApp(t, STEP)
    const { device } = await signUp(app)
    const before = decodeJwt(device.refreshToken)
    expectStatus(await device.refresh(), 200, 'step-05 TODO(3): /refresh should answer a new pair')
    const access = decodeJwt(device.accessToken)
    const refresh = decodeJwt(device.refreshToken)
    assert.notEqual(refresh.jti, before.jti, 'a new refresh token, with a new jti')
    assert.equal(refresh.sid, before.sid, 'the rotated refresh token names the same login: loginOf(claims) hands the sid on')
    assert.equal(access.sid, before.sid, 'the new access token names the same login too')
    assert.equal(refresh.auth_time, before.auth_time, 'and the login keeps its time: the chain ends 30 days after it')
  })

  test('logout-all ends every token of the user at once, access tokens included', async (t) => {
    const app = await startApp(t, STEP)
    const alice = await signUp(app, 'alice')
    const phone = await logInAnotherDevice(app, alice)
    const bob = await signUp(app, 'bob')
    expectStatus(await alice.device.logoutAll(), 204)
    expectJsonError(await phone.me(), 401, 'step-05 TODO(4): an access token whose ver is not the user\'s refresh_token_version must be refused')
    expectJsonError(await phone.refresh(), 401)
    expectJsonError(await alice.device.me(), 401, 'the caller of logout-all is logged out too')
    expectStatus(await bob.device.me(), 200, "alice's logout-all must not touch bob")
  })

  test('a password change ends every other device at once; the caller stays logged in', async (t) => {
    const app = await startApp(t, STEP)
    const alice = await signUp(app)
    const phone = await logInAnotherDevice(app, alice)
    const reply = await alice.device.changePassword(alice.password, 'a brand new passphrase')
    expectStatus(reply, 200, 'POST /password answers {"accessToken", "refreshToken"} in steps 03–05')
    assert.equal(reply.headers.get('cache-control'), 'no-store', 'token responses must carry Cache-Control: no-store')
    expectJsonError(await phone.me(), 401, 'step-05 TODO(4): a password change bumps the version, so the phone\'s access token must die now')
    expectJsonError(await phone.refresh(), 401, 'the phone\'s refresh token dies too')
    expectStatus(await alice.device.me(), 200, 'the caller\'s new access token carries the new version (step-05 TODO(2))')
    expectStatus(await alice.device.refresh(), 200, 'the caller\'s new refresh token works')
    await expectPasswordChanged(app, alice, 'a brand new passphrase')
  })

  test('a wrong current password gets 403 and changes nothing', async (t) => {
    const app = await startApp(t, STEP)
    const alice = await signUp(app)
    const phone = await logInAnotherDevice(app, alice)
    expectJsonError(await alice.device.changePassword('not the password', 'a brand new passphrase'), 403)
    expectStatus(await phone.me(), 200, 'a refused password change must not log anyone out')
    expectStatus(await phone.refresh(), 200)
    await expectPasswordUnchanged(app, alice)
  })

  test('logout ends this login at once: a copied access token and refresh token get 401', async (t) => {
    const app = await startApp(t, STEP)
    const { device } = await signUp(app)
    const thief = device.copy('thief')
    expectStatus(await device.logout(), 204, 'step-05 TODO(5): POST /logout should end the login its access token names, and answer 204')
    const row = await app.db('revoked_families').where({ sid: decodeJwt(thief.accessToken).sid }).first()
    assert.ok(row, 'step-05 TODO(5): after logout, revoked_families holds the sid of the login')
    expectJsonError(await thief.me(), 401, 'step-05 TODO(4): the middleware must refuse an access token whose sid is in revoked_families')
    expectJsonError(await thief.refresh(), 401, 'a refresh token of a login that ended must not mint a new pair')
  })

  test('a logout without a body ends the refresh token too', async (t) => {
    const app = await startApp(t, STEP)
    const { device } = await signUp(app)
    const thief = device.copy('thief')
    expectStatus(await device.post('/logout'), 204, 'step-05 TODO(5): POST /logout without a body should end the login and answer 204')
    expectJsonError(await thief.refresh(), 401, 'the access token names the login: its refresh token must die with it, whether the client sent it or not')
    expectJsonError(await thief.me(), 401)
  })

  test('the thief who rotates first is logged out with the owner: logout ends the tokens rotated from the stolen one too', async (t) => {
    const app = await startApp(t, STEP)
    const { device } = await signUp(app)
    const thief = device.copy('thief')
    expectStatus(await thief.refresh(), 200, 'the thief rotates the stolen refresh token before the owner does')
    expectStatus(await device.logout(), 204, 'the owner logs out, with a refresh token that is already used')
    expectJsonError(await thief.me(), 401, "the thief's new access token descends from the owner's login: the logout must end it (step-05 TODO(5), step-05 TODO(4))")
    expectJsonError(await thief.refresh(), 401, "and the thief's new refresh token too: /refresh refuses a token of a login that ended")
  })

  test('logout leaves the user\'s other devices logged in', async (t) => {
    const app = await startApp(t, STEP)
    const alice = await signUp(app, 'alice', 'laptop')
    const phone = await logInAnotherDevice(app, alice, 'phone')
    const laptop = alice.device.copy('laptop, replayed')
    expectStatus(await alice.device.logout(), 204, 'step-05 TODO(5): POST /logout ends this login only')
    expectJsonError(await laptop.refresh(), 401, 'the laptop\'s refresh token is revoked')
    expectStatus(await phone.me(), 200, 'logging out the laptop must not log out the phone')
    expectStatus(await phone.refresh(), 200, 'the phone\'s refresh token must keep working: its login is another one')
  })

  test('logout with another account\'s refresh token in the body ends only the caller\'s login', async (t) => {
    const app = await startApp(t, STEP)
    const alice = await signUp(app, 'alice')
    const bob = await signUp(app, 'bob')
    expectStatus(await alice.device.post('/logout', { refreshToken: bob.device.refreshToken }), 204, 'the access token names the login to end; a refreshToken in the body changes nothing more')
    expectJsonError(await alice.device.me(), 401, "alice's login has ended")
    expectStatus(await bob.device.refresh(), 200, "bob's refresh token must not be revoked by alice")
    expectStatus(await bob.device.me(), 200)
  })

  test('a replayed refresh token is refused and ends its login (reuse detection): the owner\'s rotated pair dies too', async (t) => {
    const app = await startApp(t, STEP)
    const alice = await signUp(app)
    const thief = alice.device.copy('thief')
    expectStatus(await alice.device.refresh(), 200, 'the legitimate device rotates first')
    const replay = await thief.refresh()
    expectJsonError(replay, 401, 'a refresh token that was already used must be refused (step-05 TODO(3) answers false)')
    expectJsonError(await alice.device.me(), 401, 'step-05 TODO(6): the server cannot tell who presented the used token (RFC 9700 §4.14.2): end its login, revokeFamily(…, \'reuse\')')
    expectJsonError(await alice.device.refresh(), 401, 'step-05 TODO(6): the rotated refresh token dies too: it is the login\'s active one')
    const again = await logInAnotherDevice(app, alice, 'laptop again')
    expectStatus(await again.me(), 200, 'a new login is a new family, so it works')
  })

  test('a replay on the laptop leaves the phone alone: reuse ends that login only', async (t) => {
    const app = await startApp(t, STEP)
    const alice = await signUp(app, 'alice', 'laptop')
    const phone = await logInAnotherDevice(app, alice, 'phone')
    const thief = alice.device.copy('thief')
    expectStatus(await alice.device.refresh(), 200)
    expectJsonError(await thief.refresh(), 401, 'the replay is refused')
    expectJsonError(await alice.device.me(), 401, 'step-05 TODO(6): the laptop\'s login has ended')
    expectStatus(await phone.me(), 200, 'RFC 9700 §4.14.2 revokes the active refresh token, that login\'s, not every login of the user: do not bump the version')
    expectStatus(await phone.refresh(), 200, 'the phone keeps refreshing: anyone holding an old laptop token must not be able to log the user out everywhere')
  })

  // The mechanics of the race. What it costs a user (two tabs of one browser logged out) is a gap test of step 03's suite.
  test('ten concurrent refreshes with one token (strict rotation): one 200, nine 401, and the winner\'s new pair is dead too; the phone stays', async (t) => {
    const app = await startApp(t, STEP)
    const alice = await signUp(app, 'alice', 'laptop')
    const phone = await logInAnotherDevice(app, alice, 'phone')
    const racers = Array.from({ length: 10 }, (_, i) => alice.device.copy(`racer ${i}`))
    const replies = await Promise.all(racers.map((racer) => racer.refresh()))
    const statuses = replies.map((reply) => reply.status)
    const failed = replies.find((reply) => reply.status >= 500)
    assert.ok(
      !failed,
      `no request may fail with 5xx; got ${statuses.join(', ')}${failed ? `: ${describeReply(failed)}` : ''}. ` +
        'In a race, a 500 is most often a read, then a write: several requests found no row, and then their INSERTs collided. Insert first, and let the primary key refuse the others',
    )
    const wins = statuses.filter((status) => status === 200).length
    assert.ok(wins === 1, `exactly one request may win, but ${wins} did (statuses ${statuses.join(', ')}): insert and let the primary key decide, never read then write (step-05 TODO(3))`)
    const losses = statuses.filter((status) => status === 401).length
    assert.ok(losses === 9, `the nine losers get 401, but ${losses} did (statuses ${statuses.join(', ')})`)
    const winner = racers[statuses.indexOf(200)]
    expectJsonError(await winner.me(), 401, 'step-05 TODO(6): each loser presented a used token, which is reuse: the login ended, and the winner\'s new pair with it')
    expectJsonError(await winner.refresh(), 401, 'step-05 TODO(6): the winner\'s new refresh token names the ended login too')
    expectStatus(await phone.me(), 200, 'the phone is another login: a race on the laptop must not end it')
  })

  test('expired rows are pruned from revoked_tokens and revoked_families', async (t) => {
    const app = await startApp(t, STEP)
    const alice = await signUp(app)
    const { jti: usedJti } = decodeJwt(alice.device.refreshToken)
    expectStatus(await alice.device.refresh(), 200)
    const { sid } = decodeJwt(alice.device.accessToken)
    expectStatus(await alice.device.logout(), 204)
    const count = async (table: string) => Number((await app.db(table).count({ count: '*' }))[0].count)
    assert.equal(await count('revoked_tokens'), 1, 'the used refresh token')
    assert.equal(await count('revoked_families'), 1, 'the login that logged out')
    app.clock.advance(6 * DAY)
    const laptop = await logInAnotherDevice(app, alice, 'laptop again')
    expectStatus(await laptop.refresh(), 200)
    assert.ok(await app.db('revoked_tokens').where({ jti: usedJti }).first(), 'a used refresh token\'s row stays while the token could still be presented (its exp, 7 days after it was issued)')
    assert.ok(await app.db('revoked_families').where({ sid }).first(), 'an ended login\'s row stays while any of its tokens could still be presented')
    app.clock.advance(25 * DAY)
    const phone = await logInAnotherDevice(app, alice, 'phone')
    expectStatus(await phone.refresh(), 200)
    assert.equal(await count('revoked_tokens'), 1, 'step-05 TODO(7): after 31 days, only the row of the refresh token the phone just used remains (expires_at <= now goes)')
    assert.equal(await count('revoked_families'), 0, 'step-05 TODO(7): after 31 days, no token of the logged-out login can be presented: its row goes')
  })

  test('gap (closed in step-06): every authenticated request is back to two queries, blacklist then user', async (t) => {
    const app = await startApp(t, STEP)
    const { device } = await signUp(app)
    let reply = await device.me()
    const queries = await app.countQueries(async () => {
      reply = await device.me()
    })
    expectStatus(reply, 200)
    assert.equal(queries, 2, `GET /me ran ${queries} queries; with a blacklist it is two, as with the sessions of step 01`)
  })

  test('gap (closed in step-06): every token names a login that the server keeps rows about: a sessions table, upside down', async (t) => {
    const app = await startApp(t, STEP)
    const { device } = await signUp(app)
    const { sid } = decodeJwt(device.accessToken)
    assert.equal(typeof sid, 'string', 'every token names its login')
    expectStatus(await device.logout(), 204)
    const row = await app.db('revoked_families').where({ sid }).first()
    assert.ok(row, 'and ending the login is a row the server keeps, keyed by that id: a session id by another name')
  })
})
