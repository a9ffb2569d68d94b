// Runs step suites against several copies in one process, one after the other:
//   node --import tsx/esm driver.ts <suite file> <copy dir>... [<suite file> <copy dir>...]...
// Each copy follows the suite named before it, so one process can run the copies of every step. A marker
// test before each copy points WORKSHOP_TARGET at it when it runs (node:test runs top-level tests one after
// the other, in order; the suites read it only when a test starts its app), and each copy imports its own
// instance of the suite (a query string makes it a new module). Markers count the copies across suites.
import { test } from 'node:test'
import { pathToFileURL } from 'node:url'

let suite: string | undefined
let index = 0
for (const arg of process.argv.slice(2)) {
  if (arg.endsWith('.test.ts')) {
    suite = arg
    continue
  }
  if (!suite) throw new Error(`driver.ts: a copy (${arg}) must follow the suite it runs`)
  const dir = arg
  test(`::copy ${index}::`, () => {
    process.env.WORKSHOP_TARGET = dir
    process.stderr.write(`::copy ${index}::\n`) // what the app prints (a 500's line) belongs to the copy after the last marker
  })
  await import(`${pathToFileURL(suite).href}?copy=${index++}`)
}
