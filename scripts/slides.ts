// npm run slides        → slides/dist/index.html, self-contained: it loads nothing remote
// npm run slides:serve  → a live-reloading server while you edit the deck
// npm run slides:pdf    → slides/dist/deck.pdf, when a Chrome or Chromium is installed
//
// The deck is slides/deck.md. Marp has no "include", so the build first assembles slides/dist/index.md:
// the deck with the benchmark's table (slides/bench.md, written by `npm run bench`) in place of the
// hand-written one, next to copies of the images it names. Marp then converts that folder.
import { marpCli } from '@marp-team/marp-cli'
import { cpSync, existsSync, mkdirSync, readFileSync, watch, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { ROOT } from '../lib/steps.ts'
import { startedDirectly } from './cli.ts'

export const SLIDES = join(ROOT, 'slides')
export const DIST = join(SLIDES, 'dist')
export const HTML = join(DIST, 'index.html')
const CONFIG = join(SLIDES, 'marp.config.mjs')
const BENCH_TABLE = /<!-- bench-table:start[\s\S]*?<!-- bench-table:end -->/

/**
 * slides/bench.md holds one table per measurement (the steps' GET /me, then step 07's service and token): one
 * slide each, since two tables do not fit one 1280×720 slide.
 */
function benchSlides(bench: string): string {
  const [steps, ...others] = bench.trim().split(/\n\n(?=\|[^\n]*\|\n\|---)/)
  return [steps, ...others.map((table) => `---\n\n<!-- _class: bench -->\n\n## Step 07's other side: the service, the token, and asking the app\n\n<!--\nThe service verifies with no query; the token costs one query and a signature; asking the app about every\ntoken (introspection, RFC 7662) revokes at once, at a round trip per request: the trade-off, measured.\n-->\n\n${table}`)].join('\n\n')
}

/** Writes slides/dist/index.md and the files it names; returns the markdown. */
export function assemble(): string {
  let deck = readFileSync(join(SLIDES, 'deck.md'), 'utf8')
  const benchTable = join(SLIDES, 'bench.md')
  if (existsSync(benchTable)) deck = deck.replace(BENCH_TABLE, () => benchSlides(readFileSync(benchTable, 'utf8')))
  mkdirSync(DIST, { recursive: true })
  // Copies, not links: slides/dist/ must open from a USB stick or a zip, with no repo around it.
  cpSync(join(SLIDES, 'images'), join(DIST, 'images'), { recursive: true })
  cpSync(join(SLIDES, 'bench.svg'), join(DIST, 'bench.svg'))
  writeFileSync(join(DIST, 'index.md'), deck)
  return deck
}

/** The first Chrome or Chromium found: CHROME_PATH first, then the usual Linux and macOS places. */
export function findBrowser(): string | undefined {
  const candidates = [
    process.env.CHROME_PATH,
    '/usr/bin/chromium',
    '/usr/bin/chromium-browser',
    '/usr/bin/google-chrome',
    '/usr/bin/google-chrome-stable',
    '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
    '/Applications/Chromium.app/Contents/MacOS/Chromium',
  ]
  return candidates.find((path) => path && existsSync(path))
}

const marp = (...args: string[]) => marpCli(['--config-file', CONFIG, ...args], {})

async function build(): Promise<number> {
  assemble()
  const code = await marp(join(DIST, 'index.md'), '--output', HTML)
  if (code === 0) console.log(`The deck is in ${relative(process.cwd(), HTML)}: open it in a browser (P opens the presenter view).`)
  return code
}

async function serve(): Promise<number> {
  assemble()
  // Marp's server reloads the page when slides/dist/ changes; this watcher refreshes slides/dist/
  // whenever the deck, an image or the benchmark's output changes.
  watch(SLIDES, { recursive: true }, (_event, file) => {
    if (!file || file.startsWith('dist')) return
    try {
      assemble()
    } catch (err) {
      console.error(`Could not refresh the deck after a change to ${file}: ${(err as Error).message}`)
    }
  })
  const port = process.env.PORT ?? '8080'
  console.log(`Presenting from http://localhost:${port}/index.md (edit slides/deck.md; the page reloads).`)
  return marp('--server', DIST)
}

async function pdf(): Promise<number> {
  const browser = findBrowser()
  if (!browser) {
    console.error(
      'No Chrome or Chromium found, and Marp needs one to print a PDF.\n' +
        '  Debian/Ubuntu: sudo apt-get install chromium\n' +
        '  elsewhere: install Chrome or Chromium, then set CHROME_PATH=/path/to/chrome\n' +
        'The HTML deck (npm run slides) needs no browser to build.',
    )
    return 1
  }
  // Chromium refuses to start its sandbox as root (CI, containers); Marp reads this variable.
  if (process.getuid?.() === 0) process.env.CHROME_NO_SANDBOX = '1'
  assemble()
  const output = join(DIST, 'deck.pdf')
  // --allow-local-files: without it, Chromium blocks the file:// SVG diagrams and they vanish from the PDF.
  const code = await marp(join(DIST, 'index.md'), '--pdf', '--allow-local-files', '--browser-path', browser, '--output', output)
  if (code === 0) console.log(`The PDF is in ${relative(process.cwd(), output)}.`)
  return code
}

const commands: Record<string, () => Promise<number>> = { build, serve, pdf }
const command = commands[process.argv[2] ?? '']
if (startedDirectly(import.meta.url)) {
  if (!command) {
    console.error('Usage: tsx scripts/slides.ts build | serve | pdf   (npm run slides, slides:serve, slides:pdf)')
    process.exit(1)
  }
  process.exitCode = await command()
}
