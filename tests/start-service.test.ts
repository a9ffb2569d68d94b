// Step 07 through `npm start` itself (steps/step-07-service-tokens/README.md): two processes, the app and its reports service,
// started together, talking over real sockets, and stopped together by one SIGTERM; SIGNING_KEYS in production.
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { describe, test } from 'node:test'
import { refuseUnusableEnvironment } from '../lib/config.ts'
import { newPrivateJwk } from '../lib/signing-keys.ts'
import { runStart, TEST_SECRETS } from './harness/attacks/server.ts'
import { flavour, targets } from './harness/attacks/targets.ts'
import { Device } from './harness/device.ts'
import { expectJsonError, expectStatus } from './harness/expect.ts'

const STEP = targets().find((target) => target.number === 7)
const SOLUTION = flavour() === 'solutions'
const STACK = /\n\s+at .+:\d+:\d+/

/** Runs `npm start` until `lines` have all been printed; answers their URLs, the child and its exit. */
async function started(env: Record<string, string>, lines: RegExp[], extra: string[] = []) {
  const run = runStart(STEP!.name, SOLUTION, env, extra)
  const urls = await new Promise<string[]>((resolve, reject) => {
    const timer = setTimeout(() => {
      run.child.kill('SIGKILL')
      reject(new Error(`no ${lines.join(' and ')} in 2 minutes:\n${run.output().stdout}${run.output().stderr}`))
    }, 2 * 60_000)
    const look = () => {
      const found = lines.map((line) => line.exec(run.output().stdout)?.[1])
      if (found.every(Boolean)) {
        clearTimeout(timer)
        resolve(found.map((url) => url!.replace('localhost', '127.0.0.1')))
      }
    }
    run.child.stdout!.on('data', look)
    run.exited.then((exit) => {
      clearTimeout(timer)
      reject(new Error(`npm start exited (code ${exit.code}) before listening:\n${exit.stdout}${exit.stderr}`))
    })
  })
  return { ...run, urls }
}

const APP_LINE = /^listening on (http:\/\/localhost:\d+)$/m
const SERVICE_LINE = /^service listening on (http:\/\/localhost:\d+)$/m

