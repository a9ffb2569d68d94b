// npm run progress: one row per step with the tests your work in steps/ passes, the step you are on, and
// what to run next. The suites run one after the other in one process, quietly; only the counts are shown.
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { STEPS, type StepName } from '../lib/steps.ts'
import { folderOf, hasFolder, type Io, lastEdit, learnerEditsAfter, palette, parseCommand, processIo, runCommand, say, shortName, startedDirectly, workshopRoot } from './cli.ts'
import { runSuites, type SuiteRun } from './test/run-suite.ts'

const USAGE = `Usage: npm run progress

Runs every step's tests against your work in steps/ and shows, per step, how many pass.
The step you are on is the one you edited last, or the next one once that one is green;
before you edit anything, the first step that is not all green.`

interface Row {
  step: StepName
  /** When a file of steps/<step> last changed (ms); 0 when the folder is not there. */
  edited: number
  state: 'green' | 'failing' | 'crashed' | 'missing'
  passed: number
  failed: number
  total: number
  /** The TODOs that the failing tests name, e.g. TODO(2). */
  todos: string[]
  detail?: string
}

/** A step's row before its suite runs: `missing` with the reason when there is nothing to run. */
function rowOf(step: StepName, root: string): Row {
  const row: Row = { step, state: 'missing', edited: lastEdit(folderOf(step, 'steps', root)), passed: 0, failed: 0, total: 0, todos: [] }
  if (!hasFolder(step, 'steps', root)) return { ...row, detail: `steps/${step} is not there yet` }
  if (!existsSync(suiteOf(step, root))) return { ...row, detail: `tests/${step}.test.ts is not there yet` }
  return { ...row, state: 'failing' }
}

const suiteOf = (step: StepName, root: string) => join(root, 'tests', `${step}.test.ts`)

/** The row, counted from its suite's run. */
function counted(row: Row, run: SuiteRun): Row {
  const counted = run.results.filter((result) => result.status !== 'skip')
  const failing = counted.filter((result) => result.status === 'fail')
  const todos = [...new Set(failing.flatMap((result) => result.message?.match(/TODO\(\d+\)/g) ?? []))].sort()
  const counts = { passed: counted.length - failing.length, failed: failing.length, total: counted.length, todos }
  if (counted.length === 0) {
    // A syntax error or a crash at import: no test ran at all. Show the first useful line.
    const firstLine = run.stderr.split('\n').find((line) => /error/i.test(line)) ?? run.stderr.split('\n')[0] ?? ''
    return { ...row, ...counts, state: 'crashed', detail: firstLine.trim().slice(0, 160) || 'no test ran' }
  }
  return { ...row, ...counts, state: run.exitCode === 0 ? 'green' : 'failing' }
}

const isOpen = (row: Row) => row.state === 'failing' || row.state === 'crashed'

/**
 * Where the learner is working: the step edited last (a checkout writes every file within seconds; an
 * edit comes minutes later), or, once that one is all green, the next step that is not. Nothing edited yet: the first open step.
 * `unstarted` says the steps left before it were never begun (a learner who started at step 04).
 */
function currentStep(rows: Row[]): { current?: Row; unstarted: Row[] } {
  const present = rows.filter((row) => row.state !== 'missing')
  const since = learnerEditsAfter(present.map((row) => row.edited))
  const edited = present.filter((row) => row.edited > since)
  if (edited.length === 0) return { current: rows.find(isOpen), unstarted: [] }
  const latest = edited.reduce((a, b) => (b.edited > a.edited ? b : a))
  if (isOpen(latest)) return { current: latest, unstarted: [] }
  const after = rows.slice(rows.indexOf(latest) + 1).find(isOpen)
  if (after) return { current: after, unstarted: [] }
  return { current: undefined, unstarted: rows.filter((row) => isOpen(row) && row.edited <= since) }
}

function title(step: StepName): string {
  return step.slice(8).replace(/-/g, ' ')
}

