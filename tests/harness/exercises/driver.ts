// Runs one step's suite against several copies in one process, one after the other:
//   node --import tsx driver.ts <suite file> <copy dir>...
// A marker test before each copy points WORKSHOP_TARGET at it when it runs (node:test runs top-level tests one
// after the other, in order; the suites read it only when a test starts its app), and each copy imports its
// own instance of the suite (a query string makes it a new module).
import { test } from 'node:test'
import { pathToFileURL } from 'node:url'

const [suite, ...dirs] = process.argv.slice(2)
for (const [index, dir] of dirs.entries()) {
  test(`::copy ${index}::`, () => {
    process.env.WORKSHOP_TARGET = dir
    process.stderr.write(`::copy ${index}::\n`) // what the app prints (a 500's line) belongs to the copy after the last marker
  })
  await import(`${pathToFileURL(suite).href}?copy=${index}`)
}
