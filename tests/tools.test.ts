// The learner's and presenter's commands (progress, diff, reset, demo, doctor), checked by their output and exit
// code. Each command runs once as a real child process, as a learner types it (`node --import tsx/esm scripts/<command>.ts`
// with a wrong flag or argument): that run keeps the exit code the learner sees. Every other check calls the
// command's function in this process, with the environment a run would have and its output collected (call, below):
// a child would spend most of a second of CPU starting tsx and loading modules, for output this process makes the
// same. The commands read only what they are given (env, stdin, stdout, stderr), so the calls run side by side.
// What the commands start themselves stays real: progress runs each step's suite with node, reset and diff run git,
// demo starts the solution's server. Nothing here touches the real steps/ folder: the commands read WORKSHOP_ROOT,
// and the tests point them at temporary copies.
import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { after, describe, test } from 'node:test'
import { ROOT, STEPS, type StepName } from '../lib/steps.ts'
import { CommandError, exitCode, type Io, type Output, UsageError } from '../scripts/cli.ts'
import { runDemo } from '../scripts/demo.ts'
import { diff } from '../scripts/diff.ts'
import { doctor } from '../scripts/doctor.ts'
import { progress } from '../scripts/progress.ts'
import { reset } from '../scripts/reset.ts'
import { TSX } from '../scripts/tsx.ts'

interface Run {
  code: number | null
  stdout: string
  stderr: string
}

/**
 * A wrong argument, answered in this process: the command throws the UsageError that its run turns into the
 * message and exit 2. Each command is also run once with a wrong flag or argument, as a learner types it, for
 * that exit.
 */
async function refused(command: Promise<unknown>, message: RegExp) {
  await thrown(command, UsageError, 'a usage error (its run prints it and exits 2)', message)
}

/** A folder the command needs is not there: the CommandError that its run turns into the message and exit 1 (reset's run, below). */
async function missingFolder(command: Promise<unknown>, message: RegExp) {
  await thrown(command, CommandError, 'a command error (its run prints it and exits 1)', message)
}

/** The command refuses with this kind of error and a message that says why; a failure says what it did instead. */
async function thrown(command: Promise<unknown>, kind: new (...args: any[]) => Error, what: string, message: RegExp) {
  const err = await command.then(
    () => undefined,
    (caught: unknown) => caught,
  )
  assert.ok(err instanceof kind, `the command should refuse with ${what}, but it ${err === undefined ? 'ran to the end' : `threw ${String((err as Error)?.message ?? err)}`}`)
  assert.match(err.message, message, `the refusal should say what is wrong (${message}); it said: ${err.message}`)
}

/** A command's environment: this process's, with `env` added and no inherited knobs. */
function commandEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const result: NodeJS.ProcessEnv = { ...process.env, ...env }
  // NODE_TEST_CONTEXT would make `npm run progress`'s own `node --test` children refuse to run, as nested tests.
  for (const name of ['FORCE_COLOR', 'NO_COLOR', 'WORKSHOP_TARGET', 'WORKSHOP_ROOT', 'WORKSHOP_NO_GIT', 'NODE_TEST_CONTEXT']) {
    if (!(name in env)) delete result[name]
  }
  return result
}

/**
 * `node --import tsx/esm scripts/<command>.ts …args`, with plain output (piped): once per command, for its exit
 * code. The timeout only catches a hang: how fast a command is on a busy machine is not this suite's business.
 */
const HANG = 5 * 60_000
function run(command: string, args: string[] = [], env: Record<string, string> = {}): Promise<Run> {
  const childEnv = commandEnv(env)
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...TSX, join(ROOT, 'scripts', `${command}.ts`), ...args], {
      cwd: ROOT,
      env: childEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk) => (stdout += chunk))
    child.stderr.on('data', (chunk) => (stderr += chunk))
    const timer = setTimeout(() => {
      child.kill()
      reject(new Error(`npm run ${command} ${args.join(' ')} hung: no end after ${HANG / 60_000} minutes\n${stdout}\n${stderr}`))
    }, HANG)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })
}

/** Keeps the text written to it: a command's stdout or stderr, piped (not a terminal, so no colour). */
type Collected = Output & { text: string }
const collector = (): Collected => ({
  text: '',
  write(chunk: string) {
    this.text += chunk
  },
})

