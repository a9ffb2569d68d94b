// The deck, built once per process with `npm run slides` (scripts/slides.ts build), as a presenter builds it.
// tests/slides.test.ts and tests/slides-browser.test.ts both need it: when the runner loads them into one
// process (scripts/test/workshop.ts), they share this one build instead of making it twice.
import { spawn } from 'node:child_process'
import { ROOT } from '../../lib/steps.ts'
import { TSX } from '../../scripts/tsx.ts'

export interface Build {
  status: number | null
  output: string
}

let building: Promise<Build> | undefined

/** Runs the build the first time it is asked for; every later call in this process gets the same answer. */
export function buildDeck(): Promise<Build> {
  building ??= new Promise((resolve) => {
    const child = spawn(process.execPath, [...TSX, 'scripts/slides.ts', 'build'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', (chunk) => (output += chunk))
    child.stderr.on('data', (chunk) => (output += chunk))
    child.on('close', (status) => resolve({ status, output }))
  })
  return building
}
