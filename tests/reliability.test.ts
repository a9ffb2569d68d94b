// A busy room: dozens of people registering, logging in, refreshing and logging out at once, against one
// server with a SQLite file (or, with DATABASE_URL set, PostgreSQL over a pool of several connections, where
// every race really reaches the database). Not one 5xx, not one SQLITE_BUSY, and nobody's account is lost.
import assert from 'node:assert/strict'
import { describe, test, type TestContext } from 'node:test'
import { startApp, type TestApp } from './harness/app.ts'
import { flavour, targets, type Target } from './harness/attacks/targets.ts'
import { DATABASE_KIND, freshDatabase } from './harness/database.ts'
import type { Device, Reply } from './harness/device.ts'
import { describeReply, expectStatus } from './harness/expect.ts'
import { newAccount } from './harness/users.ts'

const PEOPLE = 24 // two dozen at once: enough to interleave every route, cheap enough for every `npm test`

/** A server on a SQLite file in a temporary folder, where SQLITE_BUSY would show (unlike `:memory:`), or a PostgreSQL schema. */
async function startOnFile(t: TestContext, target: Target): Promise<TestApp> {
  const database = await freshDatabase('file', `load-${target.label}`)
  const app = await startApp(undefined, target.name, { dir: target.dir, database }).catch(async (err) => {
    await database.drop() // an app that cannot start leaves no database behind
    throw err
  })
  t.after(async () => {
    await app.close()
    await database.drop()
  })
  return app
}

/** No reply of a burst may be a server error, or mention SQLite. */
function expectNoServerError(replies: Reply[], what: string) {
  const broken = replies.filter((reply) => reply.status >= 500 && reply.status !== 501 || /SQLITE/i.test(reply.text))
  assert.equal(broken.length, 0, `${what}: ${broken.length} of ${replies.length} failed, e.g. ${broken.slice(0, 3).map(describeReply).join('; ')}`)
}

function expectAll(replies: Reply[], status: number, what: string) {
  expectNoServerError(replies, what)
  for (const reply of replies) expectStatus(reply, status, what)
}

const TARGETS = targets()

