// Secrets, through `npm start` itself (README.md → "`npm start` environment"): production refuses to start
// without real secrets, or with a value that is not an encoded random key; development signs with this
// checkout's own random keys (never a value from the repo) and says where they are; the cookie steps load none.
// And the password cost: `npm start` hashes at OWASP's, measured here, and refuses the tests' cheaper one in production.
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { createSecretKey, randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { decodeKey, KEY_COMMAND, loadSecrets, readScryptCost, refuseUnusableEnvironment, usesTokenSecrets } from '../lib/config.ts'
import { DEV_SECRETS_DIR, randomKey } from '../lib/dev-secrets.ts'
import { openDatabase } from '../lib/db.ts'
import { CHEAP_SCRYPT_FOR_TESTS, createPasswords, NO_HASH_LIMITS, OWASP_SCRYPT } from '../lib/passwords.ts'
import { loadStep, ROOT, type StepName } from '../lib/steps.ts'
import { startApp } from './harness/app.ts'
import { OWASP_COST, runStart, startServer, TEST_SECRETS, type ChildServer, type Exit } from './harness/attacks/server.ts'
import { flavour, targets } from './harness/attacks/targets.ts'
import { freshDatabase, type TestDatabase } from './harness/database.ts'
import { Device } from './harness/device.ts'
import { expectJsonError, expectStatus } from './harness/expect.ts'

const STEP = targets().find((target) => target.number === 2)
const COOKIE_STEP = targets().find((target) => target.number === 1)
const SOLUTION = flavour() === 'solutions'
const STACK = /\n\s+at .+:\d+:\d+/
const quiet = () => {}

/**
 * `npm start` with `env`, which must refuse to start: it exits non-zero without listening (a server that starts
 * anyway is stopped at once, and fails here, so that it cannot hang the suite).
 */
async function refusedStart(step: string, env: Record<string, string>): Promise<Exit> {
  const { child, exited } = runStart(step as StepName, SOLUTION, env)
  child.stdout!.on('data', (chunk) => /listening on/.test(String(chunk)) && child.kill('SIGKILL'))
  const timer = setTimeout(() => child.kill('SIGKILL'), 2 * 60_000) // a hang, not a slow start on a busy machine
  const exit = await exited
  clearTimeout(timer)
  assert.notEqual(exit.code, 0, `it must not start:\n${exit.stdout}`)
  assert.doesNotMatch(exit.stdout, /listening on/, 'it must not listen')
  return exit
}

/**
 * The same refusal in this process: what scripts/start.ts calls first, with this environment, throws the one
 * sentence that start.ts prints as it is (it says "Refusing to start"), before any server or database exists.
 */
function expectRefusedBeforeServing(step: string, env: Record<string, string>, message: RegExp) {
  assert.throws(
    () => refuseUnusableEnvironment(step, { role: 'app', issues: false }, env),
    (err: Error) => {
      assert.match(err.message, message, 'the message should say what is wrong')
      assert.match(err.message, /Refusing to start/, 'the message should say that it refuses to start: start.ts prints such a message alone, without a stack trace')
      return true
    },
    'lib/config.ts → refuseUnusableEnvironment, which npm start calls before serving, must refuse this environment',
  )
}

/** A folder standing for another checkout's `.data/dev-secrets/`. */
function checkoutDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'workshop-dev-secrets-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  return join(dir, 'dev-secrets')
}

