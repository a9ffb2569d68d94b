// Restarts lose nothing, and SIGTERM stops cleanly: every step as `npm start` runs it, in a child process,
// with a SQLite file in a temporary folder (like .data/) or a PostgreSQL schema, real scrypt (at the tests' cost,
// TEST_ONLY_SCRYPT_N: no hash is under test here; reliability-secrets.test.ts measures OWASP's) and fixed secrets.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { openDatabase } from '../lib/db.ts'
import { CHEAP_SCRYPT_FOR_TESTS, createPasswords, NO_HASH_LIMITS } from '../lib/passwords.ts'
import { loadStep } from '../lib/steps.ts'
import { startServer, TEST_SECRETS, type ChildServer, type Exit } from './harness/attacks/server.ts'
import { flavour, targets, type Target } from './harness/attacks/targets.ts'
import { DATABASE_KIND, freshDatabase } from './harness/database.ts'
import { Device } from './harness/device.ts'
import { expectJsonError, expectStatus } from './harness/expect.ts'

const CLOSING_LINE = /SIGTERM: closing the server and the database/

function expectCleanExit(exit: Exit, what: string) {
  assert.equal(exit.code, 0, `${what}: SIGTERM should end the server with exit code 0, got ${exit.code ?? exit.signal}\n${exit.stderr}`)
  assert.match(exit.stdout, CLOSING_LINE, `${what}: SIGTERM should print its closing line`)
  assert.doesNotMatch(exit.stderr, /\bat .+:\d+:\d+|SQLITE_/, `${what}: stopping printed an error:\n${exit.stderr}`)
}

/** Alice's account goes straight into the file, before any server runs: a restart must find what it did not write. */
async function seed(target: Target, file: string, email: string, password: string) {
  const step = await loadStep(target.dir)
  const db = await openDatabase(file, step.migrations)
  try {
    await db('users').insert({ email, password_hash: await createPasswords(CHEAP_SCRYPT_FOR_TESTS, NO_HASH_LIMITS).hash(password) })
  } finally {
    await db.destroy()
  }
}

async function usersIn(target: Target, file: string): Promise<string[]> {
  const db = await openDatabase(file, (await loadStep(target.dir)).migrations)
  try {
    return await db('users').orderBy('email').pluck('email')
  } finally {
    await db.destroy()
  }
}

const TARGETS = targets()

describe(`restarts and SIGTERM, against ${flavour()}/ on ${DATABASE_KIND}`, { concurrency: true }, () => {
  if (TARGETS.length === 0) test(`${flavour()}/ has no step yet`, { skip: true })
  for (const target of TARGETS) {
    test(`${target.label}: a restarted server keeps users, sessions, versions and revocations, and SIGTERM exits 0 both times`, async (t) => {
      const database = await freshDatabase('file', target.label)
      t.after(() => database.drop())
      const env = { ...TEST_SECRETS, ...database.env }
      const alice = { email: 'alice@example.com', password: 'correct horse battery' }
      await seed(target, database.location, alice.email, alice.password)
      const servers: ChildServer[] = []
      t.after(() => Promise.all(servers.map((server) => server.stop('SIGKILL'))))
      const start = async () => {
        const server = await startServer(target.name, flavour() === 'solutions', env)
        servers.push(server)
        return server
      }

      // Before the restart: a registration, two devices, a refresh, a logout.
      const first = await start()
      expectStatus(await new Device(first.url).register(' Bob@Example.com', 'bob’s own long password'), 201, 'POST /register')
      const laptop = new Device(first.url, 'laptop')
      const phone = new Device(first.url, 'phone')
      expectStatus(await laptop.login(alice.email, alice.password), 200)
      expectStatus(await phone.login(alice.email, alice.password), 200)
      const usedRefreshToken = phone.refreshToken
      if (target.refresh) expectStatus(await phone.refresh(), 200, 'POST /refresh before the restart')
      expectStatus(await laptop.logout(), 204, 'POST /logout before the restart')
      expectCleanExit(await first.stop('SIGTERM'), 'the first server')

      // After it: the same file, the same secrets, a new process.
      const second = await start()
      for (const device of [laptop, phone]) Object.assign(device, { url: second.url })
      const again = new Device(second.url, 'alice again')
      expectStatus(await again.login(alice.email, alice.password), 200, 'alice can still log in after a restart')
      expectStatus(await phone.me(), 200, "the phone's credential survives a restart")
      if (target.cookies || target.number === 5) {
        expectJsonError(await laptop.me(), 401, 'a logged-out session or a revoked access token must stay dead after a restart')
      }
      if (target.number === 3) expectStatus(await phone.refresh(), 200, "the phone's refresh token still works after a restart")
      if (target.number === 4) {
        expectJsonError(await phone.refresh(), 401, 'the bumped refresh_token_version must survive a restart')
        expectJsonError(await laptop.refresh(), 401, 'the bumped refresh_token_version must survive a restart')
      }
      if (target.number === 5) {
        expectJsonError(await laptop.refresh(), 401, "the laptop's revoked refresh token must stay revoked after a restart")
        expectStatus(await phone.refresh(), 200, "the phone's current refresh token still works after a restart")
        const replay = phone.copy('a thief replaying')
        replay.refreshToken = usedRefreshToken
        expectJsonError(await replay.refresh(), 401, 'a consumed refresh token must stay consumed after a restart')
      }
      expectCleanExit(await second.stop('SIGTERM'), 'the restarted server')
      assert.deepEqual(await usersIn(target, database.location), ['alice@example.com', 'bob@example.com'], 'both users are in the database')
    })
  }
})