/** The process ids whose parent is `pid`, from procps `ps` (Linux); elsewhere undefined, and the count is not checked. */
function childrenOf(pid: number): number[] | undefined {
  if (process.platform !== 'linux') return undefined
  try {
    return execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number)
  } catch {
    return undefined
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

describe('step 07 through npm start: the app and its reports service', { concurrency: true }, () => {
  if (!STEP) return test(`${flavour()}/ has no step 07 yet`, { skip: true })
  const keys = JSON.stringify([newPrivateJwk('start-key')])

  test('npm start -- step-07 starts both, a token from the app verifies at the service, and one SIGTERM stops both within 10 s', async () => {
    const run = await started({ ...TEST_SECRETS, SIGNING_KEYS: keys, DATABASE_FILE: ':memory:' }, [APP_LINE, SERVICE_LINE])
    const [app, service] = run.urls
    const children = childrenOf(run.child.pid!)
    if (children) assert.equal(children.length, 1, `npm start should run the service as one child process, found ${children.length}`)
    const device = new Device(app, 'laptop')
    expectStatus(await device.register('ada@example.com', 'correct horse battery'), 201)
    expectStatus(await device.login('ada@example.com', 'correct horse battery'), 200)
    const minted = await device.post('/token', { audience: 'reports' })
    expectStatus(minted, 200)
    const caller = new Device(service, 'the page')
    caller.accessToken = minted.body.token
    const reply = await caller.me()
    expectStatus(reply, 200, 'the service fetches the keys from the app over HTTP and verifies the token')
    assert.deepEqual(reply.body, { user: { id: String((await device.me()).body.user.id) }, service: 'reports' })
    expectJsonError(await new Device(service).me(), 401)

    const stopAt = Date.now()
    run.child.kill('SIGTERM')
    const exit = await run.exited
    assert.ok(Date.now() - stopAt < 10_000, 'both processes stop within 10 s')
    assert.equal(exit.code, 0, `npm start exits cleanly:\n${exit.stderr}`)
    for (const pid of children ?? []) assert.equal(alive(pid), false, `the service (pid ${pid}) must not be left serving`)
  })

  test('--app starts the app alone, --service the service alone (it reads ISSUER)', async () => {
    const appOnly = await started({ ...TEST_SECRETS, SIGNING_KEYS: keys, DATABASE_FILE: ':memory:' }, [APP_LINE], ['--app'])
    try {
      assert.equal(childrenOf(appOnly.child.pid!)?.length ?? 0, 0, '--app starts no service')
      const [app] = appOnly.urls
      const serviceOnly = await started({ ISSUER: app.replace('127.0.0.1', 'localhost'), SERVICE_PORT: '0' }, [SERVICE_LINE], ['--service'])
      try {
        assert.doesNotMatch(serviceOnly.output().stdout, APP_LINE, '--service starts no app')
        const device = new Device(app, 'laptop')
        expectStatus(await device.register('bob@example.com', 'correct horse battery'), 201)
        expectStatus(await device.login('bob@example.com', 'correct horse battery'), 200)
        const caller = new Device(serviceOnly.urls[0], 'the page')
        caller.accessToken = (await device.post('/token', { audience: 'reports' })).body.token
        expectStatus(await caller.me(), 200, 'the lone service verifies the lone app’s token')
      } finally {
        serviceOnly.child.kill('SIGTERM')
        await serviceOnly.exited
      }
    } finally {
      appOnly.child.kill('SIGTERM')
      await appOnly.exited
    }
  })

  // Each rule is checked against lib/config.ts → refuseUnusableEnvironment, the very function that
  // scripts/start.ts calls before it loads the server; one real `npm start` (no SIGNING_KEYS) proves that
  // start.ts calls it for step 07, prints its sentence and exits.
  const refusals: Array<[string, Record<string, string>, RegExp, 'npm start' | 'in process']> = [
    ['without SIGNING_KEYS', {}, /SIGNING_KEYS is not set/, 'npm start'],
    ['with SIGNING_KEYS that is not JSON', { SIGNING_KEYS: 'not json' }, /SIGNING_KEYS is not JSON/, 'in process'],
    ['with a public key only in SIGNING_KEYS', { SIGNING_KEYS: JSON.stringify([(({ d: _d, ...pub }) => pub)(newPrivateJwk('pub'))]) }, /not a private EC P-256 JWK/, 'in process'],
  ]
  for (const [name, env, message, how] of refusals) {
    test(`NODE_ENV=production ${name}: step 07 refuses to start, with a clear message and no stack trace`, async () => {
      const { SIGNING_KEYS: _keys, ...secrets } = TEST_SECRETS
      if (how === 'in process') {
        const environment = { ...secrets, ...env, NODE_ENV: 'production' }
        assert.throws(
          () => refuseUnusableEnvironment(STEP.name, { role: 'app', issues: true }, environment),
          (err: Error) => message.test(err.message) && /Refusing to start/.test(err.message),
          `lib/config.ts → refuseUnusableEnvironment, which npm start calls before serving, must refuse this with a sentence that says what is wrong and "Refusing to start" (start.ts prints such a sentence alone, without a stack)`,
        )
        return
      }
      const { child, exited } = runStart(STEP.name, SOLUTION, { ...secrets, ...env, NODE_ENV: 'production', DATABASE_FILE: ':memory:' })
      child.stdout!.on('data', (chunk) => /listening on/.test(String(chunk)) && child.kill('SIGKILL'))
      const timer = setTimeout(() => child.kill('SIGKILL'), 2 * 60_000)
      const exit = await exited
      clearTimeout(timer)
      assert.notEqual(exit.code, 0, `it must not start:\n${exit.stdout}`)
      assert.match(exit.stderr, message, `the message should say what is wrong, got:\n${exit.stderr}`)
      assert.match(exit.stderr, /Refusing to start/)
      assert.doesNotMatch(exit.stderr, STACK, `no stack trace, just the sentence:\n${exit.stderr}`)
    })
  }
})
