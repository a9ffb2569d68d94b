// `npm test` with no step: proves that the whole workshop is consistent.
//  1. everything typechecks, the starters included;
//  2. every step's suite passes on its solution;
//  3. every starter has work left: TODO markers that its README explains with hints, and a failing suite
//     whose failures name the TODOs;
//  4. every gap test still passes on the later solutions while its gap is open, and fails on the solution
//     of the step that its name says closes it;
//  5. the other suites (attacks, tools, slides, bench, browser) pass.
// A check that cannot run here (a browser check without Chromium) is reported as skipped, with its reason,
// and does not fail the run; under CI=true a skip is a failure, so CI never passes a check it did not run.
// The last line is `N passed, N failed` (and `, N skipped`); the exit code is non-zero when anything is off.
// WORKSHOP_SUITES=tests/a.test.ts,tests/b.test.ts runs only those suites (the runner's own tests use it).
import { spawn } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { join, relative } from 'node:path'
import { ROOT, stepDir, stepNumber, STEPS, type StepName } from '../../lib/steps.ts'
import { addPostgresJobs, databaseSummary, takePostgresUrl } from './postgres.ts'
import { startBrowserBroker } from './browser-broker.ts'
import { learnersStep } from '../cli.ts'
import { tscCommand } from './tsc.ts'
import { asJob, jobEnv, printProfile, profiling, startProfile } from './profile.ts'
import { inPool, runSuite, type PoolJob, type SuiteRun, type TestResult } from './run-suite.ts'

interface Check {
  group: string
  label: string
  ok: boolean
  detail?: string
  /** Why it did not run here; such a check passes outside CI and fails under CI=true. */
  skipped?: string
}

const IN_CI = process.env.CI === 'true'
const NAME_PATTERN_SKIP = /does not match pattern/

/** A result that was skipped for a reason of its own (not the gap runs' name filter) becomes a skip check. */
function skipCheck(group: string, label: string, reason: string): Check {
  return IN_CI
    ? { group, label, ok: false, skipped: reason, detail: `skipped under CI=true, where every check must run: ${reason}` }
    : { group, label, ok: true, skipped: reason }
}

function resultChecks(group: string, results: TestResult[]): Check[] {
  return results
    .filter((result) => !(result.status === 'skip' && NAME_PATTERN_SKIP.test(result.reason ?? '')))
    .map((result) =>
      result.status === 'skip'
        ? skipCheck(group, result.name, result.reason ?? 'skipped')
        : { group, label: result.name, ok: result.status === 'pass', detail: result.message },
    )
}

const tty = process.stdout.isTTY && !process.env.NO_COLOR
const paint = (code: number) => (text: string) => (tty ? `\x1b[${code}m${text}\x1b[0m` : text)
const green = paint(32)
const red = paint(31)
const dim = paint(2)
const bold = paint(1)
const yellow = paint(33)
const mark = (ok: boolean) => (ok ? green('✔') : red('✖'))

const GAP = /gap \(closed in step-(\d+)\)/
/** A price that no later step removes (step 07's): a passing test, listed as a cost, never a failure nor a gap pair. */
const COST = /^cost \(stays\): /
const suiteFile = (step: StepName) => join(ROOT, 'tests', `${step}.test.ts`)
const hasFolder = (step: StepName, flavour: 'steps' | 'solutions') => existsSync(join(stepDir(step, flavour), 'routes.ts'))

/** The gap tests a suite declares, read from its source: `gap (closed in step-05): …` → 5. */
function gapClosers(step: StepName): number[] {
  if (!existsSync(suiteFile(step))) return []
  const source = readFileSync(suiteFile(step), 'utf8')
  return [...source.matchAll(new RegExp(GAP, 'g'))].map((match) => Number(match[1]))
}