describe('secrets', { concurrency: true }, () => {
  if (!STEP) return

  // Each rule is checked against lib/config.ts → refuseUnusableEnvironment, the very function that
  // scripts/start.ts calls before it loads the server; one real `npm start` per kind of refusal (a secret, the
  // password cost; equal secrets in development, below) proves that start.ts calls it and prints its sentence.
  const refusals: Array<[string, Record<string, string>, RegExp, 'npm start' | 'in process']> = [
    ['without any secret', {}, /ACCESS_TOKEN_SECRET and REFRESH_TOKEN_SECRET are not set/, 'npm start'],
    ['with a key of 31 random bytes', { ...TEST_SECRETS, ACCESS_TOKEN_SECRET: randomBytes(31).toString('base64url') }, /ACCESS_TOKEN_SECRET decodes to 31 bytes, fewer than 32/, 'in process'],
    ['with a passphrase instead of an encoded key', { ...TEST_SECRETS, REFRESH_TOKEN_SECRET: 'correct horse battery staple, long enough to be 32 bytes' }, /REFRESH_TOKEN_SECRET is not an encoded random key/, 'in process'],
    ['with both secrets equal', { ...TEST_SECRETS, REFRESH_TOKEN_SECRET: TEST_SECRETS.ACCESS_TOKEN_SECRET }, /equal/, 'in process'],
    ['with TEST_ONLY_SCRYPT_N=16, the tests’ password cost', { ...TEST_SECRETS, TEST_ONLY_SCRYPT_N: '16' }, /TEST_ONLY_SCRYPT_N is set/, 'npm start'],
  ]
  for (const [name, env, message, how] of refusals) {
    test(`NODE_ENV=production ${name}: the server refuses to start, with a clear message and no stack trace`, async () => {
      if (how === 'in process') return expectRefusedBeforeServing(STEP.name, { ...env, NODE_ENV: 'production' }, message)
      const exit = await refusedStart(STEP.name, { ...env, NODE_ENV: 'production', DATABASE_FILE: ':memory:' })
      assert.match(exit.stderr, message, `the message should say what is wrong, got:\n${exit.stderr}`)
      assert.match(exit.stderr, /Refusing to start/, 'the message should say that it refuses to start')
      assert.doesNotMatch(exit.stderr, STACK, `no stack trace, just the sentence:\n${exit.stderr}`)
    })
  }

  test('NODE_ENV=production with two distinct encoded random keys: the server starts quietly', async () => {
    const server = await startServer(STEP.name, SOLUTION, { ...TEST_SECRETS, NODE_ENV: 'production', DATABASE_FILE: ':memory:' })
    const exit = await server.stop('SIGTERM')
    assert.equal(exit.code, 0)
    assert.doesNotMatch(exit.stderr, /warning/i, 'real secrets need no warning')
  })

  test('a step that signs no token (step 01) loads no secret and says nothing about them', { skip: !COOKIE_STEP && 'no step 01 in this flavour' }, async () => {
    const server = await startServer(COOKIE_STEP!.name, SOLUTION, { DATABASE_FILE: ':memory:' })
    const exit = await server.stop('SIGTERM')
    assert.equal(exit.code, 0)
    assert.doesNotMatch(exit.stderr, /SECRET|warning: (?!TEST_ONLY_SCRYPT_N)/, `step 01 keeps sessions, not tokens: no word about token secrets, got:\n${exit.stderr}`)
  })

  test('only steps 02–05 sign tokens with these secrets', () => {
    assert.deepEqual(
      targets('solutions').filter((target) => usesTokenSecrets(target.name)).map((target) => target.number),
      [2, 3, 4, 5].filter((number) => targets('solutions').some((target) => target.number === number)),
    )
  })

  test("two checkouts' development keys differ: a token from one checkout's app does not verify in the other's", async (t) => {
    const here = checkoutDir(t)
    const there = checkoutDir(t)
    const mine = await startApp(t, STEP.name, { dir: STEP.dir, secrets: loadSecrets({}, quiet, here) })
    const theirs = await startApp(t, STEP.name, { dir: STEP.dir, secrets: loadSecrets({}, quiet, there) })
    for (const app of [mine, theirs]) expectStatus(await app.device().register('alice@example.com', 'correct horse battery'), 201)
    const alice = mine.device('alice')
    expectStatus(await alice.login('alice@example.com', 'correct horse battery'), 200)
    expectStatus(await alice.me(), 200)
    const elsewhere = alice.copy('the same token at the other checkout')
    Object.assign(elsewhere, { url: theirs.url })
    expectJsonError(await elsewhere.me(), 401, "another checkout's app must refuse this checkout's token: development keys are random per checkout, never a value from the repo")
    // The same checkout, read again, is the same key: what a restart sees.
    assert.ok(loadSecrets({}, quiet, here).access.equals(mine.secrets.access), 'a second read of the same folder gives the same key')
  })

  test('loadSecrets: production refuses a missing, a short or a non-encoded secret; development warns and goes on', (t) => {
    const dir = checkoutDir(t)
    const good = { ACCESS_TOKEN_SECRET: randomKey(), REFRESH_TOKEN_SECRET: randomKey() }
    const cases: Array<[string, Record<string, string>, RegExp]> = [
      ['no REFRESH_TOKEN_SECRET', { ACCESS_TOKEN_SECRET: good.ACCESS_TOKEN_SECRET }, /REFRESH_TOKEN_SECRET is not set/],
      ['16 random bytes', { ...good, ACCESS_TOKEN_SECRET: randomBytes(16).toString('base64') }, /decodes to 16 bytes/],
      ['a phrase of 40 characters', { ...good, ACCESS_TOKEN_SECRET: 'my very own long and secret passphrase!!' }, /not an encoded random key/],
      ['a key quoted twice in a .env file', { ...good, REFRESH_TOKEN_SECRET: `"${randomKey()}"` }, /not an encoded random key/],
    ]
    for (const [what, env, message] of cases) {
      assert.throws(() => loadSecrets({ ...env, NODE_ENV: 'production' }, quiet, dir), (err: Error) => message.test(err.message) && /Refusing to start/.test(err.message), `production with ${what}`)
      if (Object.keys(env).length < 2) continue
      const warnings: string[] = []
      loadSecrets(env, (line) => warnings.push(line), dir)
      assert.match(warnings.join('\n'), message, `development with ${what}: a warning that says what is wrong`)
      assert.match(warnings.join('\n'), /randomBytes\(32\)/, 'and the command that makes a right one')
    }
    const warnings: string[] = []
    const secrets = loadSecrets({ ...good, NODE_ENV: 'production' }, (line) => warnings.push(line), dir)
    assert.deepEqual(warnings, [])
    assert.ok(secrets.access.equals(createSecretKey(decodeKey(good.ACCESS_TOKEN_SECRET)!)), 'the key is the decoded bytes, not the text')
  })

  test('an encoded random key may be base64url or base64 (with padding), and the README shows the command that makes one', () => {
    const bytes = Buffer.from(randomKey(), 'base64url')
    assert.deepEqual(decodeKey(bytes.toString('base64url')), bytes)
    assert.deepEqual(decodeKey(bytes.toString('base64')), bytes, 'openssl rand -base64 32 prints this form')
    const made = execFileSync('bash', ['-c', KEY_COMMAND], { encoding: 'utf8' }).trim()
    assert.equal(decodeKey(made)?.length, 32, `${KEY_COMMAND} should print an encoded key of 32 bytes`)
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8')
    assert.ok(readme.includes(KEY_COMMAND), `README.md should show the command that makes a key: ${KEY_COMMAND}`)
  })

  // One development server, started as a presenter starts it (no secrets, no TEST_ONLY_SCRYPT_N), for the
  // password cost it hashes at and what that cost measures, where it finds its keys, and its SIGTERM: the
  // restart that shows the keys kept is this server stopped and started again on its database.
  describe('npm start in development, as a presenter starts it', { concurrency: false }, () => {
    let server: ChildServer
    let database: TestDatabase
    before(async () => {
      database = await freshDatabase('file', 'owasp-cost')
      server = await startServer(STEP.name, SOLUTION, { ...database.env, ...OWASP_COST })
    })
    after(async () => {
      await server?.stop('SIGKILL')
      await database?.drop()
    })

    test('without TEST_ONLY_SCRYPT_N, npm start stores passwords hashed at OWASP’s cost: scrypt N=2^17, r=8, p=1', async () => {
      expectStatus(await new Device(server.url).register('owasp@example.com', 'a long enough password'), 201)
      const db = await openDatabase(database.location, (await loadStep(STEP.dir)).migrations, { poolSize: 1 })
      try {
        const [hash] = await db('users').where({ email: 'owasp@example.com' }).pluck('password_hash')
        const { N, r, p } = OWASP_SCRYPT
        assert.ok(String(hash).startsWith(`scrypt$N=${N},r=${r},p=${p}$`), `the stored hash should name OWASP's cost (lib/passwords.ts → OWASP_SCRYPT), got ${String(hash).split('$').slice(0, 2).join('$')}`)
        assert.doesNotMatch(server.output().stderr, /TEST_ONLY_SCRYPT_N/, 'no test-only cost may be in force here')
      } finally {
        await db.destroy()
      }
    })

    test('measured: a registration on that server spends OWASP’s price in CPU, at least 0.1 s (0.7 s on the workshop’s machine)', async (t) => {
      // CPU time of the server process (every thread: scrypt runs on libuv's pool), from the kernel: a sleep
      // could pass a stopwatch, not this. The bound is low enough for a fast machine, and load only adds to it.
      const cpu = () => {
        const fields = readFileSync(`/proc/${server.child.pid}/stat`, 'utf8').split(') ')[1].split(' ')
        return (Number(fields[11]) + Number(fields[12])) / 100 // utime + stime, in ticks of 1/100 s
      }
      const before = cpu()
      const started = performance.now()
      expectStatus(await new Device(server.url).register('measured@example.com', 'a long enough password'), 201)
      const wall = (performance.now() - started) / 1000
      const spent = cpu() - before
      t.diagnostic(`one registration: ${spent.toFixed(2)} s of the server's CPU, ${wall.toFixed(2)} s of wall`)
      assert.ok(spent >= 0.1, `a registration cost the server only ${spent.toFixed(2)} s of CPU: OWASP's scrypt (N=2^17) takes far more. Is npm start hashing at OWASP's cost (lib/config.ts → readScryptCost)?`)
      assert.ok(wall >= 0.1, `a registration took only ${wall.toFixed(2)} s`)
    })

    test('in development without secrets: the server says once where its keys are, and a restart keeps them (a token from before still works)', async () => {
      // Alice goes straight into the database with a cheap hash, so that her login costs no OWASP hash.
      const db = await openDatabase(database.location, (await loadStep(STEP.dir)).migrations, { poolSize: 1 })
      await db('users').insert({ email: 'alice@example.com', password_hash: await createPasswords(CHEAP_SCRYPT_FOR_TESTS, NO_HASH_LIMITS).hash('correct horse battery') })
      await db.destroy()

      const laptop = new Device(server.url, 'laptop')
      try {
        expectStatus(await laptop.login('alice@example.com', 'correct horse battery'), 200)
      } finally {
        const exit = await server.stop('SIGTERM')
        const lines = exit.stderr.split('\n').filter((line) => /SECRET/.test(line))
        assert.equal(lines.length, 1, `one line about the secrets, saying where they are, got:\n${exit.stderr}`)
        assert.match(lines[0], /ACCESS_TOKEN_SECRET and REFRESH_TOKEN_SECRET are not set: signing with this checkout's development keys in \.data\/dev-secrets\//)
      }
      for (const name of ['ACCESS_TOKEN_SECRET', 'REFRESH_TOKEN_SECRET']) {
        const key = decodeKey(readFileSync(join(DEV_SECRETS_DIR, name), 'utf8').trim())
        assert.ok(key && key.length >= 32, `.data/dev-secrets/${name} should hold an encoded random key of 32+ bytes`)
      }

      const second = await startServer(STEP.name, SOLUTION, database.env)
      try {
        Object.assign(laptop, { url: second.url })
        expectStatus(await laptop.me(), 200, 'the restarted server read the same development keys from .data/dev-secrets/: the token from before it still verifies')
      } finally {
        await second.stop('SIGTERM')
      }
    })

    test('SIGTERM stops it with exit code 0', async () => {
      // The test before stopped it with SIGTERM already (its restart); stopping again answers that exit.
      const exit = await server.stop('SIGTERM')
      assert.equal(exit.code, 0, `SIGTERM should end the server with exit code 0, got ${exit.code ?? exit.signal}\n${exit.stderr}`)
    })
  })

  test('TEST_ONLY_SCRYPT_N: OWASP’s cost when unset; refused under NODE_ENV=production; a power of two below OWASP’s, announced with a warning', () => {
    const quiet = () => {}
    assert.deepEqual(readScryptCost({}, quiet), OWASP_SCRYPT, 'unset: OWASP’s cost')
    assert.deepEqual(readScryptCost({ TEST_ONLY_SCRYPT_N: '' }, quiet), OWASP_SCRYPT, 'empty: OWASP’s cost')
    assert.throws(() => readScryptCost({ NODE_ENV: 'production', TEST_ONLY_SCRYPT_N: '16' }, quiet), /Refusing to start with NODE_ENV=production/)
    for (const bad of ['1', '15', '131072', '16k', '-16']) {
      assert.throws(() => readScryptCost({ TEST_ONLY_SCRYPT_N: bad }, quiet), /must be a power of two below OWASP/, `TEST_ONLY_SCRYPT_N=${bad} must be refused`)
    }
    const warnings: string[] = []
    assert.deepEqual(readScryptCost({ TEST_ONLY_SCRYPT_N: '16' }, (line) => warnings.push(line)), { ...OWASP_SCRYPT, N: 16 })
    assert.match(warnings.join('\n'), /warning: TEST_ONLY_SCRYPT_N=16: .*For tests only/, 'a test-only cost must say so when the server starts')
  })

  test('in development with both secrets equal: the server refuses to start too, in every mode', async () => {
    const exit = await refusedStart(STEP.name, { ...TEST_SECRETS, REFRESH_TOKEN_SECRET: TEST_SECRETS.ACCESS_TOKEN_SECRET, DATABASE_FILE: ':memory:' })
    assert.match(exit.stderr, /equal/, `with one key for both kinds, only \`typ\` would keep them apart: the message should say that the secrets are equal, got:\n${exit.stderr}`)
    assert.match(exit.stderr, /Refusing to start/, 'the message should say that it refuses to start')
    assert.doesNotMatch(exit.stderr, STACK, `no stack trace, just the sentence:\n${exit.stderr}`)
  })

  test('loadSecrets refuses equal secrets whatever NODE_ENV says', () => {
    const same = randomKey()
    for (const NODE_ENV of [undefined, 'development', 'test', 'production']) {
      assert.throws(() => loadSecrets({ NODE_ENV, ACCESS_TOKEN_SECRET: same, REFRESH_TOKEN_SECRET: same }, quiet), /equal/, `NODE_ENV=${NODE_ENV}: equal secrets must be refused`)
    }
  })

  test('a damaged development key file is refused with the way out, never used as it is', (t) => {
    const dir = checkoutDir(t)
    loadSecrets({}, quiet, dir)
    writeFileSync(join(dir, 'ACCESS_TOKEN_SECRET'), 'hunter2\n')
    assert.throws(() => loadSecrets({}, quiet, dir), /delete that file/)
  })
})
