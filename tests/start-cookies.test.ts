// The cookie's Secure flag, through `npm start` itself (README.md → "Commands", and steps/step-01-sessions/README.md → "The idea"):
// TRUST_PROXY=1 trusts the TLS-terminating proxy in front, NODE_ENV=production makes the cookie always Secure.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { openDatabase } from '../lib/db.ts'
import { CHEAP_SCRYPT_FOR_TESTS, createPasswords, NO_HASH_LIMITS } from '../lib/passwords.ts'
import { loadStep } from '../lib/steps.ts'
import { runStart, startServer, TEST_SECRETS } from './harness/attacks/server.ts'
import { flavour, targets } from './harness/attacks/targets.ts'
import { freshDatabase, type TestDatabase } from './harness/database.ts'
import { Device } from './harness/device.ts'
import { expectSessionCookie, expectStatus } from './harness/expect.ts'
import { newAccount, type Account } from './harness/users.ts'

const STEP = targets().find((target) => target.cookies)
const SOLUTION = flavour() === 'solutions'

async function loginCookie(url: string, headers: Record<string, string>, seeded?: Account): Promise<string> {
  const device = new Device(url, 'browser')
  const account = seeded ?? newAccount()
  if (!seeded) expectStatus(await device.register(account.email, account.password), 201)
  const reply = await device.post('/login', account, { headers })
  expectStatus(reply, 200)
  return expectSessionCookie(reply, 'login must set the `sid` cookie')
}

/**
 * An account put straight into the server's database, its password hashed at the tests' cost. A production
 * server hashes at OWASP's cost (0.7 s of CPU here) and refuses TEST_ONLY_SCRYPT_N, but it checks a password at
 * the cost its stored hash names: the login is cheap, and a registration's OWASP hash is not what this suite is about.
 */
async function seed(database: TestDatabase): Promise<Account> {
  const account = newAccount()
  const db = await openDatabase(database.location, (await loadStep(STEP!.dir)).migrations)
  try {
    await db('users').insert({ email: account.email, password_hash: await createPasswords(CHEAP_SCRYPT_FOR_TESTS, NO_HASH_LIMITS).hash(account.password) })
  } finally {
    await db.destroy()
  }
  return account
}

describe('npm start: how the session cookie travels', { concurrency: true }, () => {
  if (!STEP) return

  test('TRUST_PROXY=1: behind a TLS-terminating proxy (X-Forwarded-Proto: https) the cookie is Secure', async () => {
    const server = await startServer(STEP.name, SOLUTION, { ...TEST_SECRETS, TRUST_PROXY: '1', DATABASE_FILE: ':memory:' })
    try {
      const cookie = await loginCookie(server.url, { 'X-Forwarded-Proto': 'https', 'X-Forwarded-Host': 'app.example' })
      assert.match(cookie, /;\s*secure/i, `npm start with TRUST_PROXY=1 must trust the proxy's X-Forwarded-Proto (Koa's app.proxy), got: ${cookie}`)
    } finally {
      await server.stop()
    }
  })

  test('NODE_ENV=production: the cookie is Secure even on a plain HTTP request', async () => {
    const database = await freshDatabase('file', 'start-cookies')
    const server = await startServer(STEP.name, SOLUTION, { ...TEST_SECRETS, NODE_ENV: 'production', ...database.env })
    try {
      const cookie = await loginCookie(server.url, {}, await seed(database))
      assert.match(cookie, /;\s*secure/i, `in production the session cookie must never travel over plain HTTP, got: ${cookie}`)
    } finally {
      await server.stop()
      await database.drop()
    }
  })

  test('TRUST_PROXY=yes (not 1): the server refuses to start rather than guess', async () => {
    const { child, exited } = runStart(STEP.name, SOLUTION, { ...TEST_SECRETS, TRUST_PROXY: 'yes', DATABASE_FILE: ':memory:' })
    child.stdout!.on('data', (chunk) => /listening on/.test(String(chunk)) && child.kill('SIGKILL'))
    const timer = setTimeout(() => child.kill('SIGKILL'), 2 * 60_000) // a hang, not a slow start on a busy machine
    const exit = await exited
    clearTimeout(timer)
    assert.notEqual(exit.code, 0, `it must not start:\n${exit.stdout}`)
    assert.match(exit.stderr, /TRUST_PROXY must be 1/, `the message should say what TRUST_PROXY takes, got:\n${exit.stderr}`)
  })
})