function typecheck(): Promise<Check> {
  return new Promise((resolve) => {
    const [tsc, tscArgs] = tscCommand()
    const child = spawn(tsc, [...tscArgs, '-p', 'tsconfig.json'], { cwd: ROOT, env: { ...process.env, ...jobEnv() }, stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', (chunk) => (output += chunk))
    child.stderr.on('data', (chunk) => (output += chunk))
    child.on('close', (code) =>
      resolve({ group: 'typecheck', label: 'everything typechecks (tsc, strict), the starters included', ok: code === 0, detail: output.trim() }),
    )
  })
}

function crashDetail(run: SuiteRun): string {
  return run.stderr.trim().split('\n').slice(0, 15).join('\n')
}

function solutionChecks(step: StepName, run: SuiteRun): Check[] {
  const group = `${step} · solution`
  if (run.results.length === 0) return [{ group, label: 'the suite runs', ok: false, detail: crashDetail(run) || 'no test ran' }]
  return resultChecks(group, run.results)
}

function starterChecks(step: StepName, run: SuiteRun): Check[] {
  const group = `${step} · starter`
  const dir = stepDir(step, 'steps')
  const code = readdirSync(dir)
    .filter((file) => file.endsWith('.ts'))
    .map((file) => readFileSync(join(dir, file), 'utf8'))
    .join('\n')
  const todos = [...new Set([...code.matchAll(/TODO\((\d+)\)/g)].map((match) => Number(match[1])))].sort((a, b) => a - b)
  const readmePath = join(dir, 'README.md')
  const readme = existsSync(readmePath) ? readFileSync(readmePath, 'utf8') : ''
  const missing = todos.filter((n) => !new RegExp(`Exercise ${n}\\b`).test(readme))
  const failing = run.results.filter((result) => result.status === 'fail')
  const named = [...new Set(failing.flatMap((result) => result.message?.match(/TODO\(\d+\)/g) ?? []))].sort()
  const crashed = run.results.length === 0
  return [
    { group, label: 'has numbered TODO markers', ok: todos.length > 0, detail: `found: ${todos.map((n) => `TODO(${n})`).join(', ') || 'none'}` },
    {
      group,
      label: 'its README explains every TODO as an exercise, with hints',
      ok: readme !== '' && missing.length === 0 && /<details>/.test(readme),
      detail: readme === '' ? `${relative(ROOT, readmePath)} is missing` : missing.length ? `no "Exercise N" for TODO ${missing.join(', ')}` : 'no <details> hints',
    },
    {
      group,
      label: 'fails its suite (there is work left), and the failures name the TODOs',
      ok: !crashed && failing.length > 0 && named.length > 0,
      detail: crashed
        ? `the suite crashed instead of failing test by test:\n${crashDetail(run)}`
        : `${failing.length} of ${run.results.length} tests fail; they name ${named.join(', ') || 'no TODO'}`,
    },
  ]
}

/** Step `from`'s gap tests run against the solution of a later step `on`. */
function gapChecks(from: StepName, on: StepName, run: SuiteRun): Check[] {
  const onNumber = stepNumber(on)
  const checks: Check[] = []
  for (const result of run.results) {
    const match = GAP.exec(result.name)
    if (!match) continue
    const closer = Number(match[1])
    if (closer < onNumber) continue // closed earlier: nothing to show here
    const shouldPass = closer > onNumber
    if (result.status === 'skip') {
      if (NAME_PATTERN_SKIP.test(result.reason ?? '')) continue
      checks.push(skipCheck('gaps', `${from}: "${result.name}" ${shouldPass ? 'is still open' : 'is closed'} on ${on}`, result.reason ?? 'skipped'))
      continue
    }
    const ok = (result.status === 'pass') === shouldPass
    checks.push({
      group: 'gaps',
      label: `${from}: "${result.name}" ${shouldPass ? 'is still open' : 'is closed'} on ${on}`,
      ok,
      detail: ok ? undefined : shouldPass ? `it failed on ${on}, whose gap should still be open: ${result.message}` : `it still passes on ${on}, which should close it`,
    })
  }
  return checks
}

const ONLY_SUITES = process.env.WORKSHOP_SUITES?.split(',').map((file) => join(ROOT, file.trim()))

/** The one top-level `describe('…')` of a suite, or undefined when its tests are not all under one. */
function topSuiteName(file: string): string | undefined {
  const source = readFileSync(file, 'utf8')
  const suites = [...source.matchAll(/^describe\((['"])(.+?)\1/gm)].map((match) => match[2])
  return suites.length === 1 && !/^(test|it)\(/m.test(source) ? suites[0] : undefined
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/**
 * A step's solution, in one process: its own suite, and the gap tests of every earlier suite whose gaps
 * reach this step. Both point at the same folder, so they share one start-up (a process costs about a
 * second of CPU here, most of the whole run's time). With `starter`, the same process then runs the suite
 * once more on the starter, for the starter's checks (without the browser gap tests, as a learner runs it).
 */
async function onSolution(step: StepName, starter = false): Promise<Check[]> {
  // The browser gap tests run here (not in a learner's per-step loop): skipped with the reason without Chromium.
  const target = { WORKSHOP_TARGET: stepDir(step, 'solutions'), WORKSHOP_BROWSER_GAPS: '1' }
  const earlier = STEPS.filter((from) => stepNumber(from) < stepNumber(step) && Math.max(0, ...gapClosers(from)) >= stepNumber(step))
  const gapPattern = '^gap \\(closed in'
  const name = topSuiteName(suiteFile(step))
  // A suite not under one named describe cannot be told apart by name: it gets a process of its own.
  const named = name ? earlier.filter((from) => topSuiteName(suiteFile(from)) && topSuiteName(suiteFile(from)) !== name) : []
  const alone = earlier.filter((from) => !named.includes(from))
  const separately = Promise.all(
    alone.map(async (from) => gapChecks(from, step, await runSuite({ file: suiteFile(from), env: target, namePatterns: [gapPattern] }))),
  )
  const again = starter ? [{ WORKSHOP_TARGET: stepDir(step, 'steps'), WORKSHOP_BROWSER_GAPS: null }] : []
  const starterOf = (run: SuiteRun) => (starter ? starterChecks(step, { ...run, results: run.again[0] }) : [])
  if (!name) {
    const run = await runSuite({ file: suiteFile(step), env: target, again })
    return [...solutionChecks(step, run), ...starterOf(run), ...(await separately).flat()]
  }

  const run = await runSuite({
    file: suiteFile(step),
    env: target,
    alongside: named.map(suiteFile),
    namePatterns: [`^${escapeRegExp(name)}$`, gapPattern],
    again,
  })
  const checks = [...solutionChecks(step, { ...run, results: run.results.filter((result) => result.top === name) }), ...starterOf(run)]
  for (const from of named) {
    const theirs = run.results.filter((result) => result.top === topSuiteName(suiteFile(from)))
    checks.push(...gapChecks(from, step, { ...run, results: theirs }))
    if (theirs.length === 0) checks.push({ group: 'gaps', label: `${from}: its gap tests ran on ${step}`, ok: false, detail: crashDetail(run) || 'no gap test ran' })
  }
  return [...checks, ...(await separately).flat()]
}

/**
 * Suites that run in one process, as one job, to share what they both set up; each keeps its own checks, told
 * apart by its one top-level describe. The two proofs of the learner's path read the step suites' runs on the
 * same scratch copies (tests/harness/exercises/copies.ts): together, each copy runs once for both. The deck's
 * browser check renders the deck that tests/slides.test.ts builds (tests/harness/deck.ts): one build. The small
 * suites that start no process of their own share one: each alone cost more to start (tsx, koa, knex) than to run.
 */
const TOGETHER = [
  ['tests/mistakes.test.ts', 'tests/exercises.test.ts'],
  ['tests/slides.test.ts', 'tests/slides-browser.test.ts'],
  [
    'tests/jwt-cookie.test.ts',
    'tests/database-down.test.ts',
    'tests/server-errors.test.ts',
    'tests/ledger.test.ts',
    'tests/todo-messages.test.ts',
    'tests/readme-hints.test.ts',
  ],
].map((group) => group.map((file) => join(ROOT, file)))

function otherSuites(): string[] {
  if (ONLY_SUITES) return ONLY_SUITES
  return readdirSync(join(ROOT, 'tests'))
    .filter((file) => file.endsWith('.test.ts') && !/^step-\d\d-/.test(file))
    .sort()
    .map((file) => join(ROOT, 'tests', file))
}

export async function checkWorkshop({ profile = false } = {}): Promise<number> {
  const started = Date.now()
  if (profile) startProfile()
  const postgres = takePostgresUrl() // the SQLite pass below never sees DATABASE_URL
  // One more job than cores: the bench and restart suites spend part of their time waiting on servers.
  const limit = availableParallelism() + 1
  console.log(bold('Checking the whole workshop') + dim(` (${limit} jobs at a time${postgres ? ', and again on PostgreSQL' : ''})`))
  const jobs: Array<PoolJob<Check[]>> = []
  /** A job prints its line, with its time, as soon as it is done. Jobs of one `lane` run one at a time. */
  const add = (label: string, work: () => Promise<Check[]>, lane?: string) => {
    const run = async () => {
      const start = Date.now()
      const checks = await asJob(label, work)
      const failed = checks.filter((check) => !check.ok).length
      const skipped = checks.filter((check) => check.skipped && check.ok).length
      const seconds = ((Date.now() - start) / 1000).toFixed(1)
      const counts = `${checks.length - failed - skipped}/${checks.length}${skipped ? `, ${skipped} skipped` : ''}`
      console.log(`  ${failed ? mark(false) : skipped ? yellow('–') : mark(true)} ${label}${dim(`  ${counts}  ${seconds} s`)}`)
      return checks
    }
    jobs.push(lane ? { run, lane } : run)
  }

  // The PostgreSQL pass first: its suites run one at a time (one lane), the longest chain of the run, while
  // the other workers take the SQLite jobs.
  if (!ONLY_SUITES) addPostgresJobs(add)
  // The longest jobs first (the attack, reliability, tools and bench suites), so that no long one
  // is left running alone at the end.
  const others = otherSuites()
  for (const file of others) {
    // Suites that read the same runs go as one job, in one process (the first one's turn); each keeps its checks.
    const together = TOGETHER.find((group) => group.includes(file))?.filter((one) => others.includes(one)) ?? [file]
    if (together[0] !== file) continue
    add(together.map((one) => relative(ROOT, one)).join(' + '), async () => {
      const run = await runSuite({ file, env: { WORKSHOP_FLAVOUR: 'solutions' }, alongside: together.slice(1) })
      return together.flatMap((one) => {
        const name = relative(ROOT, one)
        const own = together.length === 1 ? run.results : run.results.filter((result) => result.top === topSuiteName(one))
        return own.length ? resultChecks(name, own) : [{ group: name, label: 'the suite runs', ok: false, detail: crashDetail(run) || 'no test ran' }]
      })
    })
  }
  if (ONLY_SUITES) {
    const checks = await runAll(jobs, limit)
    printSummary(checks, started, false)
    return checks.every((check) => check.ok) ? 0 : 1
  }

  add('typecheck', async () => [await typecheck()])
  for (const step of STEPS) {
    const file = suiteFile(step)
    const on = (flavour: 'steps' | 'solutions') => runSuite({ file, env: { WORKSHOP_TARGET: stepDir(step, flavour) } })
    if (hasFolder(step, 'solutions')) {
      if (!existsSync(file)) {
        add(`${step}: suite`, async () => [{ group: `${step} · solution`, label: 'has a suite', ok: false, detail: `${relative(ROOT, file)} is missing` }])
      } else if (hasFolder(step, 'steps')) {
        add(`${step}: suite on the solution (and earlier gap tests) and on the starter, one process`, () => onSolution(step, true))
        continue
      } else {
        add(`${step}: suite and earlier gap tests on the solution`, () => onSolution(step))
      }
    }
    if (hasFolder(step, 'steps') && existsSync(file)) {
      add(`${step}: starter`, async () => starterChecks(step, await on('steps')))
    } else if (hasFolder(step, 'solutions')) {
      add(`${step}: starter`, async () => [{ group: `${step} · starter`, label: 'exists', ok: false, detail: `steps/${step} is missing` }])
    }
  }
  const checks = await runAll(jobs, limit)
  printSummary(checks, started)
  return checks.every((check) => check.ok) ? 0 : 1
}

/** The jobs, with one Chromium for every browser check among them (started only if one asks). */
async function runAll(jobs: Array<PoolJob<Check[]>>, limit: number): Promise<Check[]> {
  const broker = await startBrowserBroker()
  try {
    return (await inPool(jobs, limit)).flat()
  } finally {
    await broker.close()
  }
}

function printSummary(checks: Check[], started: number, gaps = true) {
  if (gaps) console.log('\n' + bold('Gaps'))
  for (const step of gaps ? STEPS : []) {
    for (const closer of [...new Set(gapClosers(step))].sort()) {
      const closing = STEPS.find((name) => stepNumber(name) === closer)
      const built = closing && hasFolder(closing, 'solutions')
      const mine = checks.filter((check) => check.group === 'gaps' && check.label.startsWith(`${step}:`) && check.label.includes(`(closed in step-${String(closer).padStart(2, '0')})`))
      const ok = mine.every((check) => check.ok)
      const unchecked = mine.length > 0 && mine.every((check) => check.skipped)
      const state = !built
        ? `open (${closing ?? `step-${closer}`} is not built yet)`
        : unchecked
          ? `not checked here (skipped: ${mine[0].skipped})`
          : ok
            ? `closed as promised${mine.some((check) => check.skipped) ? ' (some tests skipped here)' : ''}`
            : 'NOT as promised'
      const names = [...new Set(mine.map((check) => check.label.split('"')[1]))]
      console.log(`  ${built && !(ok && unchecked) ? mark(ok) : built ? yellow('–') : dim('…')} ${step} → step-${String(closer).padStart(2, '0')}: ${state}${names.length ? dim(`  (${names.length} test${names.length > 1 ? 's' : ''})`) : ''}`)
    }
  }

  const costs = checks.filter((check) => COST.test(check.label) && check.ok && !check.skipped && check.group.endsWith('· solution'))
  if (costs.length) {
    console.log('\n' + bold('Costs that stay') + dim(' (passing tests that show a price of the design; not failures, no step closes them)'))
    for (const check of costs) console.log(`  ${yellow('◆')} ${check.group.replace(/ · solution$/, '')}: ${check.label.replace(COST, '')}`)
  }
  const failed = checks.filter((check) => !check.ok)
  const skipped = checks.filter((check) => check.skipped && check.ok)
  if (skipped.length) {
    console.log('\n' + bold(yellow('Skipped here')) + dim(' (not failures; under CI=true they must run)'))
    const byReason = new Map<string, Set<string>>()
    for (const check of skipped) byReason.set(check.skipped!, (byReason.get(check.skipped!) ?? new Set()).add(check.group))
    for (const [reason, groups] of byReason) {
      const count = skipped.filter((check) => check.skipped === reason).length
      console.log(`  ${yellow('–')} ${[...groups].join(', ')}: ${count} check${count > 1 ? 's' : ''} skipped`)
      console.log(`      ${dim(reason)}`)
    }
  }
  if (failed.length) {
    console.log('\n' + bold(red('What is off')))
    for (const check of failed) {
      console.log(`  ${red('✖')} ${check.group}: ${check.label}`)
      if (check.detail) console.log(check.detail.split('\n').slice(0, 12).map((line) => `      ${dim(line)}`).join('\n'))
    }
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(1)
  console.log(dim(`\n${checks.length} check${checks.length === 1 ? '' : 's'} in ${seconds} s`))
  for (const line of databaseSummary(checks)) console.log(line)
  if (profiling()) for (const line of printProfile((Date.now() - started) / 1000)) console.log(line)
  console.log(`${checks.length - failed.length - skipped.length} passed, ${failed.length} failed${skipped.length ? `, ${skipped.length} skipped` : ''}`)
  console.log(`Start with steps/${learnersStep()}/README.md`)
}