/** What an in-process call reads and writes: the environment a run would have, no terminal, its output collected. */
function callIo(env: Record<string, string> = {}): Io & { out: Collected; err: Collected } {
  return { env: commandEnv(env), input: Readable.from([]), out: collector(), err: collector() }
}

/**
 * The command called in this process, as run() would start it in a child: the same environment, output and exit
 * code (exitCode turns a UsageError into 2 and a CommandError into 1, as the command's run does).
 */
async function call(command: (args: string[], io: Io) => Promise<number>, args: string[] = [], env: Record<string, string> = {}): Promise<Run> {
  const io = callIo(env)
  const code = await exitCode(() => command(args, io), io)
  return { code, stdout: io.out.text, stderr: io.err.text }
}

const temps: string[] = []
after(() => temps.forEach((dir) => rmSync(dir, { recursive: true, force: true })))

interface Layout {
  /** steps/<name>, copied from the real steps/ (the starter). */
  starters?: StepName[]
  /** steps/<name> holding the solution: a learner who finished the step. */
  finished?: StepName[]
  solutions?: StepName[]
  suites?: StepName[]
  /** tests/<name>.test.ts, the stand-in suite (STAND_IN_SUITE, below). */
  standIns?: StepName[]
}

/** A small copy of the workshop: lib, the test harness, package.json and node_modules, plus the given steps. */
function tempWorkshop({ starters = [], finished = [], solutions = [], suites = [], standIns = [] }: Layout): string {
  const root = mkdtempSync(join(tmpdir(), 'workshop-tools-'))
  temps.push(root)
  cpSync(join(ROOT, 'lib'), join(root, 'lib'), { recursive: true })
  cpSync(join(ROOT, 'tests', 'harness'), join(root, 'tests', 'harness'), { recursive: true })
  cpSync(join(ROOT, 'package.json'), join(root, 'package.json'))
  symlinkSync(join(ROOT, 'node_modules'), join(root, 'node_modules'), 'dir')
  for (const step of starters) cpSync(join(ROOT, 'steps', step), join(root, 'steps', step), { recursive: true })
  for (const step of finished) cpSync(join(ROOT, 'solutions', step), join(root, 'steps', step), { recursive: true })
  for (const step of solutions) cpSync(join(ROOT, 'solutions', step), join(root, 'solutions', step), { recursive: true })
  for (const step of suites) cpSync(join(ROOT, 'tests', `${step}.test.ts`), join(root, 'tests', `${step}.test.ts`))
  for (const step of standIns) writeFileSync(join(root, 'tests', `${step}.test.ts`), STAND_IN_SUITE)
  return root
}

/**
 * A stand-in for a step's suite, where a test is about which step `npm run progress` marks and not about the
 * suite: it passes or fails as the real one does on the starter and on the solution (the starter's
 * NotImplemented messages name their TODOs), with one Node start-up and none of the app's.
 */
const STAND_IN_SUITE = `import { test } from 'node:test'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
const dir = process.env.WORKSHOP_TARGET
const code = readdirSync(dir).filter((file) => file.endsWith('.ts')).map((file) => readFileSync(join(dir, file), 'utf8')).join('\\n')
test('the step folder has code', () => {
  if (!code) throw new Error('no .ts file in ' + dir)
})
test('no TODO is left', () => {
  const left = /throw new NotImplemented\\('([^']*)'/.exec(code)
  if (left) throw new Error(left[1])
})
`

const [ONE, TWO] = STEPS
const UNKNOWN_STEP = /Unknown step "99"\. The steps are:[\s\S]*step-01-sessions/

