// Every exercise's hints give a nudge before the code (STYLE.md → "A step README": tiered, a nudge first and the
// code last), so a learner who opens the hints is not handed the answer at once.
import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import { ROOT, STEPS } from '../lib/steps.ts'

describe('the step READMEs’ hints', () => {
  test('every exercise of every step README has a nudge before its code', () => {
    const problems: string[] = []
    for (const step of STEPS) {
      const path = join(ROOT, 'steps', step, 'README.md')
      if (!existsSync(path)) continue
      const readme = readFileSync(path, 'utf8')
      for (const [, n] of readme.matchAll(/^### Exercise (\d+)\b/gm)) {
        const nudge = readme.indexOf(`<summary>Exercise ${n}: a nudge</summary>`)
        const code = readme.indexOf(`<summary>Exercise ${n}: the code</summary>`)
        if (nudge === -1) problems.push(`steps/${step}/README.md: Exercise ${n} has no "<summary>Exercise ${n}: a nudge</summary>"`)
        else if (code !== -1 && code < nudge) problems.push(`steps/${step}/README.md: Exercise ${n}'s code comes before its nudge`)
      }
    }
    assert.deepEqual(problems, [], problems.join('\n'))
  })
})