function printRow(row: Row, current: boolean, io: Io) {
  const { bold, dim, green, red, yellow } = palette(io)
  const marker = current ? yellow('▶') : row.state === 'green' ? green('✔') : row.state === 'missing' ? dim('·') : red('✖')
  const name = `${shortName(row.step)} ${title(row.step)}`.padEnd(28)
  let counts: string
  if (row.state === 'missing') counts = dim(row.detail ?? '')
  else if (row.state === 'crashed') counts = red(`the suite did not run: ${row.detail}`)
  else {
    const passing = `${String(row.passed).padStart(2)} passing`
    const failing = `${String(row.failed).padStart(2)} failing`
    counts = `${row.failed === 0 ? green(passing) : passing}  ${row.failed > 0 ? red(failing) : dim(failing)}  ${dim(`of ${row.total}`)}`
    if (row.todos.length) counts += dim(`  (${row.todos.join(', ')})`)
  }
  say(io.out, `  ${marker} ${current ? bold(name) : name} ${counts}${current ? yellow('  ← you are here') : ''}`)
}

function printNext(current: Row | undefined, rows: Row[], unstarted: Row[], io: Io) {
  const { bold, dim, green } = palette(io)
  const line = (text?: string) => say(io.out, text)
  line()
  if (!current && unstarted.length > 0) {
    const first = unstarted[0]
    line(`${green('Every step you worked on passes.')} Not started: ${unstarted.map((row) => shortName(row.step)).join(', ')}.`)
    line(`To do one: read steps/${first.step}/README.md, then run ${bold(`npm test -- step-${shortName(first.step)}`)}`)
    return
  }
  if (!current) {
    const missing = rows.filter((row) => row.state === 'missing')
    if (missing.length) {
      line(`${green('Every step that is there passes.')} Not there yet: ${missing.map((row) => shortName(row.step)).join(', ')}.`)
      return
    }
    line(green(`All ${rows.length} steps pass. Well done.`))
    line(`Compare your code with the solutions (${bold(`npm run diff -- step-${shortName(rows[rows.length - 1].step)}`)}) and see what each step costs (${bold('npm run bench')}).`)
    return
  }
  const short = shortName(current.step)
  if (current.state === 'crashed') {
    line(`Next: fix what stops the step-${short} suite from running, then ${bold(`npm test -- step-${short}`)} shows the error in full.`)
    return
  }
  const exercise = current.todos[0] ? ` → "Exercise ${/\d+/.exec(current.todos[0])![0]}"` : ''
  line(`Next: read steps/${current.step}/README.md${exercise}, then run ${bold(`npm test -- step-${short}`)}`)
  line(dim(`      (${bold(`npm test -- step-${short} --watch`)} reruns it on every save)`))
}

/**
 * The command, on its arguments; a wrong one throws a UsageError before anything is read. It reads io.env
 * (WORKSHOP_ROOT, colour; the suites' processes get it too) and writes to io.out: tests/tools.test.ts calls it so.
 */
export async function progress(args = process.argv.slice(2), io: Io = processIo()): Promise<number> {
  parseCommand({ usage: USAGE, options: {}, positionals: { min: 0, max: 0 } }, args)
  const root = workshopRoot(io.env)
  say(io.out, palette(io).dim('Running each step’s tests against your work in steps/…'))
  // Every suite in one process, one after the other: one start-up of tsx, koa and knex instead of one per step.
  const ready = STEPS.map((step) => rowOf(step, root))
  const runnable = ready.filter((row) => row.state !== 'missing')
  const runs = await runSuites(
    runnable.map((row) => ({ file: suiteOf(row.step, root), env: { WORKSHOP_TARGET: folderOf(row.step, 'steps', root) } })),
    io.env,
  )
  const rows = ready.map((row) => (row.state === 'missing' ? row : counted(row, runs[runnable.indexOf(row)])))
  say(io.out)
  const { current, unstarted } = currentStep(rows)
  for (const row of rows) printRow(row, row === current, io)
  printNext(current, rows, unstarted, io)
  return 0
}

if (startedDirectly(import.meta.url)) await runCommand(() => progress())
