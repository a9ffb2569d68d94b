// Group 4 of the ledger, what sessions cost: the session store must answer every request. With the database
// down, a claims-only token (the bench's, scripts/bench/claims-only) keeps verifying, because nothing it needs is
// stored; a session cannot be checked without its row. Neither can step 02's token, which loads its user.
// "Down" is the app's own pool closed under it: every query fails as if the server had gone away, on SQLite
// and on PostgreSQL alike. What the app must answer then: 503 with Retry-After and a JSON sentence, never a
// stack, a 500 or the driver's text.
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import { ROOT, stepDir, type StepName } from '../lib/steps.ts'
import { startApp, type TestApp } from './harness/app.ts'
import type { Reply } from './harness/device.ts'
import { describeReply, expectStatus } from './harness/expect.ts'
import { signUp } from './harness/users.ts'

const CLAIMS_ONLY = join(ROOT, 'scripts', 'bench', 'claims-only')

/** The database goes away: the app's pool is closed, and every query the app sends fails. */
async function takeTheDatabaseDown(app: TestApp) {
  await app.db.destroy()
}

function expectStoreDown(reply: Reply, what: string) {
  assert.equal(reply.status, 503, `${describeReply(reply)}: with the database down, ${what} cannot be answered; the answer is 503 (lib/http.ts), not a 500 or a hang`)
  assert.ok(Number(reply.headers.get('retry-after')) > 0, `${describeReply(reply)}: a 503 says when to try again (Retry-After)`)
  assert.equal(typeof reply.body?.error, 'string', `${describeReply(reply)}: the error is a JSON sentence`)
  assert.doesNotMatch(reply.text, /SQLITE|knex|pool|ECONN|at .*\.ts:\d+/i, `${describeReply(reply)}: never the driver's text or a stack`)
}

async function loggedInThenDown(t: Parameters<typeof startApp>[0], step: StepName, dir: string) {
  const app = await startApp(t, step, { dir })
  const alice = await signUp(app)
  expectStatus(await alice.device.me(), 200, 'GET /me works while the database is up')
  await takeTheDatabaseDown(app)
  return { app, alice }
}

describe('the session store must answer every request: the database goes down', () => {
  test('a claims-only token keeps verifying while the database is down: GET /me 200, from the token alone', async (t) => {
    const { alice } = await loggedInThenDown(t, 'step-02-jwt', CLAIMS_ONLY)
    const me = await alice.device.me()
    expectStatus(me, 200, 'the claims-only token carries the id and the email, and its check needs nothing stored')
    assert.equal(me.body.user.email, alice.email)
  })

  test('step 06: with the database down a session cannot be checked: GET /me gets 503 with Retry-After and a clear error, never a stack', async (t) => {
    const { app, alice } = await loggedInThenDown(t, 'step-06-sessions-revisited', stepDir('step-06-sessions-revisited', 'solutions'))
    expectStoreDown(await alice.device.me(), 'the session row')
    expectStoreDown(await app.device().login(alice.email, alice.password), 'a login')
    expectStoreDown(await alice.device.post('/logout'), 'a logout')
  })

  test('step 02 loads its user on every request, so it needs the database too: GET /me gets 503', async (t) => {
    const { alice } = await loggedInThenDown(t, 'step-02-jwt', stepDir('step-02-jwt', 'solutions'))
    expectStoreDown(await alice.device.me(), "the token's user")
  })
})
