// `npm run bench`, in its shortest mode (0.05 s of load per app, two connections, every app in one server
// process: the table's columns are checked, not its speeds). It must finish, and its table must be complete. It writes where a learner's run
// writes, to .bench/ (git-ignored): the committed slides/bench.* are never touched, and `git status` says the
// same before and after.
import assert from 'node:assert/strict'
import { execFile, execFileSync } from 'node:child_process'
import { readFileSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import { promisify } from 'node:util'
import { ROOT, STEPS, stepExists } from '../lib/steps.ts'
import { parseOptions, UsageError } from '../scripts/bench/options.ts'
import { TSX } from '../scripts/tsx.ts'

const run = promisify(execFile)
const BENCH = [...TSX, join(ROOT, 'scripts', 'bench.ts')]

/** What `git status` shows: nothing a run leaves behind may show there. */
const gitStatus = () => execFileSync('git', ['status', '--porcelain', '--untracked-files=all'], { cwd: ROOT, encoding: 'utf8' })

async function bench(...args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, [...BENCH, ...args], { cwd: ROOT, timeout: 10 * 60_000 /* a hang, not a slow machine */, maxBuffer: 16 * 1024 * 1024 })
    return { code: 0, stdout, stderr }
  } catch (err: any) {
    return { code: err.code ?? 1, stdout: err.stdout ?? '', stderr: err.stderr ?? '' }
  }
}

/** The rows of the `which`-th table of the file (0: every step's GET /me; 1: step 07's service side). */
function tableRows(markdown: string, which = 0): string[][] {
  const tables = markdown.split(/\n\s*\n/).filter((block) => block.startsWith('|'))
  return (tables[which] ?? '')
    .split('\n')
    .filter((line) => line.startsWith('|') && !line.startsWith('|---'))
    .map((line) => line.slice(1, -1).split('|').map((cell) => cell.trim()))
}

