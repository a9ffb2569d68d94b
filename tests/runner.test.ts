// The test runner itself, run as a learner and as CI run it: a check that cannot run here is skipped with
// its reason (and npm test stays green), except under CI=true, where the same missing browser fails the
// run; a starter's failures are each said once, point at their TODO, and carry no library noise.
import assert from 'node:assert/strict'
import { execFileSync, spawn } from 'node:child_process'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import { ROOT } from '../lib/steps.ts'
import { checkNode } from '../scripts/doctor.ts'
import { learnersStep } from '../scripts/cli.ts'
import { TSX } from '../scripts/tsx.ts'

/** What `git status` shows: nothing a run leaves behind may show there. */
const gitStatus = () => execFileSync('git', ['status', '--porcelain', '--untracked-files=all'], { cwd: ROOT, encoding: 'utf8' })

const LEARNER_REPORTER = join(ROOT, 'scripts', 'reporters', 'learner.mjs')

interface Run {
  code: number | null
  out: string
}

/**
 * `npm test …args` as a child process, plain output, with the given environment on top of a clean one: the
 * command line of package.json's `test` script, whose learner's reporter lets `npm test -- step-NN` run the
 * suite in its own process (one start-up, as a learner's run has).
 */
function npmTest(args: string[], env: Record<string, string>): Promise<Run> {
  const childEnv: Record<string, string | undefined> = { ...process.env, NO_COLOR: '1', ...env }
  for (const name of ['CI', 'WORKSHOP_TARGET', 'WORKSHOP_FLAVOUR', 'WORKSHOP_SUITES', 'WORKSHOP_PROFILE_ROWS', 'NODE_TEST_CONTEXT', 'FORCE_COLOR']) {
    if (!(name in env)) delete childEnv[name]
  }
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...TSX, `--test-reporter=${LEARNER_REPORTER}`, join(ROOT, 'scripts', 'test.ts'), ...args], { cwd: ROOT, env: childEnv })
    let out = ''
    child.stdout.on('data', (chunk) => (out += chunk))
    child.stderr.on('data', (chunk) => (out += chunk))
    child.on('close', (code) => resolve({ code, out }))
  })
}

// Only the slides' browser check, with a browser path that does not exist: this machine, as one without Chromium.
const NO_BROWSER = { WORKSHOP_SUITES: 'tests/slides-browser.test.ts', CHROME_PATH: '/nowhere/chromium' }

let shared: Promise<Run> | undefined
/**
 * One run that three tests read, each for its own part (a run of the runner costs two Node start-ups): the
 * browser check without a browser, with --profile, outside CI. Its first line, its skip and its profile.
 */
const noBrowserWithProfile = () => (shared ??= npmTest(['--profile'], NO_BROWSER))

