// Secrets, through `npm start` itself (CONTRACT.md → "`npm start` environment"): production refuses to start
// without real secrets; development warns and uses values that say they are not secrets.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { loadSecrets } from '../lib/config.ts'
import { runStart, startServer, TEST_SECRETS } from './harness/attacks/server.ts'
import { flavour, targets } from './harness/attacks/targets.ts'

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

  test('in development without secrets: the server warns about each one and starts', async () => {
    const server = await startServer(STEP.name, SOLUTION, { DATABASE_FILE: ':memory:' })
    const exit = await server.stop('SIGTERM')
    assert.equal(exit.code, 0)
    assert.match(exit.stderr, /warning: ACCESS_TOKEN_SECRET is not set/)
    assert.match(exit.stderr, /warning: REFRESH_TOKEN_SECRET is not set/)
  })

  test('in development with both secrets equal: the server refuses to start too, in every mode', async () => {
    const env = { ...TEST_SECRETS, REFRESH_TOKEN_SECRET: TEST_SECRETS.ACCESS_TOKEN_SECRET, DATABASE_FILE: ':memory:' }
    const { child, exited } = runStart(STEP.name, SOLUTION, env)
    child.stdout!.on('data', (chunk) => /listening on/.test(String(chunk)) && child.kill('SIGKILL'))
    const timer = setTimeout(() => child.kill('SIGKILL'), 2 * 60_000) // a hang, not a slow start on a busy machine
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
