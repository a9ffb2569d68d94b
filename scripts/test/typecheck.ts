// `npm test -- step-NN` typechecks the step's own files while its suite runs: tsc starts first, in a child process
// of its own, so the two share the wall-clock time, and its answer is one more test, reported after the suite's.
// Only the step folder's errors are shown, each once, at its file and line: the type errors an editor would show
// and the tests cannot (a test passes on code that tsc refuses).
import { spawn } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { setPriority } from 'node:os'
import { basename, join, relative } from 'node:path'
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { ROOT } from '../../lib/steps.ts'
import { tscCommand } from './tsc.ts'

export interface TypeError {
  /** Relative to the repo: `steps/step-03-refresh-tokens/tokens.ts`. */
  file: string
  line: number
  code: string
  /** The first line of tsc's message, and up to two lines of its elaboration. */
  message: string
}

export interface Typecheck {
  dir: string
  errors: Promise<TypeError[] | { failed: string }>
}

/** Starts tsc on the step folder (and what it imports), with the repo's compiler options. */
export function startTypecheck(dir: string): Typecheck {
  const folder = relative(ROOT, dir)
  // A project file of its own, under .data/ (git-ignored): the repo's tsconfig.json, narrowed to this folder.
  const config = join(ROOT, '.data', `tsconfig.${basename(dir)}.${basename(join(dir, '..'))}.json`)
  mkdirSync(join(ROOT, '.data'), { recursive: true })
  writeFileSync(config, JSON.stringify({ extends: '../tsconfig.json', include: [`../${folder.split('\\').join('/')}`] }) + '\n')
  const [tsc, tscArgs] = tscCommand()
  const errors = new Promise<TypeError[] | { failed: string }>((resolve) => {
    // Incremental: the next run rechecks only what changed since (a third less CPU here), its record under .data/.
    const record = config.replace(/\.json$/, '.tsbuildinfo')
    // One thread: its answer is awaited only after the suite's last test, and on a two-core machine tsc's
    // checker threads took the core that the suite's own thread runs on. Step 05's loop, Node 24, eight
    // alternating runs each: a median of 2.27 s with tsc's threads, 2.09 s with one.
    const args = [...tscArgs, '-p', config, '--pretty', 'false', '--incremental', '--tsBuildInfoFile', record, '--singleThreaded']
    const child = spawn(tsc, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
    // The suite first: its answer is awaited only after the last test, so tsc takes the CPU the suite leaves.
    try {
      if (child.pid) setPriority(child.pid, 10)
    } catch {}
    let output = ''
    child.stdout.on('data', (chunk) => (output += chunk))
    child.stderr.on('data', (chunk) => (output += chunk))
    child.on('error', (err) => resolve({ failed: err.message }))
    child.on('close', (code) => {
      const found = parseTsc(output).filter((error) => error.file.startsWith(`${folder}/`))
      resolve(code !== 0 && parseTsc(output).length === 0 ? { failed: output.trim().slice(0, 800) } : found)
    })
  })
  return { dir, errors }
}

/** `path(line,col): error TS2769: message` and its indented elaboration lines. */
export function parseTsc(output: string): TypeError[] {
  const errors: TypeError[] = []
  for (const line of output.split('\n')) {
    const head = /^(.+?)\((\d+),\d+\): error (TS\d+): (.*)$/.exec(line)
    if (head) errors.push({ file: head[1].split('\\').join('/'), line: Number(head[2]), code: head[3], message: head[4] })
    else if (/^\s+\S/.test(line) && errors.length > 0) {
      const last = errors[errors.length - 1]
      if (last.message.split('\n').length < 3) last.message += `\n${line.trim()}`
    }
  }
  // tsc may name one place twice (an overload error and its cause): once is enough.
  return errors.filter((error, i) => errors.findIndex((other) => other.file === error.file && other.line === error.line && other.code === error.code) === i)
}

/** The function around a line of a file, by its declaration above it: where a TODO's work is. */
function functionAt(file: string, line: number): string | undefined {
  let lines: string[]
  try {
    lines = readFileSync(join(ROOT, file), 'utf8').split('\n')
  } catch {
    return undefined
  }
  for (let i = Math.min(line, lines.length) - 1; i >= 0; i--) {
    const found = /^(?:export )?(?:async )?function (\w+)/.exec(lines[i])
    if (found) return found[1]
  }
  return undefined
}

/**
 * The typecheck as a test, declared after the suite's so that it waits for tsc only once the suite has run.
 * `todoOf` names the TODO of a file#function (the suite's serverErrorsPointAt map), so a type error points there.
 */
export function typecheckTest(check: Typecheck, todoOf: (file: string, fn: string | undefined) => string | undefined): void {
  const folder = relative(ROOT, check.dir)
  describe(folder, () => test('typechecks (tsc, as an editor checks it)', async () => {
    const errors = await check.errors
    if ('failed' in errors) {
      assert.fail(`tsc could not run here, so the step's types were not checked:\n${errors.failed}`)
    }
    if (errors.length === 0) return
    const said = errors.slice(0, 3).map((error) => {
      const fn = functionAt(error.file, error.line)
      const todo = todoOf(basename(error.file), fn)
      // The one common error whose words point elsewhere: README.md's hint explains it.
      const means = error.code === 'TS2769' && /SignCallback/.test(error.message) ? " (it means: jwt.sign's header needs `alg` too, header: { alg: 'HS256', typ })" : ''
      return `${error.file}:${error.line}${fn ? ` (${fn})` : ''}: ${error.code} ${error.message.split('\n').join(' ')}${means}${todo ? ` → ${todo}` : ''}`
    })
    const more = errors.length > 3 ? `\n… and ${errors.length - 3} more: npx tsc -p tsconfig.json shows them all` : ''
    assert.fail(`${errors.length} type error${errors.length === 1 ? '' : 's'} in ${folder} (the tests may pass; tsc and npm test do not):\n${said.join('\n')}${more}`)
  }))
}
