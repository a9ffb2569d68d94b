// The scratch copies that both proofs of the learner's path read (tests/exercises.test.ts: every README "Check
// it" is true where it stands; tests/mistakes.test.ts: every failure names the right TODO): each step's starter
// with its first k exercises done, for every k, and the solution with one classic mistake. A proof declares the
// copies it needs while it declares its tests, and reads their results when a test needs them. Each copy's suite
// runs once, with every test, however many proofs read it: `npm test` loads both proofs into one process, so each
// starter stage runs once for both, where each proof used to run its own.
//
// The copies run in two driver processes (driver.ts, each runs many copies in turn; a process costs about a
// second of CPU before its first test), dealt out in turn so that both get as much work. A copy's folder lives
// only while its process runs: the results are read from its output.
import { realpathSync, rmSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ROOT, type StepName } from '../../../lib/steps.ts'
import { applyExercises, hunksOf, limiter, runSuitesOn, writeCopy, type Hunk, type Result } from './path.ts'

/** What the learner would see of one copy: its results, and what the step's code printed while they ran. */
export interface CopyRun {
  results: Result[]
  stderr: string
}

/** A file's real path: a module's URL names it so, whatever path the process was started with. */
const real = (path: string) => {
  try {
    return realpathSync(path)
  } catch {
    return path
  }
}
/** The proofs that read these copies. When one is the process's main file, the copies wait for it to declare. */
const PROOFS = ['exercises', 'mistakes'].map((name) => real(resolve(ROOT, 'tests', `${name}.test.ts`)))
const PROCESSES = Math.min(2, availableParallelism())

interface Planned {
  step: StepName
  /** Unique across the plan: two proofs that ask for the same key read the same run. */
  key: string
  files: () => Map<string, string>
  answer: Promise<CopyRun>
  settle: (run: CopyRun) => void
  started: boolean
}

const plan = new Map<string, Planned>()
const run = limiter(PROCESSES)

// Files loaded with --import are evaluated before the main one, and node:test starts a top-level test as
// soon as it is declared: the first test may ask for its copy before the main proof has declared its own.
// The copies start once the main file has declared, when it is a proof; a copy declared later still runs (in
// another batch), so waiting only spares a second start-up. A proof that forgets to call declared() is waited
// for 5 s at most: it costs that second start-up, never a hang.
const main = process.argv[1] ? real(resolve(process.argv[1])) : ''
let declaredMain: () => void = () => {}
const ready = PROOFS.includes(main)
  ? new Promise<void>((done) => {
      declaredMain = done
      setTimeout(done, 5_000)
    })
  : Promise.resolve()

/** Called by a proof once it has declared every copy it needs (at the end of its module). */
export function declared(moduleUrl: string): void {
  if (real(fileURLToPath(moduleUrl)) === main) declaredMain()
}

const changes = new Map<StepName, { hunks: Hunk[]; problems: string[]; last: number }>()

/** Every change from the step's starter to its solution, each given to its TODO (git diff, read once); `last` is the highest TODO. */
export function changesOf(step: StepName): { hunks: Hunk[]; problems: string[]; last: number } {
  let found = changes.get(step)
  if (!found) {
    const { hunks, problems } = hunksOf(step)
    found = { hunks, problems, last: Math.max(0, ...hunks.map((hunk) => hunk.todo ?? 0)) }
    changes.set(step, found)
  }
  return found
}

/**
 * Declares a copy of the step (while the tests are declared); answers a function that waits for the step's
 * suite to have run on it, with every test. The same key declared twice is one copy.
 */
export function declareCopy(step: StepName, key: string, files: () => Map<string, string>): () => Promise<CopyRun> {
  const id = `${step} · ${key}`
  let planned = plan.get(id)
  if (!planned) {
    let settle!: (run: CopyRun) => void
    const answer = new Promise<CopyRun>((done) => (settle = done))
    planned = { step, key, files, answer, settle, started: false }
    plan.set(id, planned)
  }
  const mine = planned
  return async () => {
    await ready
    if (!mine.started) void runBatch()
    return mine.answer
  }
}

/** The starter with its first `done` exercises applied from the solution (past the last TODO: the solution). */
export function stage(step: StepName, done: number): () => Promise<CopyRun> {
  const { hunks, last } = changesOf(step)
  const upTo = Math.min(done, last)
  return declareCopy(step, `${upTo} done`, () => applyExercises(step, hunks, upTo))
}

/** Every copy declared and not started yet, dealt out to the driver processes in turn. */
async function runBatch(): Promise<void> {
  // By step (in the order declared), so that each process loads a step's suite once for all its copies.
  const order = [...new Set([...plan.values()].map((planned) => planned.step))]
  const batch = [...plan.values()].filter((planned) => !planned.started).sort((a, b) => order.indexOf(a.step) - order.indexOf(b.step))
  batch.forEach((planned) => (planned.started = true))
  const shares = Array.from({ length: Math.min(PROCESSES, batch.length) }, (_, i) => batch.filter((_, j) => j % PROCESSES === i))
  await Promise.all(shares.map((share) => run(() => runShare(share))))
}

let written = 0
async function runShare(share: Planned[]): Promise<void> {
  const dirs: string[] = []
  try {
    for (const planned of share) dirs.push(writeCopy(`copies-${process.pid}-${planned.step.slice(0, 7)}-${written++}`, planned.files()))
    // Consecutive copies of one step share one entry of the driver's command line.
    const suites: Array<{ step: StepName; dirs: string[] }> = []
    share.forEach((planned, i) => {
      const previous = suites.at(-1)
      if (previous?.step === planned.step) previous.dirs.push(dirs[i])
      else suites.push({ step: planned.step, dirs: [dirs[i]] })
    })
    const { results, stderr } = await runSuitesOn(suites)
    const flat = results.flat()
    // The driver prints `::copy N::` on stderr before copy N: what follows is that copy's. A copy with no marker
    // never started: the end of the output says why (a crash of the copy before it, or of the process).
    const parts = stderr.split(/^::copy (\d+)::$/m)
    const stderrOf = new Map<number, string>()
    for (let i = 1; i < parts.length; i += 2) stderrOf.set(Number(parts[i]), parts[i + 1])
    share.forEach((planned, i) => planned.settle({ results: flat[i] ?? [], stderr: stderrOf.get(i) ?? parts[parts.length - 1] }))
  } catch (err) {
    // No copy waits forever: each one's test fails, saying why.
    share.forEach((planned) => planned.settle({ results: [], stderr: `the copies could not be written or run: ${(err as Error).stack ?? err}` }))
  } finally {
    dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true }))
  }
}
