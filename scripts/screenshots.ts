// npm run screenshots: retakes the pictures of the page (the laptop and the phone side by side, one per step)
// that the deck and the READMEs show. The browser suite takes them while it plays each step's story against
// solutions/, so they show what the page really does; they land in slides/images/page/, which git tracks.
// A plain `npm test` takes none, so it never leaves the repo dirty.
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { ROOT } from '../lib/steps.ts'
import { findChromium, HOW_TO_GET_ONE } from '../tests/harness/browser.ts'
import { TSX } from './tsx.ts'

const chromium = findChromium()
if ('missing' in chromium) {
  console.error(`${chromium.missing} ${HOW_TO_GET_ONE}`)
  process.exit(1)
}
const suite = join(ROOT, 'tests', 'browser.test.ts')
const run = spawnSync(process.execPath, [...TSX, '--test', '--test-reporter=dot', suite], {
  cwd: ROOT,
  stdio: 'inherit',
  env: { ...process.env, SCREENSHOTS: '1', WORKSHOP_FLAVOUR: 'solutions' },
})
if (run.status === 0) console.log(`The screenshots are in slides/images/page/: review them, then commit them.`)
process.exit(run.status ?? 1)