describe('npm test, the runner', { concurrency: true }, () => {
  test('without a browser, outside CI: the browser check is skipped with its reason and how to get one, and the run passes', async () => {
    const run = await noBrowserWithProfile()
    assert.equal(run.code, 0, `a check that cannot run here must not fail the run:\n${run.out}`)
    assert.match(run.out, /Skipped here/, `the summary should list what was skipped:\n${run.out}`)
    assert.match(run.out, /tests\/slides-browser\.test\.ts: 1 check skipped/, `…and which suite:\n${run.out}`)
    assert.match(run.out, /CHROME_PATH=\/nowhere\/chromium does not exist/, `…and why:\n${run.out}`)
    assert.match(run.out, /apt-get install -y chromium/, `…and how to enable it:\n${run.out}`)
    assert.match(run.out, /\n0 passed, 0 failed, 1 skipped\n/, `the last line counts the skip apart:\n${run.out}`)
    assert.doesNotMatch(run.out, /What is off|no test ran/, `a skip is not a failure:\n${run.out}`)
    assert.equal(run.out.trimEnd().split('\n').at(-1), `Start with steps/${learnersStep()}/README.md`, 'the run ends by saying where to begin')
  })

  test('on a Node outside the supported lines, npm test says so in its first line, as the doctor does', async () => {
    const run = await noBrowserWithProfile()
    const node = checkNode()
    if (node.status === 'ok') assert.doesNotMatch(run.out, /⚠/, `Node ${process.versions.node} is supported: no warning:\n${run.out}`)
    else assert.equal(run.out.split('\n')[0], `⚠ ${node.label}. npm run doctor says what to do.`, `the first line warns:\n${run.out}`)
  })

  test('without a browser, under CI=true: the same browser check fails the run, and says why', async () => {
    const run = await npmTest([], { ...NO_BROWSER, CI: 'true' })
    assert.notEqual(run.code, 0, `CI must never pass a browser check it did not run:\n${run.out}`)
    assert.match(run.out, /What is off[\s\S]*slides-browser[\s\S]*CHROME_PATH=\/nowhere\/chromium does not exist/, `the failure should say why:\n${run.out}`)
    assert.match(run.out, /\n0 passed, [1-9]\d* failed\n/, `the last line counts failures:\n${run.out}`)
  })

  test("step 07's costs that stay are shown as costs, apart from the passes, and never as failures", async () => {
    const run = await npmTest(['step-07', '--solution'], {})
    assert.equal(run.code, 0, `a cost is no failure:\n${run.out}`)
    const costs = run.out.match(/^\s+◆ cost \(stays\): .+$/gm) ?? []
    assert.ok(costs.length >= 2, `each cost test is marked ◆, not ✔:\n${run.out}`)
    assert.doesNotMatch(run.out, /✔ cost \(stays\)|✖ cost \(stays\)/, `a cost is neither a plain pass nor a failure:\n${run.out}`)
    assert.match(run.out, new RegExp(`◆ ${costs.length} costs that stay: shown by passing tests, the price of the design, not failures`), `the summary counts them apart:\n${run.out}`)
    assert.match(run.out, /\n\d+ passed, 0 failed\n/, `the last line:\n${run.out}`)
  })

  test('npm test -- --profile: after the summary, what each job cost in CPU and wall, and the slowest checks', async () => {
    const run = await noBrowserWithProfile()
    assert.equal(run.code, 0, `the profile must not change the outcome:\n${run.out}`)
    const total = /Profile: the whole run took ([\d.]+) s of CPU .* in [\d.]+ s of wall; (\d+) Node processes/.exec(run.out)
    assert.ok(total && Number(total[1]) > 0 && Number(total[2]) >= 1, `the profile should give the whole run's CPU and its Node processes:\n${run.out}`)
    const job = /The ten most expensive jobs[\s\S]*?\n\s+tests\/slides-browser\.test\.ts\s+([\d.]+)\s+([\d.]+)\s+(\d+)/.exec(run.out)
    assert.ok(job && Number(job[1]) > 0 && Number(job[2]) > 0 && Number(job[3]) >= 1, `the suite's job should show its CPU, wall and processes:\n${run.out}`)
    assert.match(run.out, /The ten slowest checks[\s\S]*tests\/slides-browser\.test\.ts/, `…and its slowest checks:\n${run.out}`)
    assert.match(run.out, /Profile:[\s\S]*\n0 passed, 0 failed, 1 skipped\nStart with steps\/[\w-]+\/README\.md\n$/, `the count stays the last line but one, before where to start:\n${run.out}`)
  })

  test("a learner's untouched starter: every failure said once, pointing at its TODO, and not a line from knex", async () => {
    const status = gitStatus()
    const run = await npmTest(['step-04'], {})
    assert.equal(run.code, 1, `the starter has work left:\n${run.out}`)
    const failures = run.out.match(/^\s+✖ /gm) ?? []
    assert.ok(failures.length > 10, `expected the suite's tests to fail one by one, saw ${failures.length}:\n${run.out}`)
    assert.doesNotMatch(run.out, /migration file|migration failed|knex:|at .+:\d+:\d+/, `no library noise or stack traces:\n${run.out}`)
    assert.match(run.out, /✖ .+\n\s+step-04 TODO\(1\): .+\n\s+→ README\.md → "Exercise 1"/, `the first failure points at its exercise:\n${run.out}`)
    assert.match(run.out, /\(again step-04 TODO\(1\), shown above\)/, `a repeated failure names the TODO it repeats:\n${run.out}`)
    assert.match(run.out, /Look at: step-04 TODO\(1\)/, `the summary names the TODO:\n${run.out}`)
    assert.match(run.out, /✔ typechecks \(tsc, as an editor checks it\)/, `the step's folder is typechecked beside the tests:\n${run.out}`)
    assert.equal(gitStatus(), status, 'npm test -- step-04 leaves git status as it was (its typecheck record goes under .data/)')
    assert.match(run.out, new RegExp(`\\n\\d passed, ${failures.length} failed\\n`), `the last line counts every failure once:\n${run.out}`)
  })
})
