// The learner's path, true at every exercise. For every step, the solution is applied to a copy of the starter
// one exercise at a time (each change of the diff belongs to the TODO(n) it replaces), and the step's suite runs
// on each copy. Each README exercise's "Check it" must then pass once that exercise and the ones before it are
// done, need nothing later, and check something: it must not pass before its exercise is done.
// A "Check it" says what to look for in words a machine can read too: test or group names in backticks
// ("`…` passes"; a backticked text without a space, such as `/me`, is code), "the failures stop naming
// TODO(n)", "`npm test -- step-NN` is all green", or "together with Exercise n+1" where nothing can check an
// exercise alone; "except `…`" leaves a test out of a named group.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import { stepDir, stepExists, STEPS, type StepName } from '../lib/steps.ts'
import { changesOf, declared, stage } from './harness/exercises/copies.ts'
import { applyExercises, broken, claimedTests, readmeClaims, type Result } from './harness/exercises/path.ts'

// The copies (the starter with k exercises done, for every k) run with every test, once for this proof and
// tests/mistakes.test.ts when both are loaded in one process (harness/exercises/copies.ts): in two processes,
// started at the first test's need, once every copy is declared.
const range = (n: number) => (n === 0 ? 'nothing' : n === 1 ? 'Exercise 1' : `Exercises 1–${n}`)

describe('the learner’s path: every "Check it" is true where it stands', { concurrency: true }, () => {
  for (const step of STEPS.filter((name) => stepExists(name, 'steps') && stepExists(name, 'solutions'))) {
    describe(step, { concurrency: true }, () => pathOf(step))
  }
})
declared(import.meta.url)

function pathOf(step: StepName) {
  const label = step.slice(0, 7)
  const readme = `steps/${step}/README.md`
  const { hunks, problems } = changesOf(step)
  const claims = readmeClaims(step)
  const last = Math.max(0, ...claims.map((claim) => claim.exercise), ...hunks.map((hunk) => hunk.todo ?? 0))

  // Copy k (k exercises done) checks Exercise k's claim, and that Exercise k+1's does not hold yet; a false
  // claim is checked on the copies after it, to say which exercise it needs.
  const stages = Array.from({ length: last + 1 }, (_, k) => stage(step, k))
  const base = async (k: number): Promise<Result[]> => {
    const { results, stderr } = await stages[k]()
    assert.ok(results.length > 0, `the suite did not run on ${label} with ${range(k)} done:\n${stderr.slice(0, 1500)}`)
    return results
  }

  test(`${label}: the solution is the starter with its TODOs done, each change belonging to one TODO`, () => {
    assert.deepEqual(problems, [], `steps/${step} → solutions/${step}:\n${problems.join('\n')}`)
    const done = applyExercises(step, hunks, last)
    for (const [file, text] of done) {
      assert.equal(text, readFileSync(join(stepDir(step, 'solutions'), file), 'utf8'), `${file}: every TODO applied should give the solution`)
    }
    const todos = [...new Set(hunks.map((hunk) => hunk.todo).filter((n) => n !== undefined))].sort((a, b) => a - b)
    const exercises = claims.map((claim) => claim.exercise)
    assert.deepEqual(todos.filter((n) => !exercises.includes(n)), [], `${readme} has no "### Exercise n" for these TODOs`)
  })

  for (const claim of claims) {
    const n = claim.exercise
    test(`${label} Exercise ${n}: its "Check it" passes with ${range(n)} done, needs nothing later, and fails before`, async () => {
      assert.ok(claim.text, `${readme} → Exercise ${n} has no "Check it:" line`)
      assert.ok(
        claim.allGreen || claim.stopNaming.length > 0 || claim.names.length > 0 || claim.deferredTo !== undefined,
        `${readme} → Exercise ${n}: "${claim.text}" names nothing a learner can look for: put test or group names in backticks, ` +
          'say "the failures stop naming TODO(n)", "`npm test -- step-NN` is all green", or "together with Exercise n+1"',
      )
      if (claim.deferredTo !== undefined) {
        assert.equal(claim.deferredTo, n + 1, `${readme} → Exercise ${n} may leave its check to the next exercise only, not to Exercise ${claim.deferredTo}`)
        assert.ok(claims.some((other) => other.exercise === n + 1), `${readme} → Exercise ${n} leaves its check to Exercise ${n + 1}, which has none`)
        return
      }
      // Every run reports every test, the ones it skips included: enough to know the suite's names.
      const now = await base(n)
      const known = new Set(now.flatMap((result) => [result.name, ...result.groups]))
      for (const name of [...claim.names, ...claim.except]) {
        assert.ok(known.has(name), `${readme} → Exercise ${n} names \`${name}\`, which is no test or group of tests/${step}.test.ts`)
      }
      if (!claim.allGreen && claim.names.length > 0) assert.ok(claimedTests(claim, now).length > 0, `Exercise ${n}'s "Check it" names no test that runs`)

      const why = broken(claim, now)
      if (why) {
        let needed = -1
        for (let done = n + 1; done <= last && needed === -1; done++) if (!broken(claim, await base(done))) needed = done
        const needs = needed === -1 ? 'it fails even with every exercise done' : `it passes only once Exercise ${needed} is done too`
        assert.fail(`${readme} → Exercise ${n} is false where it stands: "${claim.text}"\nWith ${range(n)} done (from the solution), ${needs}:\n${why}`)
      }
      if (n > 0) {
        assert.ok(
          broken(claim, await base(n - 1)),
          `${readme} → Exercise ${n}: "${claim.text}" passes already with ${range(n - 1)} done, so it checks nothing that Exercise ${n} adds`,
        )
      }
    })
  }
}
