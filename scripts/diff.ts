// npm run diff -- step-04: your steps/step-04-… against solutions/step-04-…, code only (no READMEs, tests
// or data files). Lines with - are yours, lines with + are the solution's. Uses `git diff --no-index` where
// git is installed, `diff -u` otherwise.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { CommandError, folderOf, type Io, palette, parseCommand, processIo, runCommand, say, startedDirectly, stepArgument, useColour, workshopRoot } from './cli.ts'

const USAGE = `Usage: npm run diff -- <step>      e.g. npm run diff -- step-04   (or 04, 4, the folder name)

Shows your steps/<step> against solutions/<step>: lines with - are yours, lines with + are the solution's.
READMEs, tests and data files are left out, and so are the starter's TODO(n) comments you left in place. Coloured in a terminal, plain when piped (NO_COLOR turns colour off).`

// Only code: a README, a test or a data file in a step folder is not part of the exercise.
const CODE = /\.(ts|mts|cts|js|mjs|cjs|sql)$/
const LEFT_OUT = /(^|\/)(README[^/]*|[^/]*\.test\.[^/]+|node_modules|tests?|__tests__)(\/|$)/i

function codeFiles(dir: string): string[] {
  if (!existsSync(dir)) return []
  const found: string[] = []
  const walk = (folder: string) => {
    for (const entry of readdirSync(folder)) {
      const path = join(folder, entry)
      const rel = relative(dir, path)
      if (LEFT_OUT.test(rel)) continue
      if (statSync(path).isDirectory()) walk(path)
      else if (CODE.test(entry)) found.push(rel)
    }
  }
  walk(dir)
  return found
}

/** The diff of one file pair, as text; '' when they are equal. A missing side is /dev/null. */
function diffFile(root: string, mine: string, theirs: string, io: Io): string {
  const colour = useColour(io.out, io.env)
  const a = existsSync(join(root, mine)) ? mine : '/dev/null'
  const b = existsSync(join(root, theirs)) ? theirs : '/dev/null'
  if (!io.env.WORKSHOP_NO_GIT) {
    const args = ['--no-pager', 'diff', '--no-index', '--no-ext-diff', `--color=${colour ? 'always' : 'never'}`, '--', a, b]
    const git = spawnSync('git', args, { cwd: root, encoding: 'utf8', env: io.env })
    // Exit 0: equal; 1: different. Anything else (or ENOENT: no git) falls through to diff -u.
    if (!git.error && (git.status === 0 || git.status === 1)) return git.stdout
  }
  const diff = spawnSync('diff', ['-u', '--label', a === '/dev/null' ? a : `a/${a}`, '--label', b === '/dev/null' ? b : `b/${b}`, a, b], {
    cwd: root,
    encoding: 'utf8',
    env: io.env,
  })
  if (!diff.error && (diff.status === 0 || diff.status === 1)) {
    const text = diff.stdout ? `diff ${a} ${b}\n${diff.stdout}` : ''
    return colour ? paintUnified(text, io) : text
  }
  // Neither git nor diff: say which files differ, which is still useful.
  const same = a !== '/dev/null' && b !== '/dev/null' && readFileSync(join(root, a), 'utf8') === readFileSync(join(root, b), 'utf8')
  return same ? '' : `${mine} and ${theirs} differ (install git to see how)\n`
}

function paintUnified(text: string, io: Io): string {
  const { bold, cyan, green, red } = palette(io)
  return text
    .split('\n')
    .map((line) => {
      if (/^(---|\+\+\+|diff )/.test(line)) return bold(line)
      if (line.startsWith('@@')) return cyan(line)
      if (line.startsWith('+')) return green(line)
      if (line.startsWith('-')) return red(line)
      return line
    })
    .join('\n')
}

/**
 * The starter's TODO(n) comments (the marker line and the comment lines under it) that the learner left in a
 * file: noise in the diff, not work. Answers the text without them, and how many lines went.
 */
function withoutTodoComments(text: string): { text: string; removed: number } {
  const lines = text.split('\n')
  const kept: string[] = []
  let inTodo = false
  let removed = 0
  for (const line of lines) {
    if (/^\s*\/\/ TODO\(\d+\)/.test(line)) inTodo = true
    else if (inTodo && !/^\s*\/\/\s{2,}\S/.test(line)) inTodo = false
    if (inTodo) removed++
    else kept.push(line)
  }
  return { text: kept.join('\n'), removed }
}

/**
 * The command, on its arguments; a wrong argument throws a UsageError and a missing folder a CommandError before
 * anything loads. It reads io.env (WORKSHOP_ROOT, colour, WORKSHOP_NO_GIT) and writes to io.out: tests/tools.test.ts
 * calls it so, with its own.
 */
export async function diff(args = process.argv.slice(2), io: Io = processIo()): Promise<number> {
  const root = workshopRoot(io.env)
  const { dim, green } = palette(io)
  const { positionals } = parseCommand({ usage: USAGE, options: {}, positionals: { min: 1, max: 1 } }, args)
  const step = stepArgument(positionals[0])
  const mine = folderOf(step, 'steps', root)
  const theirs = folderOf(step, 'solutions', root)
  if (!existsSync(theirs)) throw new CommandError(`solutions/${step} is not there yet, so there is nothing to compare with.`)
  if (!existsSync(mine)) throw new CommandError(`steps/${step} is missing. To get the starter back: npm run reset -- ${step.slice(0, 7)}`)

  const files = [...new Set([...codeFiles(mine), ...codeFiles(theirs)])].sort()
  // Your files without their leftover TODO comments, in a scratch folder under .data/ (git-ignored) whose
  // paths read as yours in the diff.
  const scratch = join('.data', `diff-${process.pid}`)
  let leftOut = 0
  const yours = (file: string) => {
    const path = join('steps', step, file)
    if (!existsSync(join(root, path))) return path
    const { text, removed } = withoutTodoComments(readFileSync(join(root, path), 'utf8'))
    if (removed === 0) return path
    leftOut += removed
    mkdirSync(dirname(join(root, scratch, path)), { recursive: true })
    writeFileSync(join(root, scratch, path), text)
    return join(scratch, path)
  }
  let diffs: string[]
  try {
    diffs = files
      .map((file) => diffFile(root, yours(file), join('solutions', step, file), io).split(`${scratch}/`).join(''))
      .filter(Boolean)
  } finally {
    rmSync(join(root, scratch), { recursive: true, force: true })
  }
  const note = leftOut ? dim(`\n(${leftOut} line${leftOut === 1 ? '' : 's'} of the starter's TODO(n) comments that you left in place ${leftOut === 1 ? 'is' : 'are'} not shown: delete them once an exercise is done.)\n`) : ''
  if (diffs.length === 0) {
    say(io.out, green(`steps/${step} matches the solution`) + dim(' (READMEs, tests and data files left out).') + note)
    return 0
  }
  say(io.out, dim(`Lines with - are yours (steps/${step}), lines with + are the solution's (solutions/${step}).\n`))
  io.out.write(diffs.join('\n'))
  io.out.write(note)
  return 0
}

if (startedDirectly(import.meta.url)) await runCommand(() => diff())
