// A burst of logins must not stall the app (README.md → "`npm start` environment"; lib/passwords.ts): the
// password hashes in flight are bounded, a request past the bound gets 503 with Retry-After and changes nothing,
// and the requests that hash nothing (GET /me, /refresh, the page) keep answering while the hashes run.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { describe, test } from 'node:test'
import { createPasswords, derive, HASH_LIMITS, PasswordsBusy, type HashLimits, type Passwords, type ScryptParams } from '../lib/passwords.ts'
import { startApp } from './harness/app.ts'
import { flavour, targets } from './harness/attacks/targets.ts'
import { DATABASE_KIND } from './harness/database.ts'
import type { Reply } from './harness/device.ts'
import { describeReply, expectStatus } from './harness/expect.ts'
import { newAccount, signUp } from './harness/users.ts'

/** A real-cost-ish hash for the app's own work: 16 MiB, an eighth of OWASP's memory. */
const BURST_SCRYPT: ScryptParams = { N: 2 ** 14, r: 8, p: 1 }
/** A check against a stored hash at half OWASP's cost: 64 MiB, some 0.35 s of CPU. */
const SLOW_STORED_HASH = `scrypt$N=65536,r=8,p=1$${randomBytes(16).toString('base64url')}$${randomBytes(32).toString('base64url')}`
/** One hash at a time and two waiting: small enough that a burst of 17 is mostly refused. */
const SMALL: HashLimits = { inFlight: 1, queued: 2, waitMs: 60_000 }

/** The password that holds its slot until the test lets go: real scrypt for every other one. */
const HOLD = 'the hash that holds the slot'

/**
 * The bounded hasher with real scrypt, and a hold: checking the HOLD password keeps its slot until `release()`,
 * so that the test, not the machine's speed, decides when the burst finds the queue full.
 */
function countedPasswords(limits: HashLimits) {
  let release = () => {}
  const gate = new Promise<void>((resolve) => (release = resolve))
  const inner = createPasswords(BURST_SCRYPT, limits, async (password, salt, params) => {
    if (password === HOLD) await gate
    return derive(password, salt, params)
  })
  const asked = { count: 0 }
  const passwords: Passwords = {
    hash: (password) => (asked.count++, inner.hash(password)),
    verify: (stored, password) => (asked.count++, inner.verify(stored, password)),
    verifyAgainstDummy: (password) => (asked.count++, inner.verifyAgainstDummy(password)),
  }
  return { passwords, asked, release }
}