describe(`a busy room, against ${flavour()}/ on ${DATABASE_KIND}`, { concurrency: true }, () => {
  if (TARGETS.length === 0) test(`${flavour()}/ has no step yet`, { skip: true })
  for (const target of TARGETS) {
    // On PostgreSQL one test per step at a time: each app's pool may hold TEST_POOL_SIZE connections of the
    // server's max_connections, and six steps run side by side.
    describe(`load on ${target.name}`, { concurrency: DATABASE_KIND === 'postgres' ? 1 : true }, () => {
      test(`${target.label}: ${PEOPLE} people register, log in on two devices, use, refresh and log out all at once: no 5xx, and everyone can log in again`, async (t) => {
        const app = await startOnFile(t, target)
        const people = Array.from({ length: PEOPLE }, (_, i) => ({ ...newAccount(`person${i}-`), laptop: app.device(`laptop ${i}`), phone: app.device(`phone ${i}`) }))
        expectAll(await Promise.all(people.map((p) => p.laptop.register(p.email, p.password))), 201, 'parallel registrations')
        expectAll(await Promise.all(people.flatMap((p) => [p.laptop.login(p.email, p.password), p.phone.login(p.email, p.password)])), 200, 'parallel logins')
        expectAll(await Promise.all(people.flatMap((p) => [p.laptop.me(), p.phone.me()])), 200, 'parallel GET /me')
        if (target.refresh) expectAll(await Promise.all(people.flatMap((p) => [p.laptop.refresh(), p.phone.refresh()])), 200, 'parallel refreshes')
        // Everything at once: logouts, requests, new logins, and a few logout-alls where the step has them.
        const mixed = await Promise.all(
          people.flatMap((p, i) => [
            p.laptop.logout(),
            p.phone.me(),
            app.device(`tablet ${i}`).login(p.email, p.password),
            ...(target.refresh ? [p.phone.refresh()] : []),
            ...(i % 8 === 0 ? [p.phone.logoutAll()] : []),
          ]),
        )
        expectNoServerError(mixed, 'a mix of logouts, requests, logins and refreshes')
        const again = people.map((p) => app.device(`again ${p.email}`))
        expectAll(await Promise.all(people.map((p, i) => again[i].login(p.email, p.password))), 200, 'every registered user can log in afterwards')
        expectAll(await Promise.all(again.map((device) => device.me())), 200, 'and use the app')
      })

      test(`${target.label}: 20 parallel registrations of one email in different spellings: one 201, nineteen 409, one user`, async (t) => {
        const app = await startOnFile(t, target)
        const { email, password } = newAccount('racer')
        const spellings = Array.from({ length: 20 }, (_, i) => (i % 3 === 0 ? email.toUpperCase() : i % 3 === 1 ? ` ${email} ` : email))
        const replies = await Promise.all(spellings.map((spelling) => app.device().register(spelling, password)))
        expectNoServerError(replies, 'racing registrations')
        assert.equal(replies.filter((reply) => reply.status === 201).length, 1, 'exactly one registration wins')
        assert.equal(replies.filter((reply) => reply.status === 409).length, 19, 'every other one gets 409')
        assert.equal((await app.db('users').where({ email })).length, 1, 'one row in users')
      })

      test(`${target.label}: 5 parallel password changes with the same current password: one wins, and only its password works`, async (t) => {
        const app = await startOnFile(t, target)
        const { email, password } = newAccount('changer')
        const device = app.device()
        expectStatus(await device.register(email, password), 201)
        expectStatus(await device.login(email, password), 200)
        const candidates = Array.from({ length: 5 }, (_, i) => `new passphrase number ${i}`)
        const replies = await Promise.all(candidates.map((next) => device.copy().changePassword(password, next)))
        expectNoServerError(replies, 'racing password changes')
        const winners = replies.filter((reply) => reply.status < 300)
        assert.equal(winners.length, 1, `exactly one change may win, got ${replies.map((reply) => reply.status).join(', ')}`)
        for (const reply of replies) if (reply.status >= 300) assert.ok(reply.status === 401 || reply.status === 403, describeReply(reply))
        const works = await Promise.all([password, ...candidates].map(async (guess) => (await app.device().login(email, guess)).status === 200))
        assert.equal(works.filter(Boolean).length, 1, 'exactly one password opens the account afterwards')
        assert.equal(works[0], false, 'the old password no longer works')
      })

      test(`${target.label}: one credential logs out 10 times at once: no 5xx, and it is dead afterwards`, async (t) => {
        const app = await startOnFile(t, target)
        const { email, password } = newAccount('leaver')
        const device = app.device()
        expectStatus(await device.register(email, password), 201)
        expectStatus(await device.login(email, password), 200)
        const copies = Array.from({ length: 10 }, (_, i) => device.copy(`copy ${i}`))
        const replies = await Promise.all(copies.map((copy) => copy.logout()))
        expectNoServerError(replies, 'racing logouts')
        for (const reply of replies) assert.ok(reply.status === 204 || reply.status === 401, describeReply(reply))
        assert.ok(replies.some((reply) => reply.status === 204), 'at least the first logout succeeds')
        if (target.cookies || target.number === 5) expectStatus(await device.copy().me(), 401, 'after the logouts the credential is refused')
      })

      if (target.number === 4 || target.number === 5) {
        test(`${target.label}: 10 logout-alls of one user at once: refresh_token_version goes up once for each 204, none lost`, async (t) => {
          const app = await startOnFile(t, target)
          const { email, password } = newAccount('bumper')
          expectStatus(await app.device().register(email, password), 201)
          const devices = await Promise.all(Array.from({ length: 10 }, async (_, i) => {
            const device = app.device(`device ${i}`)
            expectStatus(await device.login(email, password), 200)
            return device
          }))
          const replies = await Promise.all(devices.map((device) => device.logoutAll()))
          expectNoServerError(replies, 'racing logout-alls')
          const done = replies.filter((reply) => reply.status === 204).length
          const user = await app.db('users').where({ email }).first()
          assert.equal(user.refresh_token_version, done, `${done} logout-alls answered 204: an atomic increment counts every one (a read-then-write would lose some)`)
          if (target.number === 4) assert.equal(done, 10, "step 04's access tokens carry no version: all ten logout-alls are allowed")
        })
      }

      if (target.refresh) {
        test(`${target.label}: one refresh token used 10 times at once: no 5xx${target.number === 5 ? ', exactly one winner' : ''}`, async (t) => {
          const app = await startOnFile(t, target)
          const { email, password } = newAccount('twin')
          const device = app.device()
          expectStatus(await device.register(email, password), 201)
          expectStatus(await device.login(email, password), 200)
          const copies: Device[] = Array.from({ length: 10 }, (_, i) => device.copy(`copy ${i}`))
          const replies = await Promise.all(copies.map((copy) => copy.refresh()))
          expectNoServerError(replies, 'racing refreshes')
          const winners = replies.filter((reply) => reply.status === 200).length
          if (target.number === 5) {
            assert.equal(winners, 1, `strict rotation: one refresh token, one new pair; got ${replies.map((reply) => reply.status).join(', ')}`)
            for (const reply of replies) if (reply.status !== 200) expectStatus(reply, 401, 'a consumed refresh token gets 401')
          } else {
            assert.equal(winners, 10, 'steps 03 and 04 do not consume refresh tokens: every use succeeds')
          }
        })
      }
    })
  }
})
