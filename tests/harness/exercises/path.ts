// The learner's path, replayed: the diff from a starter to its solution, cut into the TODO(n) each change
// replaces, applied one exercise at a time to a copy of the starter; and what each README exercise's
// "Check it" promises, read so that a machine can check it.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { ROOT, stepDir, type StepName } from '../../../lib/steps.ts'
import { TSX } from '../../../scripts/tsx.ts'

export interface Hunk {
  file: string
  /** 1-based first line replaced in the starter; with `oldCount` 0, the line after which `added` goes. */
  oldStart: number
  oldCount: number
  removed: string[]
  added: string[]
  /** The TODO(n) whose lines it replaces; undefined for an import-only change (applied with Exercise 1). */
  todo?: number
}

const codeFiles = (dir: string) => (existsSync(dir) ? readdirSync(dir).filter((file) => file.endsWith('.ts')) : [])

/** Every change from steps/<step> to solutions/<step>, each given to its TODO, and what does not fit. */
export function hunksOf(step: StepName): { hunks: Hunk[]; problems: string[] } {
  const starter = stepDir(step, 'steps')
  const solution = stepDir(step, 'solutions')
  const hunks: Hunk[] = []
  const problems: string[] = []
  for (const file of [...new Set([...codeFiles(starter), ...codeFiles(solution)])].sort()) {
    const a = existsSync(join(starter, file)) ? join(starter, file) : '/dev/null'
    const b = existsSync(join(solution, file)) ? join(solution, file) : '/dev/null'
    const diff = spawnSync('git', ['--no-pager', 'diff', '--no-index', '--no-color', '--no-ext-diff', '-U0', '--', a, b], { encoding: 'utf8' })
    if (diff.status !== 0 && diff.status !== 1) throw new Error(`git diff failed: ${diff.stderr || diff.error}`)
    let hunk: Hunk | undefined
    for (const line of diff.stdout.split('\n')) {
      const header = /^@@ -(\d+)(?:,(\d+))? \+\d+(?:,\d+)? @@/.exec(line)
      if (header) {
        hunk = { file, oldStart: Number(header[1]), oldCount: header[2] === undefined ? 1 : Number(header[2]), removed: [], added: [] }
        hunks.push(hunk)
      } else if (hunk && line.startsWith('-')) hunk.removed.push(line.slice(1))
      else if (hunk && line.startsWith('+')) hunk.added.push(line.slice(1))
    }
  }
  for (const hunk of hunks) {
    const todos = [...new Set(hunk.removed.join('\n').match(/TODO\(\d+\)/g) ?? [])].map((todo) => Number(/\d+/.exec(todo)![0]))
    const where = `${hunk.file}:${hunk.oldStart}`
    if (todos.length === 1) hunk.todo = todos[0]
    else if (todos.length > 1) {
      hunk.todo = Math.max(...todos)
      problems.push(`${where}: one change replaces ${todos.map((n) => `TODO(${n})`).join(' and ')}: keep each exercise's lines apart`)
    } else if (![...hunk.removed, ...hunk.added].every((line) => /^import\b|^\s*$/.test(line))) {
      problems.push(`${where}: the solution differs from the starter outside any TODO:\n${[...hunk.removed.map((l) => `- ${l}`), ...hunk.added.map((l) => `+ ${l}`)].slice(0, 6).join('\n')}`)
    }
  }
  return { hunks, problems }
}

/** The starter with the solution's changes for TODO(1) … TODO(upTo) applied (and the import lines), file by file. */
export function applyExercises(step: StepName, hunks: Hunk[], upTo: number): Map<string, string> {
  const starter = stepDir(step, 'steps')
  const files = new Map<string, string>()
  for (const file of [...new Set([...codeFiles(starter), ...hunks.map((hunk) => hunk.file)])]) {
    const path = join(starter, file)
    const text = existsSync(path) ? readFileSync(path, 'utf8') : ''
    const endsWithNewline = text === '' || text.endsWith('\n')
    const lines = text === '' ? [] : (endsWithNewline ? text.slice(0, -1) : text).split('\n')
    const mine = hunks.filter((hunk) => hunk.file === file && upTo > 0 && (hunk.todo ?? 1) <= upTo).sort((x, y) => y.oldStart - x.oldStart)
    for (const hunk of mine) {
      const at = hunk.oldCount === 0 ? hunk.oldStart : hunk.oldStart - 1
      lines.splice(at, hunk.oldCount, ...hunk.added)
    }
    if (lines.length > 0) files.set(file, lines.join('\n') + '\n')
  }
  return files
}

/** Writes the files in a fresh folder two levels under the root, so that their `../../lib/` imports still resolve. */
export function writeCopy(name: string, files: Map<string, string>): string {
  const dir = join(ROOT, '.data', name)
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  for (const [file, text] of files) writeFileSync(join(dir, file), text)
  return dir
}

export interface Claim {
  exercise: number
  /** The "Check it: …" sentence as the README says it. */
  text: string
  allGreen: boolean
  /** "the failures stop naming TODO(1)" */
  stopNaming: number[]
  /** Test or group names in backticks (code such as `/me` or `npm test -- step-01` has no space, or starts with npm). */
  names: string[]
  /** Names after "except": left out of the group. */
  except: string[]
  /** "Check it: together with Exercise 3": nothing can check this one alone; the next exercise's check covers it. */
  deferredTo?: number
}

