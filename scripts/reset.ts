// npm run reset -- step-04: puts the starter of one step back, after asking. Other steps are not touched,
// and the work it replaces is copied to .data/reset-backups/ first.
import { spawnSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { createInterface } from 'node:readline/promises'
import { CommandError, type Io, palette, parseCommand, processIo, runCommand, say, shortName, startedDirectly, stepArgument, UsageError, workshopRoot } from './cli.ts'

const USAGE = `Usage: npm run reset -- <step> [--yes] [--from <commit>]     e.g. npm run reset -- step-04

Puts the starter of steps/<step> back: the files as the workshop committed them, and nothing else in that
folder. Your other steps are not touched. It asks first (--yes skips the question), and copies the work it
replaces to .data/reset-backups/ so nothing is lost for good.

Which starter: the newest commit of steps/<step> made by someone other than you (git config user.email),
so the workshop's starter comes back even if you committed your own work on top of it. If every commit of
the folder is yours (you maintain the workshop), it is the one in HEAD. --from <commit> picks another one
(see: git log --oneline -- steps/<step>).`

/** git in the workshop folder, with the command's environment (GIT_* variables included). */
function git(root: string, args: string[], env: NodeJS.ProcessEnv) {
  const run = spawnSync('git', args, { cwd: root, encoding: 'utf8', env: { ...env, GIT_TERMINAL_PROMPT: '0' } })
  if (run.error) throw new CommandError(`reset needs git, and git could not be run (${(run.error as NodeJS.ErrnoException).code}). Install git, then try again.`)
  return { ok: run.status === 0, out: run.stdout.trim(), err: run.stderr.trim() }
}

const lines = (text: string) => text.split('\n').filter(Boolean)

/** The commit whose steps/<step> is the starter; see USAGE. */
function starterCommit(root: string, path: string, from: string | undefined, env: NodeJS.ProcessEnv): { commit: string; why: string } {
  if (from) {
    const found = git(root, ['rev-parse', '--verify', '--quiet', `${from}^{commit}`], env)
    if (!found.ok) throw new UsageError(`--from ${from}: git knows no such commit. See: git log --oneline -- ${path}`)
    return { commit: found.out, why: `the commit you chose (--from ${from})` }
  }
  const me = git(root, ['config', 'user.email'], env).out
  const history = lines(git(root, ['log', '--format=%H %ae', 'HEAD', '--', path], env).out).map((line) => line.split(' '))
  if (history.length === 0) throw new CommandError(`${path} was never committed, so git has no starter to bring back.`)
  const theirs = history.find(([, email]) => email !== me)
  if (theirs) return { commit: theirs[0], why: 'the newest commit of this folder that is not yours' }
  return { commit: git(root, ['rev-parse', 'HEAD'], env).out, why: 'HEAD (every commit of this folder is yours)' }
}

async function confirm(question: string, io: Io): Promise<boolean> {
  const prompt = createInterface({ input: io.input, output: io.out as NodeJS.WritableStream })
  prompt.on('SIGINT', () => {
    say(io.out, '\nNothing was changed.')
    process.exit(130)
  })
  try {
    return /^y(es)?$/i.test((await prompt.question(question)).trim())
  } catch {
    return false // stdin closed before an answer: no
  } finally {
    prompt.close()
  }
}

function stamp(): string {
  return new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15)
}

/**
 * The command, on its arguments; a wrong one throws a UsageError before anything is read. It reads io.env
 * (WORKSHOP_ROOT, colour; its git processes get it too), asks on io.input and writes to io.out: tests/tools.test.ts
 * calls it so.
 */
export async function reset(args = process.argv.slice(2), io: Io = processIo()): Promise<number> {
  const { bold, dim, green, yellow } = palette(io)
  const { values, positionals } = parseCommand(
    {
      usage: USAGE,
      options: { yes: { type: 'boolean', short: 'y', default: false }, from: { type: 'string' } },
      positionals: { min: 1, max: 1 },
    },
    args,
  )
  const step = stepArgument(positionals[0])
  const root = workshopRoot(io.env)
  const path = `steps/${step}`

  if (!git(root, ['rev-parse', '--is-inside-work-tree'], io.env).ok) {
    throw new CommandError(`${root} is not a git repository, so there is no committed starter to go back to. Clone the workshop again and copy your other steps over.`)
  }
  const { commit, why } = starterCommit(root, path, values.from, io.env)
  if (!git(root, ['cat-file', '-e', `${commit}:./${path}`], io.env).ok) {
    throw new CommandError(`Commit ${commit.slice(0, 7)} has no ${path}. Pick one that has: git log --oneline -- ${path}`)
  }
  const subject = git(root, ['log', '-1', '--format=%h %s', commit], io.env).out

  // What would be lost: files that differ from the starter, and files that the starter does not have.
  const changed = lines(git(root, ['diff', '--name-only', '--no-renames', commit, '--', path], io.env).out)
  const extra = lines(git(root, ['ls-files', '--others', '--', path], io.env).out)
  const affected = [...new Set([...changed, ...extra])].sort()
  if (affected.length === 0) {
    say(io.out, green(`${path} is already the starter (${subject}). Nothing to reset.`))
    return 0
  }

  say(io.out, `This puts ${bold(path)} back to the starter from ${why}:\n  ${dim(subject)}`)
  say(io.out, `These ${affected.length === 1 ? 'file goes' : `${affected.length} files go`} back to the starter or away:`)
  for (const file of affected) say(io.out, `  ${yellow(file)}`)
  say(io.out, dim('Your other steps are not touched. A copy of this folder goes to .data/reset-backups/ first.'))

  if (!values.yes) {
    if (!io.input.isTTY) {
      throw new CommandError(`reset asks before it replaces your work, and there is no terminal to ask. To reset anyway: npm run reset -- ${shortName(step)} --yes`)
    }
    if (!(await confirm(`Reset ${path}? [y/N] `, io))) {
      say(io.out, 'Nothing was changed.')
      return 0
    }
  }

  const folder = join(root, path)
  const backup = join(root, '.data', 'reset-backups', `${step}-${stamp()}`)
  if (existsSync(folder)) {
    mkdirSync(join(root, '.data', 'reset-backups'), { recursive: true })
    cpSync(folder, backup, { recursive: true })
    rmSync(folder, { recursive: true, force: true })
  }
  // --worktree only: the files come back, and what you staged or committed stays as it was.
  const restored = git(root, ['restore', `--source=${commit}`, '--worktree', '--', path], io.env)
  if (!restored.ok) {
    // git older than 2.23 has no `restore`; checkout does the same, and also stages the files.
    const checkedOut = git(root, ['checkout', commit, '--', path], io.env)
    if (!checkedOut.ok) throw new CommandError(`git could not restore ${path}: ${restored.err || checkedOut.err}. Your work is in ${backup}.`)
  }
  say(io.out, green(`\n${path} is the starter again.`) + (existsSync(backup) ? ` Your work is in ${backup.slice(root.length + 1)}.` : ''))
  say(io.out, `Next: read ${path}/README.md, then run ${bold(`npm test -- step-${shortName(step)}`)}`)
  return 0
}

if (startedDirectly(import.meta.url)) await runCommand(() => reset())
