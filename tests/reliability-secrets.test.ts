// Secrets, through `npm start` itself (CONTRACT.md → "`npm start` environment"): production refuses to start
// without real secrets; development warns and uses values that say they are not secrets. And the password
// cost: `npm start` hashes at OWASP's, measured here, and refuses the tests' cheaper one in production.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { after, before, describe, test } from 'node:test'
import { loadSecrets, readScryptCost } from '../lib/config.ts'
import { openDatabase } from '../lib/db.ts'
import { OWASP_SCRYPT } from '../lib/passwords.ts'
import { loadStep } from '../lib/steps.ts'
import { OWASP_COST, runStart, startServer, TEST_SECRETS, type ChildServer } from './harness/attacks/server.ts'
import { flavour, targets } from './harness/attacks/targets.ts'
import { freshDatabase, type TestDatabase } from './harness/database.ts'
import { Device } from './harness/device.ts'
import { expectStatus } from './harness/expect.ts'

const STEP = targets().find((target) => target.number === 2) ?? targets()[0]
const SOLUTION = flavour() === 'solutions'
const STACK = /\n\s+at .+:\d+:\d+/

const DEV = loadSecrets({}, () => {})
const text = (key: { export(): Buffer }) => key.export().toString()

describe('secrets', { concurrency: true }, () => {
  if (!STEP) return

  const refusals: Array<[string, Record<string, string>, RegExp]> = [
    ['without any secret', {}, /ACCESS_TOKEN_SECRET is not set/],
    ['without REFRESH_TOKEN_SECRET', { ACCESS_TOKEN_SECRET: TEST_SECRETS.ACCESS_TOKEN_SECRET }, /REFRESH_TOKEN_SECRET is not set/],
    ['with an ACCESS_TOKEN_SECRET of 31 bytes', { ...TEST_SECRETS, ACCESS_TOKEN_SECRET: 'x'.repeat(31) }, /ACCESS_TOKEN_SECRET is shorter than 32 bytes/],
    ['with a REFRESH_TOKEN_SECRET of 31 bytes', { ...TEST_SECRETS, REFRESH_TOKEN_SECRET: 'y'.repeat(31) }, /REFRESH_TOKEN_SECRET is shorter than 32 bytes/],
    ['with both secrets equal', { ...TEST_SECRETS, REFRESH_TOKEN_SECRET: TEST_SECRETS.ACCESS_TOKEN_SECRET }, /equal/],
    ['with the development secrets', { ACCESS_TOKEN_SECRET: text(DEV.access), REFRESH_TOKEN_SECRET: text(DEV.refresh) }, /development value/],
    ['with TEST_ONLY_SCRYPT_N=16, the tests’ password cost', { ...TEST_SECRETS, TEST_ONLY_SCRYPT_N: '16' }, /TEST_ONLY_SCRYPT_N is set/],
  ]
  for (const [name, env, message] of refusals) {
    test(`NODE_ENV=production ${name}: the server refuses to start, with a clear message and no stack trace`, async () => {
      const { child, exited } = runStart(STEP.name, SOLUTION, { ...env, NODE_ENV: 'production', DATABASE_FILE: ':memory:' })
      // A server that starts anyway is stopped at once (and fails below), so that it cannot hang the suite.
      child.stdout!.on('data', (chunk) => /listening on/.test(String(chunk)) && child.kill('SIGKILL'))
      const timer = setTimeout(() => child.kill('SIGKILL'), 2 * 60_000) // a hang, not a slow start
      const exit = await exited
      clearTimeout(timer)
      assert.notEqual(exit.code, 0, `it must not start:\n${exit.stdout}`)
      assert.doesNotMatch(exit.stdout, /listening on/, 'it must not listen')
      assert.match(exit.stderr, message, `the message should say what is wrong, got:\n${exit.stderr}`)
      assert.match(exit.stderr, /Refusing to start/, 'the message should say that it refuses to start')
      assert.doesNotMatch(exit.stderr, STACK, `no stack trace, just the sentence:\n${exit.stderr}`)
    })
  }

  test('NODE_ENV=production with two distinct secrets of 32+ bytes: the server starts quietly', async () => {
    const server = await startServer(STEP.name, SOLUTION, { ...TEST_SECRETS, NODE_ENV: 'production', DATABASE_FILE: ':memory:' })
    const exit = await server.stop('SIGTERM')
    assert.equal(exit.code, 0)
    assert.doesNotMatch(exit.stderr, /warning/i, 'real secrets need no warning')
  })

  // One development server, started as a presenter starts it (no secrets, no TEST_ONLY_SCRYPT_N), for the
  // warnings, the password cost it hashes at and what that cost measures, and its SIGTERM.
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

    test('in development without secrets: the server warns about each one and starts', () => {
      assert.match(server.output().stderr, /warning: ACCESS_TOKEN_SECRET is not set/)
      assert.match(server.output().stderr, /warning: REFRESH_TOKEN_SECRET is not set/)
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

    test('SIGTERM stops it with exit code 0', async () => {
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
    const env = { ...TEST_SECRETS, REFRESH_TOKEN_SECRET: TEST_SECRETS.ACCESS_TOKEN_SECRET, DATABASE_FILE: ':memory:' }
    const { child, exited } = runStart(STEP.name, SOLUTION, env)
    child.stdout!.on('data', (chunk) => /listening on/.test(String(chunk)) && child.kill('SIGKILL'))
    const timer = setTimeout(() => child.kill('SIGKILL'), 2 * 60_000) // a hang, not a slow start
    const exit = await exited
    clearTimeout(timer)
    assert.notEqual(exit.code, 0, `with one key for both kinds, only \`typ\` would keep them apart: it must not start:\n${exit.stdout}`)
    assert.doesNotMatch(exit.stdout, /listening on/, 'it must not listen')
    assert.match(exit.stderr, /equal/, `the message should say that the secrets are equal, got:\n${exit.stderr}`)
    assert.match(exit.stderr, /Refusing to start/, 'the message should say that it refuses to start')
    assert.doesNotMatch(exit.stderr, STACK, `no stack trace, just the sentence:\n${exit.stderr}`)
  })

  test('loadSecrets refuses equal secrets whatever NODE_ENV says', () => {
    const same = 'the same secret for both kinds, 32+ bytes long'
    for (const NODE_ENV of [undefined, 'development', 'test', 'production']) {
      assert.throws(() => loadSecrets({ NODE_ENV, ACCESS_TOKEN_SECRET: same, REFRESH_TOKEN_SECRET: same }, () => {}), /equal/, `NODE_ENV=${NODE_ENV}: equal secrets must be refused`)
    }
  })

  test('the development secrets say what they are, and differ from each other', () => {
    for (const key of [DEV.access, DEV.refresh]) {
      assert.match(text(key), /dev-only.*not a secret/, 'a development value must announce that it is not a secret, so nobody ships it')
      assert.ok(key.export().length >= 32, 'even the development value is long enough for HS256')
    }
    assert.ok(!DEV.access.equals(DEV.refresh), 'two development values, so that token kinds stay apart in development too')
  })
})