describe('tools', { concurrency: true }, () => {
  describe('npm run progress', { concurrency: true }, () => {
    test('one row per step with passing and failing counts, the current step marked, and what to run next', async () => {
      // Step 02's real suite on its starter, as a learner meets it; the finished step 01 under a stand-in (that its
      // real suite passes on its solution is npm test's own check).
      const root = tempWorkshop({ finished: [ONE], starters: [TWO], solutions: [ONE, TWO], suites: [TWO], standIns: [ONE] })
      const { code, stdout, stderr } = await call(progress, [], { WORKSHOP_ROOT: root })
      assert.equal(code, 0, stderr)
      const rows = stdout.split('\n').filter((line) => /^\s+[✔✖▶·] \d\d /.test(line))
      assert.equal(rows.length, STEPS.length, `one row per step:\n${stdout}`)
      assert.match(rows[0], /✔ 01 sessions\s+(\d+) passing\s+0 failing\s+of \1/, 'a finished step is all green')
      assert.match(rows[1], /▶ 02 jwt\s+\d+ passing\s+[1-9]\d* failing\s+of \d+\s+\(TODO\(\d\).*← you are here/, 'the first step not all green is marked')
      for (const row of rows.slice(2)) assert.match(row, /· \d\d .*is not there yet/)
      assert.match(stdout, /Next: read steps\/step-02-jwt\/README\.md → "Exercise \d", then run npm test -- step-02/)
      assert.doesNotMatch(stdout, /✔ .*answers|TAP|ok \d/, 'quiet: no test output, only counts')
      assert.ok(stdout.split('\n').length < 20, 'a screenful at most')
    })

    test('the current step is where the learner works: after the step edited last, once it is green, not the first unfinished one', async () => {
      const [, , THREE] = STEPS
      const root = tempWorkshop({ starters: [ONE, THREE], finished: [TWO], standIns: [ONE, TWO, THREE] })
      // A learner who began at step 02: its files changed after the checkout, step 01's never did.
      const later = new Date(Date.now() + 10 * 60_000) // minutes after the checkout, as a learner's edit is
      for (const file of readdirSync(join(root, 'steps', TWO))) utimesSync(join(root, 'steps', TWO, file), later, later)
      const { code, stdout, stderr } = await call(progress, [], { WORKSHOP_ROOT: root })
      assert.equal(code, 0, stderr)
      assert.doesNotMatch(stdout, /01 sessions.*← you are here/, `step 01 was never begun:\n${stdout}`)
      assert.match(stdout, /▶ 03 refresh tokens.*← you are here/, `step 02 is green, so the learner is on step 03:\n${stdout}`)
      assert.match(stdout, /Next: read steps\/step-03-refresh-tokens\/README\.md/)
    })

    test('a step or an unknown flag gets a clear message and exit 2', async () => {
      const flag = await run('progress', ['--verbose'])
      assert.equal(flag.code, 2)
      assert.match(flag.stderr, /Unknown option '--verbose'[\s\S]*Usage: npm run progress/)
      await refused(progress(['04']), /takes no step/)
    })
  })

  describe('npm run diff', { concurrency: true }, () => {
    const root = tempWorkshop({ starters: [TWO], finished: [ONE], solutions: [ONE, TWO] })
    writeFileSync(join(root, 'steps', TWO, 'notes.test.ts'), '// a test: left out\n')
    writeFileSync(join(root, 'steps', TWO, 'data.json'), '{"left": "out"}\n')

    test('your steps/ against solutions/, code only: no README, tests or data files; plain when piped', async () => {
      const { code, stdout } = await call(diff, ['step-02'], { WORKSHOP_ROOT: root })
      assert.equal(code, 0)
      assert.match(stdout, /Lines with - are yours \(steps\/step-02-jwt\), lines with \+ are the solution's/)
      assert.match(stdout, /--- a\/steps\/step-02-jwt\/routes\.ts\n\+\+\+ b\/solutions\/step-02-jwt\/routes\.ts/)
      assert.match(stdout, /^-.*TODO\(\d\)/m, 'the TODOs are on your side')
      assert.doesNotMatch(stdout, /^(diff|---|\+\+\+) .*(README|notes\.test|data\.json)/m, 'READMEs, tests and data files are left out')
      assert.doesNotMatch(stdout, /\x1b\[/, 'no colour codes when piped')
    })

    test('coloured with FORCE_COLOR, and the same without git (diff -u)', async () => {
      const coloured = await call(diff, ['2'], { WORKSHOP_ROOT: root, FORCE_COLOR: '1' })
      assert.equal(coloured.code, 0)
      assert.match(coloured.stdout, /\x1b\[31m-/, 'removed lines in red')
      const fallback = await call(diff, ['2'], { WORKSHOP_ROOT: root, WORKSHOP_NO_GIT: '1' })
      assert.equal(fallback.code, 0)
      assert.match(fallback.stdout, /--- a\/steps\/step-02-jwt\/routes\.ts\n\+\+\+ b\/solutions\/step-02-jwt\/routes\.ts\n@@/)
      assert.doesNotMatch(fallback.stdout, /^(diff|---|\+\+\+) .*(README|notes\.test|data\.json)|\x1b\[/m)
    })

    test('the starter\'s TODO comments left in a finished file are not shown as differences, and the run says so', async () => {
      const left = tempWorkshop({ finished: [ONE], solutions: [ONE] })
      const file = join(left, 'steps', ONE, 'sessions.ts')
      const text = readFileSync(file, 'utf8').replace(
        /(export async function findSession[^\n]*\n)/,
        '$1  // TODO(2): find the session row with this id that has not expired yet (undefined if there is none).\n  //          README.md → "Exercise 2" has hints.\n',
      )
      writeFileSync(file, text)
      const { code, stdout } = await call(diff, ['01'], { WORKSHOP_ROOT: left })
      assert.equal(code, 0)
      assert.match(stdout, /steps\/step-01-sessions matches the solution/, `only the leftover TODO comment differs:\n${stdout}`)
      assert.match(stdout, /2 lines of the starter's TODO\(n\) comments that you left in place are not shown/)
      assert.ok(!existsSync(join(left, '.data')) || readdirSync(join(left, '.data')).length === 0, 'the scratch copies are gone')
    })

    test('a finished step matches the solution', async () => {
      const { code, stdout } = await call(diff, ['step-01-sessions'], { WORKSHOP_ROOT: root })
      assert.equal(code, 0)
      assert.match(stdout, /steps\/step-01-sessions matches the solution/)
    })

    test('an unknown step, a missing step and a wrong flag each get a clear message', async () => {
      await refused(diff(['99']), UNKNOWN_STEP)
      await missingFolder(diff(['03'], callIo({ WORKSHOP_ROOT: root })), /solutions\/step-03-refresh-tokens is not there yet/)
      await refused(diff([]), /Which step\?[\s\S]*Usage: npm run diff -- <step>/)
      const flag = await run('diff', ['02', '--stat'], { WORKSHOP_ROOT: root })
      assert.equal(flag.code, 2)
      assert.match(flag.stderr, /Unknown option '--stat'/)
    })
  })

  describe('npm run reset', { concurrency: true }, () => {
    const gitEnv = { GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' }
    const git = (root: string, args: string[], who = 'workshop') => {
      const identity = { GIT_AUTHOR_NAME: who, GIT_AUTHOR_EMAIL: `${who}@example.com`, GIT_COMMITTER_NAME: who, GIT_COMMITTER_EMAIL: `${who}@example.com` }
      const result = spawnSync('git', args, { cwd: root, encoding: 'utf8', env: { ...process.env, ...gitEnv, ...identity } })
      assert.equal(result.status, 0, `git ${args.join(' ')}: ${result.stderr}`)
      return result.stdout
    }

    /** A git clone of two starters, on which the learner committed work, then changed more without committing. */
    function learnerClone() {
      const root = mkdtempSync(join(tmpdir(), 'workshop-reset-'))
      temps.push(root)
      for (const step of [ONE, TWO]) cpSync(join(ROOT, 'steps', step), join(root, 'steps', step), { recursive: true })
      git(root, ['init', '-q'])
      git(root, ['add', '.'])
      git(root, ['commit', '-qm', 'the workshop'])
      git(root, ['config', 'user.email', 'learner@example.com'])
      const starter = readFileSync(join(root, 'steps', TWO, 'routes.ts'), 'utf8')
      writeFileSync(join(root, 'steps', TWO, 'routes.ts'), `${starter}\n// my committed work\n`)
      git(root, ['commit', '-qam', 'my work on step 02'], 'learner')
      writeFileSync(join(root, 'steps', TWO, 'tokens.ts'), '// my uncommitted work\n')
      writeFileSync(join(root, 'steps', TWO, 'scratch.ts'), '// a file of mine\n')
      writeFileSync(join(root, 'steps', ONE, 'routes.ts'), '// my work on step 01\n')
      return { root, starter }
    }

    test('without a terminal and without --yes it refuses, and changes nothing', async () => {
      const { root } = learnerClone()
      const { code, stdout, stderr } = await call(reset, ['step-02'], { WORKSHOP_ROOT: root, ...gitEnv })
      assert.equal(code, 1)
      assert.match(stdout, /steps\/step-02-jwt\/scratch\.ts/, 'it lists what would go')
      assert.match(stderr, /there is no terminal to ask\. To reset anyway: npm run reset -- 02 --yes/)
      assert.equal(readFileSync(join(root, 'steps', TWO, 'tokens.ts'), 'utf8'), '// my uncommitted work\n')
      assert.ok(existsSync(join(root, 'steps', TWO, 'scratch.ts')))
    })

    test("--yes brings the workshop's starter back, even over committed work, keeps other steps, and saves a copy", async () => {
      const { root, starter } = learnerClone()
      const { code, stdout, stderr } = await call(reset, ['02', '--yes'], { WORKSHOP_ROOT: root, ...gitEnv })
      assert.equal(code, 0, stderr)
      assert.match(stdout, /from the newest commit of this folder that is not yours/)
      assert.equal(readFileSync(join(root, 'steps', TWO, 'routes.ts'), 'utf8'), starter, 'the committed work is replaced by the starter')
      assert.equal(readFileSync(join(root, 'steps', TWO, 'tokens.ts'), 'utf8'), readFileSync(join(ROOT, 'steps', TWO, 'tokens.ts'), 'utf8'))
      assert.ok(!existsSync(join(root, 'steps', TWO, 'scratch.ts')), 'a file the starter does not have goes')
      assert.equal(readFileSync(join(root, 'steps', ONE, 'routes.ts'), 'utf8'), '// my work on step 01\n', 'other steps are kept')
      const [backup] = readdirSync(join(root, '.data', 'reset-backups'))
      assert.match(backup, /^step-02-jwt-/)
      assert.equal(readFileSync(join(root, '.data', 'reset-backups', backup, 'scratch.ts'), 'utf8'), '// a file of mine\n', 'the replaced work is saved')
      assert.match(stdout, /Next: read steps\/step-02-jwt\/README\.md, then run npm test -- step-02/)

      const again = await call(reset, ['02'], { WORKSHOP_ROOT: root, ...gitEnv })
      assert.equal(again.code, 0)
      assert.match(again.stdout, /already the starter/)
    })

    test('outside a git clone, with an unknown step, a wrong flag or an unknown commit, it says what is wrong', async () => {
      const plain = tempWorkshop({ starters: [TWO] })
      const notGit = await call(reset, ['02', '--yes'], { WORKSHOP_ROOT: plain, ...gitEnv, GIT_CEILING_DIRECTORIES: tmpdir() })
      assert.equal(notGit.code, 1)
      assert.match(notGit.stderr, /is not a git repository/)
      assert.ok(existsSync(join(plain, 'steps', TWO, 'routes.ts')), 'nothing is removed')

      const { root } = learnerClone()
      await refused(reset(['99', '--yes']), UNKNOWN_STEP)
      await refused(reset(['02', '--force']), /Unknown option '--force'[\s\S]*--yes/)
      const commit = await run('reset', ['02', '--yes', '--from', 'no-such-commit'], { WORKSHOP_ROOT: root, ...gitEnv })
      assert.equal(commit.code, 2)
      assert.match(commit.stderr, /--from no-such-commit: git knows no such commit/)
      assert.ok(existsSync(join(root, 'steps', TWO, 'scratch.ts')), 'nothing was reset')
    })
  })

  describe('npm run demo', { concurrency: true }, () => {
    test('every step has a demo', async () => {
      for (const step of STEPS) {
        const { demo } = await import(`../scripts/demos/${step}.ts`)
        assert.equal(typeof demo?.run, 'function', `scripts/demos/${step}.ts should export a demo`)
        assert.match(demo.title, new RegExp(`^Step ${step.slice(5, 7)} · `))
      }
    })

    test('step 02: each request and answer, the clock jumping ahead, and the moment each gap shows', async () => {
      const { code, stdout, stderr } = await call(runDemo, ['step-02'])
      assert.equal(code, 0, stdout + stderr)
      assert.match(stdout, /alice's laptop\s+POST \/login \{"email":"alice@example.com"/)
      assert.match(stdout, /← 200 \{"accessToken":"eyJ[^"]*…"\}/, 'tokens are trimmed')
      assert.match(stdout, /POST \/logout\n\s+← 204\s*\n\s+thief\s+GET \/me\n\s+← 200 .*\n\s+⚠ logged out, and the token still works/)
      assert.match(stdout, /⏩ 6 days later\n\s+thief\s+GET \/me\n\s+← 200 .*\n\s+⚠ 6 days later, the stolen token still works/)
      assert.match(stdout, /← 501 \{"error":"Logout-all is impossible/)
      assert.doesNotMatch(stdout, /✖|\x1b\[/)
    })

    test('step 01 with --pause and no terminal runs straight through', async () => {
      const { code, stdout } = await call(runDemo, ['1', '--pause'])
      assert.equal(code, 0, stdout)
      assert.match(stdout, /--pause needs a terminal/)
      assert.match(stdout, /🔎 2 SQL queries for that request\n\s+⚠ two queries on every request/)
    })

    test('a solution that does not tell the story makes the demo fail, and a missing one is named', async () => {
      const root = tempWorkshop({})
      cpSync(join(ROOT, 'steps', TWO), join(root, 'solutions', TWO), { recursive: true }) // a starter posing as the solution
      const broken = await call(runDemo, ['02'], { WORKSHOP_ROOT: root })
      assert.equal(broken.code, 1)
      assert.match(broken.stdout, /✖ the story expected 200 here, and got 501/)
      assert.match(broken.stdout, /did not happen as written/)
      await missingFolder(runDemo(['03'], callIo({ WORKSHOP_ROOT: root })), /solutions\/step-03-refresh-tokens is not there yet/)
      await refused(runDemo(['99']), UNKNOWN_STEP)
      const flag = await run('demo', ['02', '--fast'])
      assert.equal(flag.code, 2)
      assert.match(flag.stderr, /Unknown option '--fast'/)
    })
  })

  describe('npm run doctor', { concurrency: true }, () => {
    /** A workshop whose steps have every file doctor looks for (empty files will do). */
    function completeWorkshop() {
      const root = mkdtempSync(join(tmpdir(), 'workshop-doctor-'))
      temps.push(root)
      symlinkSync(join(ROOT, 'node_modules'), join(root, 'node_modules'), 'dir')
      for (const step of STEPS) {
        for (const file of [`steps/${step}/routes.ts`, `steps/${step}/schema.ts`, `steps/${step}/README.md`, `solutions/${step}/routes.ts`, `solutions/${step}/schema.ts`, `tests/${step}.test.ts`]) {
          mkdirSync(join(root, file, '..'), { recursive: true })
          writeFileSync(join(root, file), '')
        }
      }
      return root
    }
    const freePort = () =>
      new Promise<number>((resolve) => {
        const server = createServer().listen(0, () => {
          const { port } = server.address() as { port: number }
          server.close(() => resolve(port))
        })
      })
    const busyPort = () =>
      new Promise<{ port: number; server: Server }>((resolve) => {
        const server = createServer().listen(0, () => resolve({ port: (server.address() as { port: number }).port, server }))
      })

    test('the Node version: too old fails, end of life warns, 22 and 24 are fine; each with how to upgrade', async () => {
      const { checkNode } = await import('../scripts/doctor.ts')
      const today = new Date('2026-12-01')
      assert.equal(checkNode('22.23.0', today).status, 'ok')
      assert.equal(checkNode('24.21.0', today).status, 'ok')
      const old = checkNode('20.11.1', today)
      assert.equal(old.status, 'fail', 'below 20.17 sqlite3 6 does not install: the workshop cannot run')
      assert.match(old.label, /Node 20\.11\.1 is too old: the workshop needs 20\.17 or newer/)
      assert.match(old.advice!, /nvm install 24/)
      assert.equal(checkNode('18.19.0', today).status, 'fail')
      const ended = checkNode('20.20.2', today)
      assert.equal(ended.status, 'warn', 'Node 20 still runs the workshop, but is past its end of life')
      assert.match(ended.label, /end of life on 2026-04-30/)
      assert.equal(checkNode('25.2.0', today).status, 'warn', 'an odd line ends six months after its release')
      assert.equal(checkNode('20.20.2', new Date('2026-01-15')).status, 'ok', 'before its end of life, Node 20 was fine')
    })

    test('the port: free, in use (with what to do), or not a number', async () => {
      const { checkPort } = await import('../scripts/doctor.ts')
      assert.equal((await checkPort({ PORT: String(await freePort()) })).status, 'ok')
      const { port, server } = await busyPort()
      try {
        const busy = await checkPort({ PORT: String(port) })
        assert.equal(busy.status, 'fail')
        assert.match(busy.label, new RegExp(`port ${port} \\(from PORT\\) is already in use`))
        assert.match(busy.advice!, new RegExp(`lsof -i :${port}[\\s\\S]*PORT=${port + 1} npm start`))
      } finally {
        server.close()
      }
      assert.equal((await checkPort({ PORT: 'abc' })).status, 'fail')
    })

    test("step 07's service port (PORT+1, or SERVICE_PORT): free, or in use as a warning with what to do", async () => {
      const { checkServicePort } = await import('../scripts/doctor.ts')
      const free = await freePort()
      assert.equal((await checkServicePort({ SERVICE_PORT: String(free) })).status, 'ok')
      const { port, server } = await busyPort()
      try {
        const busy = await checkServicePort({ PORT: String(port - 1) })
        assert.equal(busy.status, 'warn', 'steps 01–06 do not need it: a warning, not a failure')
        assert.match(busy.label, new RegExp(`port ${port} \\(PORT\\+1\\)`))
        assert.match(busy.advice!, new RegExp(`SERVICE_PORT=${port + 1} npm start -- step-07`))
      } finally {
        server.close()
      }
    })

    test('doctor checks DATABASE_URL only when it is set, and says why PostgreSQL does not answer', async () => {
      const { checkDatabaseUrl } = await import('../scripts/doctor.ts')
      assert.equal(await checkDatabaseUrl({}), undefined, 'without DATABASE_URL there is nothing to check: SQLite')
      assert.equal((await checkDatabaseUrl({ DATABASE_URL: 'mysql://x@localhost/db' }))?.status, 'fail')
      const refused = await checkDatabaseUrl({ DATABASE_URL: `postgres://u:secret@127.0.0.1:${await freePort()}/db` })
      assert.equal(refused?.status, 'fail')
      assert.match(refused?.advice ?? '', /running/, 'a refused connection should ask whether PostgreSQL is running')
      assert.doesNotMatch(refused?.label ?? '', /secret/, 'the password must not be printed')
    })

    test('the sqlite3 binding loads here', async () => {
      const { checkSqlite } = await import('../scripts/doctor.ts')
      const finding = await checkSqlite()
      assert.equal(finding.status, 'ok', finding.advice)
    })

    test('all good: exit 0 and where to start', async () => {
      const { code, stdout } = await call(doctor, [], { WORKSHOP_ROOT: completeWorkshop(), PORT: String(await freePort()) })
      assert.equal(code, 0, stdout)
      // On a Node past its end of life (20, still the CI machine's own) the Node line is a warning, not a failure.
      assert.match(stdout, /[✔⚠] Node .*\n(.*→.*\n)*.*✔ the dependencies are installed\n.*✔ the sqlite3 binding loads/)
      assert.match(stdout, new RegExp(`✔ all ${STEPS.length} steps are complete`))
      assert.match(stdout, /All good\. Start with steps\/step-01-sessions\/README\.md/)
    })

    test('a busy port and incomplete steps: exit 1, each with concrete advice', async () => {
      const root = completeWorkshop()
      rmSync(join(root, 'steps', TWO, 'README.md'))
      rmSync(join(root, 'tests', `${ONE}.test.ts`))
      const { port, server } = await busyPort()
      try {
        const { code, stdout } = await call(doctor, [], { WORKSHOP_ROOT: root, PORT: String(port) })
        assert.equal(code, 1, stdout)
        assert.match(stdout, new RegExp(`✖ port ${port} \\(from PORT\\) is already in use\\n\\s+→ .*Ctrl-C`))
        assert.match(stdout, new RegExp(`✖ 2 of ${STEPS.length} steps are incomplete\\n\\s+→ step-01-sessions lacks tests/step-01-sessions\\.test\\.ts\\n`))
        assert.match(stdout, /step-02-jwt lacks steps\/…\/README\.md/)
        assert.match(stdout, /git checkout -- <path>/)
        assert.match(stdout, /2 things to fix/)
      } finally {
        server.close()
      }
      const flag = await run('doctor', ['--fix'])
      assert.equal(flag.code, 2)
      assert.match(flag.stderr, /Unknown option '--fix'/)
    })
  })
})
