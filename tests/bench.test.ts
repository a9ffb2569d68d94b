// `npm run bench`, in a very short mode: it must finish, and its table must be complete. The committed
// slides/bench.* are never touched: the run writes to a temporary folder (--out).
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import { promisify } from 'node:util'
import { ROOT, STEPS, stepExists } from '../lib/steps.ts'

const run = promisify(execFile)
const BENCH = ['--import', 'tsx', join(ROOT, 'scripts', 'bench.ts')]

async function bench(...args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, [...BENCH, ...args], { cwd: ROOT, timeout: 10 * 60_000 /* a hang, not a slow machine */, maxBuffer: 16 * 1024 * 1024 })
    return { code: 0, stdout, stderr }
  } catch (err: any) {
    return { code: err.code ?? 1, stdout: err.stdout ?? '', stderr: err.stderr ?? '' }
  }
}

function tableRows(markdown: string): string[][] {
  return markdown
    .split('\n')
    .filter((line) => line.startsWith('|') && !line.startsWith('|---'))
    .map((line) => line.slice(1, -1).split('|').map((cell) => cell.trim()))
}

describe('npm run bench', () => {
  test('a short run measures every solution and the ceiling, and writes a complete table and a chart', { timeout: 11 * 60_000 }, async () => {
    const out = mkdtempSync(join(tmpdir(), 'bench-'))
    const committed = join(ROOT, 'slides', 'bench.md')
    const before = (() => {
      try {
        return statSync(committed).mtimeMs
      } catch {
        return undefined
      }
    })()
    try {
      const result = await bench('--duration', '0.2', '--connections', '2', '--out', out)
      assert.equal(result.code, 0, `the bench failed:\n${result.stderr}\n${result.stdout}`)
      assert.match(result.stdout, /counting queries/, 'it prints progress while it runs')

      const markdown = readFileSync(join(out, 'bench.md'), 'utf8')
      assert.ok(result.stdout.includes(markdown.split('\n')[0]), 'it prints the table at the end')
      const [header, ...rows] = tableRows(markdown)
      const solutions = STEPS.filter((step) => stepExists(step, 'solutions'))
      assert.equal(rows.length, solutions.length + 1, `one row per solution (${solutions.length}) and one for the ceiling`)
      for (const row of rows) {
        assert.equal(row.length, header.length, `row "${row[0]}" has ${row.length} cells, the header ${header.length}`)
        for (const cell of row) assert.ok(cell.length > 0, `row "${row[0]}" has an empty cell`)
        assert.match(row[1], /^\d+/, `row "${row[0]}": queries per GET /me should be counted`)
        assert.match(row[2], /^[\d,]+$/, `row "${row[0]}": requests/s should be a number`)
        assert.match(row[3], /^\d+ %$/, `row "${row[0]}": the share of the ceiling`)
        assert.match(row[4], /^[\d.]+ ms$/, `row "${row[0]}": p50`)
        assert.match(row[5], /^[\d.]+ ms$/, `row "${row[0]}": p99`)
      }
      assert.match(rows[0][0], /ceiling/, 'the first row is the ceiling')
      assert.equal(rows[0][3], '100 %')
      for (const [i, step] of solutions.entries()) {
        const row = rows[i + 1]
        assert.ok(row[0].startsWith(step.slice(5, 7)), `row ${i + 1} should be ${step}, got "${row[0]}"`)
        assert.match(row[6], /^(at once|within .+|not within .+)$/, `${step}: how a stolen credential fares after logout`)
        assert.match(row[7], /^(at once|within .+|not within .+)$/, `${step}: and after a password change`)
      }
      const byStep = (prefix: string) => rows.find((row) => row[0].startsWith(prefix))
      if (byStep('01')) assert.match(byStep('01')![1], /^2/, 'step 01 does two queries per GET /me, and the table must say so')
      if (byStep('02')) assert.equal(byStep('02')![6], 'within 7 days', "step 02's token outlives a logout by up to 7 days")
      if (byStep('03')) assert.equal(byStep('03')![6], 'within 30 days', "step 03's refresh chain ends 30 days after the login (auth_time), however often the thief rotates it")
      if (byStep('05')) {
        assert.equal(byStep('05')![6], 'at once', 'step 05: a logout ends the whole login, the pair the thief rotated first included')
        assert.equal(byStep('05')![7], 'at once', 'step 05: a password change ends every login at once')
      }
      if (byStep('06')) {
        assert.match(byStep('06')![1], /^1/, 'step 06 does one query per GET /me')
        assert.equal(byStep('06')![6], 'at once')
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
      assert.equal(after, before, 'with --out, the committed slides/bench.md must not be touched')
    } finally {
      rmSync(out, { recursive: true, force: true })
    }
  })

  test('an unknown flag is a clear error and a non-zero exit', async () => {
    const result = await bench('--durration', '3')
    assert.notEqual(result.code, 0)
    assert.match(result.stderr, /durration/, 'the error names the flag')
    assert.match(result.stderr, /Usage: npm run bench/, 'and shows the usage')
  })

  test('a duration or connection count that is not a number is refused', async () => {
    for (const args of [['--duration', 'soon'], ['--duration', '0'], ['--connections', '2.5']]) {
      const result = await bench(...args)
      assert.notEqual(result.code, 0, `${args.join(' ')} should be refused`)
      assert.match(result.stderr, new RegExp(args[0]), `the error for ${args.join(' ')} names the flag`)
    }
  })
})
