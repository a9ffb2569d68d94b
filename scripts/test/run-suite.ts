// Runs one test file in a child `node --test` and collects its results, one per test.
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { ROOT } from '../../lib/steps.ts'
import { jobEnv, noteTests } from './profile.ts'
import { TSX } from '../tsx.ts'

export interface TestResult {
  name: string
  /** The file that declared it (a shared helper's, for a test that a helper declares). */
  file?: string
  /** The name of its top-level suite: which suite it belongs to when one process runs several. */
  top?: string
  status: 'pass' | 'fail' | 'skip'
  /** Why it was skipped: a sentence of the test's, or node:test's own for a name-pattern filter. */
  reason?: string
  message?: string
  /** Its wall time, node:test's duration_ms. */
  ms?: number
}

export interface SuiteRun {
  results: TestResult[]
  /** The results of each of `again`'s runs, in order. */
  again: TestResult[][]
  exitCode: number
  /** What the child printed outside the reporter (a crash, a syntax error). */
  stderr: string
}

const RESULTS_REPORTER = join(ROOT, 'scripts', 'reporters', 'results.mjs')

export interface SuiteOptions {
  file: string
  /** The environment the child starts from (`env` is added to it): this process's, unless a caller has its own. */
  parentEnv?: NodeJS.ProcessEnv
  env?: Record<string, string>
  /** Only the tests whose name, or an enclosing suite's name, matches one of these. */
  namePatterns?: string[]
  /** More suite files to load into the same process (their results carry their own `file`). */
  alongside?: string[]
  /**
   * The same suite again, in the same process, once per entry, with these variables changed (null unsets
   * one): a step's starter after its solution, for one start-up instead of two. Runs after everything else.
   */
  again?: Array<Record<string, string | null>>
}

const RUNS = join(ROOT, 'scripts', 'test', 'runs.ts')
const RUN_MARKER = /^::run (\d+)( done)?::$/

export function runSuite({ file, parentEnv = process.env, env = {}, namePatterns = [], alongside = [], again = [] }: SuiteOptions): Promise<SuiteRun> {
  // The file runs directly in one process (no `--test`, which would spawn a second one per file):
  // node:test still applies the reporter and the name pattern, and it halves the start-up cost.
  const args = [...TSX, `--test-reporter=${RESULTS_REPORTER}`]
  for (const pattern of [...namePatterns, ...(again.length && namePatterns.length ? [RUN_MARKER.source] : [])]) args.push(`--test-name-pattern=${pattern}`)
  for (const other of alongside) args.push('--import', pathToFileURL(other).href)
  args.push(again.length ? RUNS : file)
  const runs = again.length ? { WORKSHOP_RUNS: JSON.stringify([{ file, env: {} }, ...again.map((changes) => ({ file, env: changes }))]) } : {}
  const childEnv: NodeJS.ProcessEnv = { ...parentEnv, ...env, ...jobEnv(), ...runs }
  if (!again.length) delete childEnv.WORKSHOP_RUNS
  if (!env.WORKSHOP_TARGET) delete childEnv.WORKSHOP_TARGET
  if (!env.WORKSHOP_BROWSER_GAPS) delete childEnv.WORKSHOP_BROWSER_GAPS
  return spawnSuites(args, childEnv).then(({ parts: [results, ...later], exitCode, stderr }) => ({
    results,
    again: again.map((_, i) => later[i] ?? []),
    exitCode,
    stderr: stderr.replace(STDERR_MARKER, ''),
  }))
}

/** One run of runSuites: a suite file, and the variables it runs with (null unsets one). */
export interface Run {
  file: string
  env: Record<string, string | null>
}

/**
 * Several suites in one process, one after the other (scripts/test/runs.ts): one start-up (tsx, koa, knex) for
 * them all. Each answer holds its own run's results and what was printed while it ran; its exitCode is 1 when
 * one of its tests failed or none ran. A suite that cannot even be imported reports no test, and the runs after
 * it still run.
 */
export async function runSuites(runs: Run[], parentEnv: NodeJS.ProcessEnv = process.env): Promise<SuiteRun[]> {
  const childEnv: NodeJS.ProcessEnv = { ...parentEnv, ...jobEnv(), WORKSHOP_RUNS: JSON.stringify(runs) }
  delete childEnv.WORKSHOP_TARGET
  delete childEnv.WORKSHOP_BROWSER_GAPS
  const { parts, stderr } = await spawnSuites([...TSX, `--test-reporter=${RESULTS_REPORTER}`, RUNS], childEnv)
  // runs.ts writes `::run N::` on stderr before it imports run N: what follows is that run's.
  const printed = stderr.split(STDERR_MARKER)
  return runs.map((_, i) => {
    const results = parts[i] ?? []
    const failed = results.length === 0 || results.some((result) => result.status === 'fail')
    return { results, again: [], exitCode: failed ? 1 : 0, stderr: printed[i + 1] ?? printed.at(-1) ?? '' }
  })
}

const STDERR_MARKER = /^::run \d+::\n/gm

/**
 * Starts `node args`, and answers its results split by run: before the marker test of run 1, the first run and
 * the suites alongside it; then each later run's own.
 */
function spawnSuites(args: string[], childEnv: NodeJS.ProcessEnv): Promise<{ parts: TestResult[][]; exitCode: number; stderr: string }> {
  delete childEnv.NODE_TEST_CONTEXT // set inside a test run; a nested `node --test` would refuse to start
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk) => (stdout += chunk))
    child.stderr.on('data', (chunk) => (stderr += chunk))
    child.on('close', (code) => {
      const lines = stdout
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as TestResult)
      const parts: TestResult[][] = [[]]
      for (const result of lines) {
        const marker = RUN_MARKER.exec(result.name)
        if (marker && result.top === result.name) {
          if (Number(marker[1]) > 0 && !marker[2]) parts.push([])
        } else parts[parts.length - 1].push(result)
      }
      noteTests(lines)
      resolve({ parts, exitCode: code ?? 1, stderr })
    })
  })
}

/** A job for inPool: a bare function, or one in a lane whose jobs run one at a time. */
export type PoolJob<T> = (() => Promise<T>) | { run: () => Promise<T>; lane: string }

/**
 * Runs jobs with at most `limit` at a time, keeping their order in the answer. Jobs of one lane run one after
 * the other (the PostgreSQL pass's suites share one server's connections); a free worker takes the next job
 * whose lane is idle, and waits only when every job left is in a busy lane.
 */
export async function inPool<T>(jobs: Array<PoolJob<T>>, limit: number): Promise<T[]> {
  const answers: T[] = new Array(jobs.length)
  const pending = jobs.map((_, index) => index)
  const busy = new Set<string>()
  const laneOf = (index: number) => {
    const job = jobs[index]
    return typeof job === 'function' ? undefined : job.lane
  }
  let waiting: Array<() => void> = []
  const worker = async () => {
    while (pending.length > 0) {
      const at = pending.findIndex((index) => !busy.has(laneOf(index) ?? ''))
      if (at === -1) {
        await new Promise<void>((resolve) => waiting.push(resolve))
        continue
      }
      const [index] = pending.splice(at, 1)
      const job = jobs[index]
      const lane = laneOf(index)
      if (lane) busy.add(lane)
      try {
        answers[index] = await (typeof job === 'function' ? job() : job.run())
      } finally {
        if (lane) busy.delete(lane)
        const woken = waiting
        waiting = []
        woken.forEach((wake) => wake())
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, jobs.length) }, worker))
  return answers
}
