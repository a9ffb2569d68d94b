// The learner's `npm test -- step-04`: one suite, readable output, and a watch mode.
import { spawn, type ChildProcess } from 'node:child_process'
import { watch as watchFolder, type FSWatcher } from 'node:fs'
import { basename, join, relative } from 'node:path'
import { pathToFileURL } from 'node:url'
import { ROOT } from '../../lib/steps.ts'
import { todoOfFunction } from '../../tests/harness/expect.ts'
import { startTypecheck, typecheckTest } from './typecheck.ts'
import { TSX } from '../tsx.ts'

export interface LearnerSuite {
  file: string
  env: Record<string, string>
  label: string
}

const LEARNER_REPORTER = join(ROOT, 'scripts', 'reporters', 'learner.mjs')

const SUITE_ENTRY = join(ROOT, 'scripts', 'test', 'suite-entry.ts')

function start(suite: LearnerSuite): ChildProcess {
  console.log(`Testing ${suite.label} with ${relative(ROOT, suite.file)}\n`)
  const args = [...TSX, `--test-reporter=${LEARNER_REPORTER}`, SUITE_ENTRY]
  return spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...suite.env, WORKSHOP_SUITE_FILE: suite.file }, stdio: 'inherit' })
}

export function runLearnerSuite(suite: LearnerSuite): Promise<number> {
  return new Promise((resolve) => start(suite).on('close', (code) => resolve(code ?? 1)))
}

/** True when this process was started with the learner's reporter, as `npm test` starts it. */
export const reportsAsLearner = () => process.execArgv.some((arg) => arg.startsWith('--test-reporter=') && arg.endsWith(join('reporters', 'learner.mjs')))

/**
 * The suite in this very process, one start-up less than a child (a third of a second here, before the
 * first test). node:test reports through the learner's reporter that `npm test` set, and sets the exit code.
 */
export async function runLearnerSuiteHere(suite: LearnerSuite): Promise<void> {
  console.log(`Testing ${suite.label} with ${relative(ROOT, suite.file)}\n`)
  Object.assign(process.env, suite.env)
  await runSuiteWithTypecheck(suite.file, suite.env.WORKSHOP_TARGET)
}

/**
 * Imports the suite; for a step folder, tsc checks it meanwhile in a child process (WORKSHOP_TYPECHECK=0 leaves
 * it out, to measure what it costs), and its answer is a test after the suite's.
 */
export async function runSuiteWithTypecheck(file: string, stepFolder: string | undefined): Promise<void> {
  const check = stepFolder && process.env.WORKSHOP_TYPECHECK !== '0' ? startTypecheck(stepFolder) : undefined
  await import(pathToFileURL(file).href)
  // Declared at once, with nothing awaited first: the suite's tests are already running, and a test declared
  // after the last of them has finished would never be reported.
  if (check) typecheckTest(check, (name, fn) => todoOfFunction(basename(file), name, fn))
}

/**
 * Reruns the suite whenever a file under steps/, solutions/, lib/ or tests/ changes. Uses recursive
 * fs.watch; where the file system cannot watch (some network and WSL mounts), it says so and exits.
 */
export async function watch(suite: LearnerSuite): Promise<void> {
  let child: ChildProcess | undefined
  let timer: NodeJS.Timeout | undefined
  const rerun = () => {
    child?.kill()
    console.clear()
    child = start(suite)
    child.on('close', () => console.log('\nWatching for changes… (Ctrl-C to stop)'))
  }
  const watchers: FSWatcher[] = []
  try {
    for (const folder of ['steps', 'solutions', 'lib', 'tests']) {
      watchers.push(
        watchFolder(join(ROOT, folder), { recursive: true }, (_event, file) => {
          if (!file || !/\.(ts|mjs|json)$/.test(String(file))) return
          clearTimeout(timer)
          timer = setTimeout(rerun, 150) // an editor's save is often several writes
        }),
      )
    }
  } catch (err: any) {
    watchers.forEach((w) => w.close())
    console.error(`File watching does not work here (${err.code ?? err.message}). Rerun \`npm test -- <step>\` by hand after each save.`)
    process.exit(2)
  }
  rerun()
  await new Promise(() => {}) // until Ctrl-C
}