/** The exercises of a README and what each one's "Check it" promises. */
export function readmeClaims(step: StepName): Claim[] {
  const path = join(stepDir(step, 'steps'), 'README.md')
  const readme = existsSync(path) ? readFileSync(path, 'utf8') : ''
  const sections = readme.split(/^### Exercise (\d+)\b.*$/m)
  const claims: Claim[] = []
  for (let i = 1; i < sections.length; i += 2) {
    const body = sections[i + 1].split(/^#{2,3} /m)[0]
    const found = /Check it:([\s\S]*?)(?:\n\s*\n|$)/.exec(body)
    const text = found ? found[1].replace(/\s+/g, ' ').trim() : ''
    const [included, excluded = ''] = text.split(/\bexcept\b/)
    const quoted = (part: string) => [...part.matchAll(/`([^`]+)`/g)].map((match) => match[1]).filter((name) => / /.test(name) && !/^npm /.test(name))
    claims.push({
      exercise: Number(sections[i]),
      text: found ? `Check it:${found[1].replace(/\s+/g, ' ').trimEnd()}` : '',
      allGreen: /\ball green\b/.test(text),
      stopNaming: [...text.matchAll(/stop naming TODO\((\d+)\)/g)].map((match) => Number(match[1])),
      names: quoted(included),
      except: quoted(excluded),
      deferredTo: /^together with Exercise (\d+)/.test(text) ? Number(/^together with Exercise (\d+)/.exec(text)![1]) : undefined,
    })
  }
  return claims
}

export interface Result {
  name: string
  groups: string[]
  status: 'pass' | 'fail' | 'skip'
  message?: string
}

const REPORTER = join(ROOT, 'tests', 'harness', 'exercises', 'reporter.mjs')
const DRIVER = join(ROOT, 'tests', 'harness', 'exercises', 'driver.ts')

/**
 * Several steps' suites, each against its copies, with every test, all in one child process: one start-up
 * (tsx, koa, knex) for the lot instead of one per step, as `npm test -- <step>` would run each. Answers
 * results[suite][dir].
 */
export function runSuitesOn(suites: Array<{ step: StepName; dirs: string[] }>): Promise<{ results: Result[][][]; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env }
  delete env.NODE_TEST_CONTEXT // set inside a test run; a nested run would refuse to report
  delete env.WORKSHOP_TARGET
  const args = [...TSX, `--test-reporter=${REPORTER}`, DRIVER, ...suites.flatMap(({ step, dirs }) => [join(ROOT, 'tests', `${step}.test.ts`), ...dirs])]
  // The copies are numbered across suites, in order: copy i is the i-th dir of the flattened list.
  const where = suites.flatMap(({ dirs }, s) => dirs.map((_, d) => [s, d] as const))
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk) => (stdout += chunk))
    child.stderr.on('data', (chunk) => (stderr += chunk))
    child.on('close', () => {
      const results: Result[][][] = suites.map(({ dirs }) => dirs.map(() => []))
      for (const line of stdout.split('\n')) {
        if (!line.startsWith('{')) continue
        const { copy, ...result } = JSON.parse(line) as Result & { copy: number }
        const at = where[copy]
        if (at) results[at[0]][at[1]].push(result)
      }
      resolve({ results, stderr })
    })
  })
}

/** The tests a claim is about: named ones, and every test of a named group but the excepted ones. */
export function claimedTests(claim: Claim, results: Result[]): Result[] {
  if (claim.allGreen) return results.filter((result) => result.status !== 'skip')
  return results.filter(
    (result) =>
      result.status !== 'skip' &&
      !claim.except.includes(result.name) &&
      (claim.names.includes(result.name) || result.groups.some((group) => claim.names.includes(group))),
  )
}

/** Undefined when the claim holds on these results, else what fails, in words. */
export function broken(claim: Claim, results: Result[]): string | undefined {
  const failing = claimedTests(claim, results).filter((result) => result.status === 'fail')
  const naming = claim.stopNaming.flatMap((n) =>
    results.filter((result) => result.status === 'fail' && new RegExp(`TODO\\(${n}\\)`).test(result.message ?? '')),
  )
  const all = [...new Set([...failing, ...naming])]
  if (all.length === 0) return undefined
  return all
    .slice(0, 3)
    .map((result) => `  ✖ ${result.name}\n      ${(result.message ?? '').split('\n').slice(0, 2).join('\n      ')}`)
    .join('\n')
    .concat(all.length > 3 ? `\n  … and ${all.length - 3} more` : '')
}

/** Runs jobs with at most `limit` at a time. */
export function limiter(limit: number) {
  let running = 0
  const waiting: Array<() => void> = []
  return async <T>(job: () => Promise<T>): Promise<T> => {
    while (running >= limit) await new Promise<void>((resolve) => waiting.push(resolve))
    running++
    try {
      return await job()
    } finally {
      running--
      waiting.shift()?.()
    }
  }
}
