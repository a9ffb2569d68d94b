// Runs suite files one after the other in one process, each with its own environment (the same suite against
// another folder, or another suite):
//   node --import tsx/esm scripts/test/runs.ts   with WORKSHOP_RUNS='[{"file": …, "env": {…}}, …]'
// One start-up (tsx, koa, knex) for a step's solution and its starter, or for every step of `npm run progress`.
// node:test starts a top-level test as soon as it is declared, so a run's environment is set only once every
// test declared before it has finished (the marker `::run N done::`); then its own instance of the suite is
// imported (a query string makes it a new module), so what the suite reads, when it declares its tests and
// when they run, is that run's. A marker `::run N::` opens each run's results. An env value of null unsets
// the variable. Suites loaded before this file (--import) run first, in the environment the process got.
// Before it imports run N, it writes `::run N::` on stderr: what the suite prints from then on is that run's. A
// suite that cannot be imported (a syntax error in the suite file) reports no test; its error is printed in its
// part of stderr, and the next run still runs.
import { test } from 'node:test'
import { pathToFileURL } from 'node:url'
import type { Run } from './run-suite.ts'

const apply = (env: Run['env']) => {
  for (const [name, value] of Object.entries(env)) {
    if (value === null) delete process.env[name]
    else process.env[name] = value
  }
}

const runs = JSON.parse(process.env.WORKSHOP_RUNS ?? '[]') as Run[]
let before: Promise<void> = Promise.resolve()
for (const [index, run] of runs.entries()) {
  await before
  apply(run.env)
  test(`::run ${index}::`, () => {})
  process.stderr.write(`::run ${index}::\n`)
  try {
    await import(`${pathToFileURL(run.file).href}?run=${index}`)
  } catch (err) {
    console.error(err)
    process.exitCode = 1
  }
  before = new Promise((resolve) => test(`::run ${index} done::`, () => resolve()))
}
