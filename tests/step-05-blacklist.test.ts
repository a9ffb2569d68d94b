import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { DAY, MINUTE } from '../lib/clock.ts'
import { startApp } from './harness/app.ts'
import { refreshTokenBasics } from './harness/refresh-token-basics.ts'
import { decodeJwt, describeReply, expectJsonError, expectStatus } from './harness/expect.ts'
import { expectPasswordChanged, expectPasswordUnchanged, logInAnotherDevice, signUp } from './harness/users.ts'

const STEP = 'step-05-blacklist'

describe('step 05 · blacklist', () => {
  refreshTokenBasics(STEP)

  test('both tokens carry a jti and the user\'s version', async (t) => {
    const app = await startApp(t, STEP)
    const { device } = await signUp(app)
    const access = decodeJwt(device.accessToken)
    const refresh = decodeJwt(device.refreshToken)
    assert.equal(typeof access.jti, 'string', 'the access token carries a random `jti`, the id the blacklist stores')
    assert.equal(access.ver, 0, 'TODO(2): the access token should carry `ver` too, so a version bump ends it at once')
    assert.equal(refresh.ver, 0, 'the refresh token carries `ver`, as in step 04')
  })

  test('logout revokes this device\'s tokens at once: a copied access token gets 401', async (t) => {
    const app = await startApp(t, STEP)
    const { device } = await signUp(app)
    const thief = device.copy('thief')
    expectStatus(await device.logout(), 204, 'TODO(4): POST /logout should revoke the jti of the access token and answer 204')
    const rows = await app.db('revoked_tokens').select('jti')
    const jtis = rows.map((row: { jti: string }) => row.jti)
    assert.ok(jtis.includes(decodeJwt(thief.accessToken).jti), 'TODO(4): after logout, revoked_tokens holds the access token\'s jti')
    assert.ok(jtis.includes(decodeJwt(thief.refreshToken).jti), 'TODO(4): logout with {refreshToken} revokes the refresh token\'s jti too')
    expectJsonError(await thief.me(), 401, 'TODO(3): the middleware must refuse an access token whose jti is in revoked_tokens')
    expectJsonError(await thief.refresh(), 401, 'a refresh token revoked by logout must not mint a new pair')
  })

  test('logout leaves the user\'s other devices logged in', async (t) => {
    const app = await startApp(t, STEP)
    const alice = await signUp(app, 'alice', 'laptop')
    const phone = await logInAnotherDevice(app, alice, 'phone')
    const laptop = alice.device.copy('laptop, replayed')
    expectStatus(await alice.device.logout(), 204, 'TODO(4): POST /logout revokes this device\'s tokens only')
    expectJsonError(await laptop.refresh(), 401, 'the laptop\'s refresh token is revoked')
    expectStatus(await phone.me(), 200, 'logging out the laptop must not log out the phone')
    expectStatus(await phone.refresh(), 200, 'the phone\'s refresh token must keep working: a logged-out token presented again is refused, not treated as reuse')
  })

  test('logout with another account\'s refresh token gets 403 and revokes nothing', async (t) => {
    const app = await startApp(t, STEP)
    const alice = await signUp(app, 'alice')
    const bob = await signUp(app, 'bob')
    const reply = await alice.device.post('/logout', { refreshToken: bob.device.refreshToken })
    expectJsonError(reply, 403, 'check the refresh token\'s `sub` before revoking it: nobody may revoke another account\'s token')
    expectStatus(await alice.device.me(), 200, 'a refused logout changes nothing')
    expectStatus(await bob.device.refresh(), 200, "bob's refresh token must not be revoked by alice")
  })

  test('logout-all ends every token of the user at once, access tokens included', async (t) => {
    const app = await startApp(t, STEP)
    const alice = await signUp(app, 'alice')
    const phone = await logInAnotherDevice(app, alice)
    const bob = await signUp(app, 'bob')
    expectStatus(await alice.device.logoutAll(), 204)
    expectJsonError(await phone.me(), 401, 'TODO(3): an access token whose ver is not the user\'s refresh_token_version must be refused')
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
    expectJsonError(await phone.me(), 401, 'TODO(3): a password change bumps the version, so the phone\'s access token must die now')
    expectJsonError(await phone.refresh(), 401, 'the phone\'s refresh token dies too')
    expectStatus(await alice.device.me(), 200, 'the caller\'s new access token carries the new version (TODO(2))')
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

  test('/refresh uses up the refresh token: its jti goes into revoked_tokens', async (t) => {
    const app = await startApp(t, STEP)
    const { device } = await signUp(app)
    const { jti, exp } = decodeJwt(device.refreshToken)
    expectStatus(await device.refresh(), 200, 'TODO(5): /refresh should consume the refresh token with an INSERT and answer a new pair')
    const row = await app.db('revoked_tokens').where({ jti }).first()
    assert.ok(row, 'TODO(5): after /refresh, revoked_tokens holds the used refresh token\'s jti')
    assert.equal(Number(row.expires_at), exp * 1000, 'TODO(5): expires_at is the token\'s exp, in milliseconds: the row can go when the token would have expired')
  })

  test('a replayed refresh token is refused and revokes every token of the user (reuse detection)', async (t) => {
    const app = await startApp(t, STEP)
    const alice = await signUp(app)
    const phone = await logInAnotherDevice(app, alice)
    const thief = alice.device.copy('thief')
    expectStatus(await alice.device.refresh(), 200, 'the legitimate device rotates first')
    const replay = await thief.refresh()
    expectJsonError(replay, 401, 'TODO(5): a refresh token that was already used must be refused')
    expectJsonError(await alice.device.me(), 401, 'TODO(6): reuse means two parties hold the token (RFC 9700 §4.14.2): bump the version to revoke everything')
    expectJsonError(await alice.device.refresh(), 401, 'TODO(6): the rotated refresh token dies too: nobody can tell the thief from the owner')
    expectJsonError(await phone.me(), 401, 'TODO(6): every device of the user is logged out')
    const again = await logInAnotherDevice(app, alice, 'laptop again')
    expectStatus(await again.me(), 200, 'a login after the revocation carries the new version, so it works')
  })

  test('ten concurrent refreshes with one token: exactly one 200, and no 5xx', async (t) => {
    const app = await startApp(t, STEP)
    const { device } = await signUp(app)
    const replies = await Promise.all(Array.from({ length: 10 }, (_, i) => device.copy(`racer ${i}`).refresh()))
    const statuses = replies.map((reply) => reply.status)
    const failed = replies.find((reply) => reply.status >= 500)
    assert.equal(failed, undefined, `no request may fail with 5xx; got ${statuses.join(', ')}${failed ? `: ${describeReply(failed)}` : ''}`)
    assert.equal(statuses.filter((status) => status === 200).length, 1, `TODO(5): exactly one request may win: insert and let the primary key decide, never read then write. Got ${statuses.join(', ')}`)
    assert.equal(statuses.filter((status) => status === 401).length, 9, `the nine losers get 401; got ${statuses.join(', ')}`)
  })

  test('expired rows are pruned from revoked_tokens', async (t) => {
    const app = await startApp(t, STEP)
    const alice = await signUp(app)
    const { jti: usedJti } = decodeJwt(alice.device.refreshToken)
    expectStatus(await alice.device.refresh(), 200)
    const { jti: loggedOutJti } = decodeJwt(alice.device.accessToken)
    expectStatus(await alice.device.logout(), 204)
    const count = async () => Number((await app.db('revoked_tokens').count({ count: '*' }))[0].count)
    assert.equal(await count(), 3, 'the used refresh token, then the logged-out access and refresh tokens')
    app.clock.advance(20 * MINUTE)
    const laptop = await logInAnotherDevice(app, alice, 'laptop again')
    expectStatus(await laptop.refresh(), 200)
    const afterAccessExpired = await app.db('revoked_tokens').select('jti')
    assert.ok(!afterAccessExpired.some((row: { jti: string }) => row.jti === loggedOutJti), 'TODO(7): the logged-out access token expired after 15 minutes: delete its row (expires_at <= now)')
    assert.ok(afterAccessExpired.some((row: { jti: string }) => row.jti === usedJti), 'a refresh token row stays while the token could still be presented (30 days)')
    app.clock.advance(31 * DAY)
    const phone = await logInAnotherDevice(app, alice, 'phone')
    expectStatus(await phone.refresh(), 200)
    assert.equal(await count(), 1, 'TODO(7): after 31 days only the row of the refresh token used just now remains')
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
})
