// What the learner's commands (progress, diff, reset, demo, doctor) share: the repo root, strict argument
// parsing with clear errors, colour only where a terminal shows it, and where they read and write (Io).
import { existsSync, readdirSync, realpathSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs, type ParseArgsConfig } from 'node:util'
import { resolveStep, ROOT, UnknownStepError, type Flavour, type StepName, STEPS } from '../lib/steps.ts'

/** Somewhere a command writes its text: process.stdout, or a test's collector. */
export interface Output {
  write(text: string): unknown
  isTTY?: boolean
  columns?: number
}

/**
 * What a command reads and writes. A learner's run uses this process's own (processIo); a test calls the command
 * with its own environment and collectors, so that calls running side by side share no global.
 */
export interface Io {
  env: NodeJS.ProcessEnv
  input: NodeJS.ReadableStream & { isTTY?: boolean }
  out: Output
  err: Output
}

export const processIo = (): Io => ({ env: process.env, input: process.stdin, out: process.stdout, err: process.stderr })

/** console.log's line, on a given output. */
export const say = (out: Output, text = '') => void out.write(`${text}\n`)

/** The workshop folder the commands work on. Tests point WORKSHOP_ROOT at a temporary copy. */
export function workshopRoot(env: NodeJS.ProcessEnv = process.env): string {
  return env.WORKSHOP_ROOT ? resolve(env.WORKSHOP_ROOT) : ROOT
}

/** steps/<name> or solutions/<name> under the workshop root. */
export function folderOf(name: StepName, flavour: Flavour, root = workshopRoot()): string {
  return join(root, flavour, name)
}

export function hasFolder(name: StepName, flavour: Flavour, root = workshopRoot()): boolean {
  return existsSync(join(folderOf(name, flavour, root), 'routes.ts'))
}

/** --help: the usage, on stdout, exit code 0. */
export class HelpAsked extends Error {}

/** A mistake of the person typing the command (a wrong step or flag): said plainly, exit code 2. */
export class UsageError extends Error {}

/** Something the command could not do (a missing folder, no git): said plainly, exit code 1. */
export class CommandError extends Error {}

// Colour only when a person is looking at a terminal; NO_COLOR (no-color.org) and FORCE_COLOR are honoured.
export function useColour(stream: Output = process.stdout, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR) return false
  if (env.FORCE_COLOR && env.FORCE_COLOR !== '0') return true
  return Boolean(stream.isTTY)
}

/** The colours of a command's output: on when its stdout is a terminal (or FORCE_COLOR), off when piped. */
export function palette({ env, out }: Pick<Io, 'env' | 'out'>) {
  const paint = (code: string) => (text: string) => (useColour(out, env) ? `\x1b[${code}m${text}\x1b[0m` : text)
  return { green: paint('32'), red: paint('31'), yellow: paint('33'), cyan: paint('36'), dim: paint('2'), bold: paint('1') }
}

type Options = NonNullable<ParseArgsConfig['options']>

export interface CommandSpec<O extends Options> {
  usage: string
  options: O
  /** How many positional arguments (steps) the command takes. */
  positionals: { min: number; max: number }
}

/** parseArgs in strict mode; an unknown flag or a wrong count of arguments becomes a UsageError with the usage, --help a HelpAsked. */
export function parseCommand<O extends Options>(spec: CommandSpec<O>, args = process.argv.slice(2)) {
  const options = { ...spec.options, help: { type: 'boolean', short: 'h' } } as O & { help: { type: 'boolean'; short: 'h' } }
  let parsed
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true })
  } catch (err: any) {
    // Node adds advice about `--` that does not apply to npm scripts; keep its first sentence.
    const message = String(err.message).replace(/\. To specify a positional argument[\s\S]*$/, '.')
    throw new UsageError(`${message}\n\n${spec.usage}`)
  }
  if ((parsed.values as Record<string, unknown>).help) {
    throw new HelpAsked(spec.usage)
  }
  const count = parsed.positionals.length
  if (count < spec.positionals.min) throw new UsageError(`Which step? Give one, e.g. step-02.\n\n${spec.usage}`)
  if (count > spec.positionals.max) {
    const what = spec.positionals.max === 0 ? 'takes no step' : 'takes one step at a time'
    throw new UsageError(`This command ${what}; got "${parsed.positionals.join(' ')}".\n\n${spec.usage}`)
  }
  return parsed
}

/** resolveStep, with its list of steps turned into a UsageError. */
export function stepArgument(spelling: string): StepName {
  try {
    return resolveStep(spelling)
  } catch (err) {
    if (err instanceof UnknownStepError) throw new UsageError(err.message)
    throw err
  }
}

/** A command's main, as an exit code: a UsageError is 2 and a CommandError 1, each said on err with no stack trace. */
export async function exitCode(main: () => Promise<number | void>, io: Io = processIo()): Promise<number> {
  try {
    return (await main()) ?? 0
  } catch (err) {
    if (err instanceof HelpAsked) {
      say(io.out, err.message)
      return 0
    }
    if (err instanceof UsageError) {
      say(io.err, err.message)
      return 2
    }
    if (err instanceof CommandError) {
      say(io.err, palette(io).red(err.message))
      return 1
    }
    throw err
  }
}

/** Runs a command's main as the script node started: its exit code becomes the process's. */
export async function runCommand(main: () => Promise<number | void>): Promise<void> {
  process.exitCode = await exitCode(main)
}

/** `step-04-refresh-token-version` → `04`. */
export const shortName = (name: StepName) => name.slice(5, 7)

/**
 * True when this module is the script Node was started with (`npm run diff`), false when another module imports it
 * (tests/tools.test.ts calls the commands as functions). Real paths: a checkout reached through a symlink is the same.
 */
export function startedDirectly(moduleUrl: string): boolean {
  const script = process.argv[1]
  if (!script) return false
  try {
    return realpathSync(fileURLToPath(moduleUrl)) === realpathSync(script)
  } catch {
    return false
  }
}

/** When a step folder's code was last written (0: no folder). The code only: a README may change with the workshop. */
export function lastEdit(dir: string): number {
  if (!existsSync(dir)) return 0
  return Math.max(0, ...readdirSync(dir).filter((file) => file.endsWith('.ts')).map((file) => statSync(join(dir, file)).mtimeMs))
}

/**
 * The time after which an edit is the learner's, given the step folders' last edits (0: no folder). A checkout (a
 * clone, an unpack, a merge) writes every file within seconds; a learner's first edit comes minutes later: two.
 */
export function learnerEditsAfter(edits: number[]): number {
  return Math.min(...edits.filter((time) => time > 0)) + 120_000
}

/** Where a learner starts or goes on: the step folder edited last (an edit of the learner's), else step 01. */
export function learnersStep(root = workshopRoot()): StepName {
  const edits = STEPS.map((step) => lastEdit(join(root, 'steps', step)))
  const latest = Math.max(...edits)
  return latest > learnerEditsAfter(edits) ? STEPS[edits.indexOf(latest)] : STEPS[0]
}