async function until(condition: () => boolean, what: string) {
  const started = Date.now()
  while (!condition()) {
    if (Date.now() - started > 60_000) throw new Error(`gave up waiting: ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 2))
  }
}

function expectBusy(reply: Reply, what: string) {
  expectStatus(reply, 503, `${what}: past the bound on hashes in flight, the answer is 503`)
  assert.match(reply.headers.get('retry-after') ?? '', /^[1-9]\d*$/, `${what}: a 503 says when to try again (Retry-After in seconds), got ${describeReply(reply)}`)
  assert.match(reply.error ?? '', /busy/i, `${what}: a JSON error that says the server is busy, got ${describeReply(reply)}`)
  assert.equal(reply.body?.accessToken, undefined, `${what}: a refused request hands out no token`)
  assert.equal(reply.headers.getSetCookie().length, 0, `${what}: a refused request sets no cookie`)
}

describe('the bound on password hashes in flight', { concurrency: true }, () => {
  test('past the bound, a hash is refused at once with a 503 that says when to retry; those let in all finish, in order', async () => {
    const passwords = createPasswords(BURST_SCRYPT, { inFlight: 1, queued: 2, waitMs: 60_000 })
    const finished: number[] = []
    const admitted = [0, 1, 2].map((i) => passwords.hash(`password ${i}`).then(() => finished.push(i)))
    await assert.rejects(passwords.hash('one too many'), (err: PasswordsBusy) => err instanceof PasswordsBusy && err.status === 503 && Number(err.headers['Retry-After']) >= 1)
    await Promise.all(admitted)
    assert.deepEqual(finished, [0, 1, 2], 'the one running and the two waiting all finish, first come first served')
    assert.match(await passwords.hash('after the burst'), /^scrypt\$/, 'once the burst is over, hashes are let in again')
  })

  test('a hash that waits longer than waitMs for its turn is refused, and leaves the queue', async () => {
    const passwords = createPasswords(BURST_SCRYPT, { inFlight: 1, queued: 5, waitMs: 20 })
    const slow = passwords.verify(SLOW_STORED_HASH, 'x') // holds the slot for far longer than 20 ms
    await assert.rejects(passwords.hash('waits too long'), PasswordsBusy)
    assert.equal(await slow, false)
    assert.match(await passwords.hash('the queue is empty again'), /^scrypt\$/)
  })

  test('an unknown email costs one scrypt, the first time too: the dummy hash is made at start-up, without hashing', async () => {
    let calls = 0
    const passwords = createPasswords(BURST_SCRYPT, HASH_LIMITS, (password, salt, params) => (calls++, derive(password, salt, params)))
    assert.equal(calls, 0, 'making the dummy costs no hash: it is random bytes in the stored format')
    assert.equal(await passwords.verifyAgainstDummy('a guess'), false)
    assert.equal(calls, 1, 'the first unknown email pays for one check, exactly as a wrong password does')
  })

  test('`npm start` leaves libuv threads for queries: at most 2 of its 4 hash at once, and a refused request waits 2 s at most', () => {
    assert.ok(HASH_LIMITS.inFlight < 4, 'sqlite3 runs its queries on the same 4 threads as scrypt')
    assert.ok(HASH_LIMITS.waitMs <= 2_000 && Number.isFinite(HASH_LIMITS.queued))
  })

  const TARGETS = targets()
  for (const target of TARGETS) {
    const { label } = target
    const probes = target.refresh ? 'GET /me, POST /refresh and the page' : 'GET /me and the page'
    test(`${label}: a burst of registrations and logins past the bound on hashes in flight gets 503 with Retry-After and changes nothing; ${probes} answer meanwhile`, async (t) => {
      const { passwords, asked, release } = countedPasswords(SMALL)
      const app = await startApp(t, target.name, { dir: target.dir, passwords })
      const signedUp = await signUp(app)
      const alice = { ...signedUp, storedHash: (await app.db('users').where({ email: signedUp.email }).first()).password_hash as string }
      const phone = app.device('phone')
      expectStatus(await phone.login(alice.email, alice.password), 200)
      const usersBefore = await app.db('users').orderBy('id').select()
      const sessionsBefore = target.cookies ? (await app.db('sessions').count({ n: '*' }))[0].n : 0

      // The slot is taken; then 8 registrations and 8 logins arrive at once: two wait, the rest are refused.
      const order: string[] = []
      asked.count = 0
      const hold = passwords.verify(alice.storedHash, HOLD).then(() => order.push('the hashes are done'))
      const newcomers = Array.from({ length: 8 }, () => newAccount('newcomer'))
      let settled = 0
      const counted = (reply: Promise<Reply>) => reply.then((answer) => (settled++, answer))
      const registrations = newcomers.map((account) => counted(app.device().register(account.email, account.password)))
      const logins = Array.from({ length: 8 }, (_, i) => counted(app.device(`login ${i}`).login(alice.email, alice.password)))
      // The slot stays held, so those past the queue can only be answered by a refusal: they all are, at once.
      await until(() => settled >= 16 - SMALL.queued, 'the requests past the queue to be refused')
      // Now the queue is full: a password change is refused, and requests that hash nothing answer at once.
      const change = alice.device.changePassword(alice.password, 'a brand new passphrase')
      const probe = (name: string, reply: Promise<Reply>) => reply.then((answer) => (order.push(name), answer))
      const me = probe('GET /me', alice.device.me())
      const page = probe('GET /', app.device().get('/'))
      const refresh = target.refresh ? probe('POST /refresh', phone.refresh()) : undefined

      expectStatus(await me, 200, 'GET /me hashes nothing: it must answer during the burst')
      expectStatus(await page, 200, 'the page hashes nothing: it must answer during the burst')
      if (refresh) expectStatus(await refresh, 200, 'POST /refresh hashes nothing: it must answer during the burst')
      expectBusy(await change, 'POST /password while the queue is full')
      release()
      const answered = await Promise.all([...registrations, ...logins])
      await hold
      assert.deepEqual(order.slice(0, -1).sort(), ['GET /', 'GET /me', ...(refresh ? ['POST /refresh'] : [])].sort(), `${probes} must be answered while a hash holds the slot and two wait, not after them; the order was: ${order.join(', ')}`)

      const admitted = answered.filter((reply) => reply.status !== 503)
      assert.equal(admitted.length, SMALL.queued, `exactly the ${SMALL.queued} requests that found room in the queue go through, got ${admitted.length}: ${admitted.map(describeReply).join('; ')}`)
      for (const reply of answered) if (reply.status === 503) expectBusy(reply, `${reply.method} ${reply.path} in the burst`)
      for (const reply of admitted) assert.ok(reply.status === 200 || reply.status === 201, `a request let in is served: ${describeReply(reply)}`)

      // Nothing changed but what the admitted requests did.
      const registered = newcomers.filter((_, i) => answered[i].status === 201).map((account) => account.email)
      const usersAfter = await app.db('users').orderBy('id').select()
      assert.deepEqual(usersAfter.slice(0, usersBefore.length), usersBefore, 'a refused /password changes no password, and nobody else changed')
      assert.deepEqual(usersAfter.slice(usersBefore.length).map((user) => user.email).sort(), registered.sort(), 'only the registrations answered 201 created an account')
      if (target.cookies) {
        const loggedIn = answered.slice(newcomers.length).filter((reply) => reply.status === 200).length
        const sessionsAfter = (await app.db('sessions').count({ n: '*' }))[0].n
        assert.equal(Number(sessionsAfter), Number(sessionsBefore) + loggedIn, 'only the logins answered 200 wrote a session')
      }
      expectStatus(await app.device().login(alice.email, alice.password), 200, 'after the burst, logins are let in again')
    })
  }
  if (TARGETS.length === 0) test(`${flavour()}/ has no step yet (${DATABASE_KIND})`, { skip: true })
})
