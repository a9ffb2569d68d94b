// Runs one suite file several times in one process, each time against another folder:
//   node --import tsx/esm scripts/test/runs.ts   with WORKSHOP_RUNS='[{"file": …, "env": {…}}, …]'
// One start-up (tsx, koa, knex) for a step's solution and its starter, instead of one each.
// node:test starts a top-level test as soon as it is declared, so a run's environment is set only once every
// test declared before it has finished (the marker `::run N done::`); then its own instance of the suite is
// imported (a query string makes it a new module), so what the suite reads, when it declares its tests and
// when they run, is that run's. A marker `::run N::` opens each run's results. An env value of null unsets
// the variable. Suites loaded before this file (--import) run first, in the environment the process got.
import { test } from 'node:test'
import { pathToFileURL } from 'node:url'

interface Run {
  file: string
  env: Record<string, string | null>
}

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
  await import(`${pathToFileURL(run.file).href}?run=${index}`)
  before = new Promise((resolve) => test(`::run ${index} done::`, () => resolve()))
}