describe('npm run bench', () => {
  test('a short run measures every solution, the claims-only JWT and the ceiling, and writes a complete table and a chart', { timeout: 11 * 60_000 }, async () => {
    const out = join(ROOT, '.bench')
    const status = gitStatus()
    const committed = join(ROOT, 'slides', 'bench.md')
    const before = (() => {
      try {
        return statSync(committed).mtimeMs
      } catch {
        return undefined
      }
    })()
    try {
      const result = await bench('--duration', '0.05', '--connections', '2', '--one-process')
      assert.equal(result.code, 0, `the bench failed:\n${result.stderr}\n${result.stdout}`)
      assert.match(result.stdout, /counting queries/, 'it prints progress while it runs')
      assert.match(result.stdout, /starting \d+ servers in one process/, 'every app in one server process: one start-up, not one per app')
      assert.match(result.stdout, /wrote \.bench\/bench\.md/, 'a learner\'s run writes to .bench/')
      assert.match(result.stdout, /too short to rank the rows by requests\/s/, 'a 0.05 s run says it cannot rank the rows')
      assert.equal(gitStatus(), status, 'git status is the same after the bench as before')

      const markdown = readFileSync(join(out, 'bench.md'), 'utf8')
      assert.ok(result.stdout.includes(markdown.split('\n')[0]), 'it prints the table at the end')
      const [header, ...rows] = tableRows(markdown)
      const solutions = STEPS.filter((step) => stepExists(step, 'solutions'))
      assert.equal(rows.length, solutions.length + 2, `one row per solution (${solutions.length}), one for the claims-only JWT and one for the ceiling`)
      assert.match(header[2], /bytes of credential per request/, 'the third column: the bytes of credential every request carries')
      for (const row of rows) {
        assert.equal(row.length, header.length, `row "${row[0]}" has ${row.length} cells, the header ${header.length}`)
        for (const cell of row) assert.ok(cell.length > 0, `row "${row[0]}" has an empty cell`)
        assert.match(row[1], /^\d+/, `row "${row[0]}": queries per GET /me should be counted`)
        assert.match(row[2], /^\d+$/, `row "${row[0]}": the bytes of credential per request should be counted`)
        assert.match(row[3], /^[\d,]+$/, `row "${row[0]}": requests/s should be a number`)
        assert.match(row[4], /^\d+ %$/, `row "${row[0]}": the share of the ceiling`)
        assert.match(row[5], /^[\d.]+ ms$/, `row "${row[0]}": p50`)
        assert.match(row[6], /^[\d.]+ ms$/, `row "${row[0]}": p99`)
      }
      assert.match(rows[0][0], /ceiling/, 'the first row is the ceiling')
      assert.equal(rows[0][2], '0', 'the ceiling carries no credential')
      assert.equal(rows[0][4], '100 %')
      const claimsOnly = rows[1]
      assert.match(claimsOnly[0], /claims-only JWT/, 'the second row: a JWT trusted as it stands, without loading the user')
      assert.equal(claimsOnly[1], '0', 'the claims-only JWT runs no query on GET /me')
      assert.ok(Number(claimsOnly[2]) > 150, `the claims-only JWT carries the id and the email on every request: ${claimsOnly[2]} bytes`)
      assert.equal(claimsOnly[7], 'never, until it expires (15 min)', 'nothing reaches a claims-only token after a logout: it dies at its exp')
      assert.equal(claimsOnly[8], 'never, until it expires (15 min)', 'nor after a password change')
      for (const [i, step] of solutions.entries()) {
        const row = rows[i + 2]
        assert.ok(row[0].startsWith(step.slice(5, 7)), `row ${i + 2} should be ${step}, got "${row[0]}"`)
        assert.match(row[7], /^(at once|within .+|not within .+)$/, `${step}: how a stolen credential fares after logout`)
        assert.match(row[8], /^(at once|within .+|not within .+)$/, `${step}: and after a password change`)
      }
      const byStep = (prefix: string) => rows.find((row) => row[0].startsWith(prefix))
      if (byStep('01')) assert.match(byStep('01')![1], /^2/, 'step 01 does two queries per GET /me, and the table must say so')
      for (const prefix of ['01', '06']) {
        if (byStep(prefix)) assert.ok(Number(byStep(prefix)![2]) < 64, `step ${prefix}'s \`sid\` cookie is a few dozen bytes, got ${byStep(prefix)![2]}`)
      }
      for (const prefix of ['02', '03', '04', '05']) {
        if (byStep(prefix)) assert.ok(Number(byStep(prefix)![2]) > 150, `step ${prefix}'s bearer token is well over a hundred bytes, got ${byStep(prefix)![2]}`)
      }
      if (byStep('02')) assert.equal(byStep('02')![7], 'within 7 days', "step 02's token outlives a logout by up to 7 days")
      if (byStep('03')) assert.equal(byStep('03')![7], 'within 30 days', "step 03's refresh chain ends 30 days after the login (auth_time), however often the thief rotates it")
      if (byStep('05')) {
        assert.equal(byStep('05')![7], 'at once', 'step 05: a logout ends the whole login, the pair the thief rotated first included')
        assert.equal(byStep('05')![8], 'at once', 'step 05: a password change ends every login at once')
      }
      if (byStep('06')) {
        assert.match(byStep('06')![1], /^1/, 'step 06 does one query per GET /me')
        assert.equal(byStep('06')![7], 'at once')
      }

      if (byStep('07')) {
        assert.equal(byStep('07')![7], 'at once', "step 07's app is step 06's session app: a logout ends the session at once")
        const [serviceHeader, ...service] = tableRows(markdown, 1)
        assert.match(serviceHeader?.[0] ?? '', /step 07/, `a second table, step 07's service side, follows the first:\n${markdown}`)
        const verify = service.find((row) => /service's GET \/me/.test(row[0]))
        const mint = service.find((row) => /POST \/token/.test(row[0]))
        assert.ok(verify && mint, "it has the service's GET /me and the app's POST /token")
        assert.equal(verify[1], '0', 'the service runs no query: it has no database')
        assert.equal(mint[1], '1', 'POST /token costs the session lookup: one query')
        for (const row of [verify, mint]) assert.match(row[3], /^[\d,]+$/, `${row[0]}: requests/s`)
        assert.match(verify[7], /^never, until it expires \(5 min\)$/, 'after a logout, the service keeps accepting a minted token until its exp')
        const asking = service.find((row) => /introspection/.test(row[0]))
        assert.ok(asking, 'and the service that asks the app about every token (introspection)')
        assert.equal(asking[1], '1', 'introspection costs the app a query per call')
        assert.equal(asking[7], 'at once', 'and reaches a logout at the very next call')
      }

      const svg = readFileSync(join(out, 'bench.svg'), 'utf8')
      assert.match(svg, /^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/, 'bench.svg is an SVG document')
      assert.match(svg.trim(), /<\/svg>$/)
      assert.equal((svg.match(/<rect class="bar /g) ?? []).length, rows.length, 'one bar per row of the table')
      for (const [, family] of svg.matchAll(/font-family:\s*([^;}]+)/g)) {
        assert.match(family.trim(), /^(sans-serif|serif|monospace)$/, 'generic font families only: the deck loads nothing remote')
      }

      const after = (() => {
        try {
          return statSync(committed).mtimeMs
        } catch {
          return undefined
        }
      })()
      assert.equal(after, before, 'the committed slides/bench.md must not be touched without --update-slides')
    } finally {
      // .bench/ stays: it is the learner's own, and git ignores it.
    }
  })

  test('--out and --update-slides together are refused: each says where to write', async () => {
    const result = await bench('--out', tmpdir(), '--update-slides')
    assert.equal(result.code, 2, result.stderr)
    assert.match(result.stderr, /give one/)
  })

  test('an unknown flag is a clear error and a non-zero exit', async () => {
    const result = await bench('--durration', '3')
    assert.equal(result.code, 2)
    assert.match(result.stderr, /durration/, 'the error names the flag')
    assert.match(result.stderr, /Usage: npm run bench/, 'and shows the usage')
  })

  test('a duration or connection count that is not a number is refused', () => {
    // The flags are read before anything loads (scripts/bench/options.ts), here in this process: the test
    // above runs the command with a wrong flag, for the exit code a learner gets from every refusal.
    for (const args of [['--duration', 'soon'], ['--duration', '0'], ['--connections', '2.5']]) {
      assert.throws(() => parseOptions(args), (err: Error) => err instanceof UsageError && new RegExp(args[0]).test(err.message), `${args.join(' ')} should be refused, naming the flag`)
    }
    assert.throws(() => parseOptions(['--one-process', '--update-slides']), /--one-process/, 'the committed table is never measured in one process')
    const defaults = parseOptions([])
    assert.equal(defaults.duration, 4, "a learner's npm run bench measures 4 s per app")
    assert.equal(defaults.oneProcess, false, "…each app in a server process of its own")
  })
})
