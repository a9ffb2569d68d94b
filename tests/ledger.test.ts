// The closing answer is one ledger in four groups (README.md → "The ledger, by cause"), told in four places:
// the README, step 06's README, the deck and `npm run demo -- step-06`. Its rows name the tests that show them,
// so a renamed test must not leave a ledger row pointing at nothing.
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import { ROOT, STEPS, stepNumber } from '../lib/steps.ts'

const GROUPS = [
  'What a self-contained signed token costs, wherever it is kept',
  "What keeping it within the page's reach costs",
  'What rotating refresh tokens costs, opaque or JWT alike',
  'What sessions cost',
]

const read = (path: string) => readFileSync(join(ROOT, path), 'utf8').replaceAll('’', "'")

/** The part of a file between two markers: where the ledger is told. */
function section(path: string, from: string, to: string): string {
  const text = read(path)
  const start = text.indexOf(from)
  assert.ok(start >= 0, `${path} has no "${from}": where is the ledger?`)
  const end = text.indexOf(to, start + from.length)
  return text.slice(start, end < 0 ? undefined : end)
}

const PLACES: Record<string, () => string> = {
  'README.md': () => section('README.md', '### The ledger, by cause', '\n## '),
  'steps/step-06-sessions-revisited/README.md': () => section('steps/step-06-sessions-revisited/README.md', '### What stays hard', 'Beyond the ledger'),
  'slides/deck.md': () => section('slides/deck.md', '## The ledger, by cause', '## What no test shows'),
  'scripts/demos/step-06-sessions-revisited.ts': () => read('scripts/demos/step-06-sessions-revisited.ts'),
}

/** Every test name written in the suites and their harness, as a pattern (a `${…}` in a name matches anything). */
function testNames(): RegExp[] {
  const files = ['tests', 'tests/harness'].flatMap((dir) =>
    readdirSync(join(ROOT, dir))
      .filter((file) => file.endsWith('.ts'))
      .map((file) => join(dir, file)),
  )
  const names: RegExp[] = []
  for (const file of files) {
    for (const match of read(file).matchAll(/\btest\((['"`])((?:\\.|(?!\1)[^\\])*)\1/g)) {
      const name = match[2].replace(/\\(.)/g, '$1')
      const pattern = name.split(/\$\{[^}]*\}/).map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.+?')
      names.push(new RegExp(`^${pattern}$`))
    }
  }
  return names
}

/** The test names a ledger cites: `backticked` in the READMEs, "quoted" in the deck's notes; a name has six words or more. */
function citations(text: string): string[] {
  const cited = [...text.matchAll(/`([^`\n]+)`/g), ...text.matchAll(/"([^"\n]+)"/g)].map((match) => match[1])
  return cited.filter((name) => name.split(' ').length >= 6 && !/^(npm|curl|node) /.test(name))
}

/** A gap closed by a step this checkout does not have yet (step 07 on its own branch) cannot have its test here. */
const closedByAStepNotBuilt = (name: string) => {
  const closer = /^gap \(closed in step-(\d+)\)/.exec(name)?.[1]
  return closer !== undefined && !STEPS.some((step) => stepNumber(step) === Number(closer))
}

describe('the closing ledger, by cause', () => {
  test('its four groups read the same in the README, step 06\'s README, the deck and the step-06 demo', () => {
    for (const [place, text] of Object.entries(PLACES)) {
      const told = text()
      for (const group of GROUPS) assert.ok(told.includes(group), `${place} should tell the group "${group}" in these words (README.md → "The ledger, by cause")`)
    }
  })

  test('every test name the ledger cites is the name of a test in a suite', () => {
    const names = testNames()
    let checked = 0
    // The demo plays the rows rather than naming tests: its backticks are template strings, not citations.
    for (const [place, text] of Object.entries(PLACES).filter(([place]) => !place.endsWith('.ts'))) {
      for (const name of citations(text())) {
        if (closedByAStepNotBuilt(name)) continue
        checked += 1
        assert.ok(names.some((pattern) => pattern.test(name)), `${place} cites a test that no suite has: "${name}". Was it renamed?`)
      }
    }
    assert.ok(checked >= 20, `the ledger should name its tests; found only ${checked} citations`)
  })
})
