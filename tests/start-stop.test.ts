// Stopping `npm start` as `docker stop` or a process manager does: a SIGTERM (or a Ctrl-C's SIGINT) to the npm
// process itself. The whole server must stop: no new connections, the requests in flight finished, idle keep-alive
// connections closed (their 65 s timeout must not hold the exit), and no node process left serving.
import assert from 'node:assert/strict'
import { execFileSync, spawn } from 'node:child_process'
import { request, type ClientRequest, Agent } from 'node:http'
import { connect } from 'node:net'
import { describe, test } from 'node:test'
import { ROOT } from '../lib/steps.ts'
import { TEST_SECRETS } from './harness/attacks/server.ts'

const STEP = 'step-01'
/** Within the contract's 10 s, with room for a busy machine; the server's own grace period is 5 s. */
const EXIT_WITHIN_MS = 10_000

/** What `git status` shows: nothing a run leaves behind may show there. */
const gitStatus = () => execFileSync('git', ['status', '--porcelain', '--untracked-files=all'], { cwd: ROOT, encoding: 'utf8' })

/** npm as the learner runs it: the one that runs this test when there is one, else the one on PATH. */
function npmCommand(): [string, string[]] {
  const cli = process.env.npm_execpath
  return cli && /\.c?js$/.test(cli) ? [process.execPath, [cli]] : ['npm', []]
}

/** Every process below `pid`, read from `ps` (Linux and macOS). */
function descendants(pid: number): number[] {
  const table = execFileSync('ps', ['-A', '-o', 'pid=,ppid='], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .map((line) => line.trim().split(/\s+/).map(Number))
  const found: number[] = []
  const walk = (parent: number) => {
    for (const [child, ppid] of table) if (ppid === parent && child !== parent) found.push(child), walk(child)
  }
  walk(pid)
  return found
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch (err: any) {
    return err.code === 'EPERM'
  }
}

const refused = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1')
    socket.once('connect', () => (socket.destroy(), resolve(false)))
    socket.once('error', () => resolve(true))
  })

async function until(what: string, check: () => boolean | Promise<boolean>, withinMs = EXIT_WITHIN_MS): Promise<void> {
  const deadline = Date.now() + withinMs
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`${what}: not within ${withinMs / 1000} s`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

describe('npm start stops as a deploy stops it: a signal to the npm process', { concurrency: true }, () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    test(`${signal} to npm start: the request in flight finishes, an idle keep-alive connection does not hold the exit, and no node is left serving`, async (t) => {
      const status = gitStatus()
      const [command, prefix] = npmCommand()
      const env: NodeJS.ProcessEnv = { ...process.env, ...TEST_SECRETS, PORT: '0', DATABASE_FILE: ':memory:' }
      delete env.NODE_TEST_CONTEXT
      delete env.DATABASE_URL
      const npm = spawn(command, [...prefix, 'start', '--silent', '--', STEP, '--solution'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] })
      let output = ''
      npm.stdout.on('data', (chunk) => (output += chunk))
      npm.stderr.on('data', (chunk) => (output += chunk))
      const exited = new Promise<number | null>((resolve) => npm.on('close', (code) => resolve(code)))
      let children: number[] = []
      t.after(() => {
        for (const pid of [npm.pid!, ...children]) if (alive(pid)) process.kill(pid, 'SIGKILL')
      })

      await until('npm start prints "listening on"', () => /listening on http:\/\/localhost:\d+/.test(output), 120_000)
      const port = Number(/listening on http:\/\/localhost:(\d+)/.exec(output)![1])
      children = descendants(npm.pid!)
      assert.ok(children.length > 0, `npm start should have started node:\n${output}`)

      // An idle keep-alive connection: one request answered, the socket kept open by the agent.
      const agent = new Agent({ keepAlive: true, maxSockets: 1 })
      let idleClosed = false
      await new Promise<void>((resolve, reject) => {
        const req = request({ port, host: '127.0.0.1', path: '/', agent }, (res) => {
          res.socket.once('close', () => (idleClosed = true))
          res.resume().on('end', resolve)
        })
        req.on('error', reject).end()
      })

      // A request in flight: its headers are read (the server answered `100 Continue`), its body not yet sent.
      // Its answer is a quick 400 (no password to hash), so that a busy machine cannot push it past the grace period.
      const body = JSON.stringify({ email: 'not an email', password: 'correct horse battery' })
      let inFlight!: ClientRequest
      const answered = new Promise<number>((resolve, reject) => {
        inFlight = request(
          { port, host: '127.0.0.1', path: '/register', method: 'POST', agent: false, headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), Expect: '100-continue' } },
          (res) => res.resume().on('end', () => resolve(res.statusCode!)),
        )
        inFlight.on('error', reject)
      })
      await new Promise<void>((resolve) => inFlight.once('continue', resolve))

      const signalled = Date.now()
      process.kill(npm.pid!, signal)
      await until('after the signal, the server stops accepting new connections', () => refused(port))
      inFlight.end(body)
      assert.equal(await answered, 400, `the request in flight when ${signal} came must be answered (400, its input is bad), not cut off:\n${output}`)

      const code = await Promise.race([exited, new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), EXIT_WITHIN_MS).unref())])
      assert.notEqual(code, 'hung', `npm start should end within ${EXIT_WITHIN_MS / 1000} s of ${signal}:\n${output}`)
      assert.match(output, new RegExp(`${signal}: closing the server and the database`), `the server itself should get the ${signal}, not only npm:\n${output}`)
      assert.ok(idleClosed, 'the idle keep-alive connection should be closed by the server, not left to its 65 s timeout')
      await until('every process npm start began is gone', () => children.every((pid) => !alive(pid)), 5_000).catch(() => {
        const left = children.filter(alive).map((pid) => execFileSync('ps', ['-o', 'pid=,args=', '-p', String(pid)], { encoding: 'utf8' }).trim())
        assert.fail(`${signal} to npm start left these running (a server nobody stops):\n${left.join('\n')}`)
      })
      assert.ok(await refused(port), `port ${port} should be free after the stop`)
      assert.ok(Date.now() - signalled < EXIT_WITHIN_MS + 5_000)
      agent.destroy()
      assert.equal(gitStatus(), status, 'npm start and its stop leave git status as it was (what they write goes under .data/)')
    })
  }
})
