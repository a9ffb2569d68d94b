// What the learner's commands (progress, diff, reset, demo, doctor) share: the repo root, strict argument
// parsing with clear errors, and colour only where a terminal shows it.
import { existsSync, readdirSync, realpathSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs, type ParseArgsConfig } from 'node:util'
import { resolveStep, ROOT, UnknownStepError, type Flavour, type StepName, STEPS } from '../lib/steps.ts'

/** The workshop folder the commands work on. Tests point WORKSHOP_ROOT at a temporary copy. */
export function workshopRoot(): string {
  return process.env.WORKSHOP_ROOT ? resolve(process.env.WORKSHOP_ROOT) : ROOT
}

/** steps/<name> or solutions/<name> under the workshop root. */
export function folderOf(name: StepName, flavour: Flavour, root = workshopRoot()): string {
  return join(root, flavour, name)
}

export function hasFolder(name: StepName, flavour: Flavour, root = workshopRoot()): boolean {
  return existsSync(join(folderOf(name, flavour, root), 'routes.ts'))
}

/** A mistake of the person typing the command (a wrong step or flag): said plainly, exit code 2. */
export class UsageError extends Error {}

/** Something the command could not do (a missing folder, no git): said plainly, exit code 1. */
export class CommandError extends Error {}

// Colour only when a person is looking at a terminal; NO_COLOR (no-color.org) and FORCE_COLOR are honoured.
export function useColour(stream: NodeJS.WriteStream = process.stdout): boolean {
  if (process.env.NO_COLOR) return false
  if (process.env.FORCE_COLOR && process.env.FORCE_COLOR !== '0') return true
  return Boolean(stream.isTTY)
}

const paint = (code: string) => (text: string) => (useColour() ? `\x1b[${code}m${text}\x1b[0m` : text)
export const green = paint('32')
export const red = paint('31')
export const yellow = paint('33')
export const cyan = paint('36')
export const dim = paint('2')
export const bold = paint('1')

type Options = NonNullable<ParseArgsConfig['options']>

export interface CommandSpec<O extends Options> {
  usage: string
  options: O
  /** How many positional arguments (steps) the command takes. */
  positionals: { min: number; max: number }
}

/** parseArgs in strict mode; an unknown flag or a wrong count of arguments becomes a UsageError with the usage. */
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
    console.log(spec.usage)
    process.exit(0)
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

/** Runs a command's main: a UsageError exits 2, a CommandError 1, each with its message and no stack trace. */
export async function runCommand(main: () => Promise<number | void>): Promise<void> {
  try {
    process.exitCode = (await main()) ?? 0
  } catch (err) {
    if (err instanceof UsageError || err instanceof CommandError) {
      console.error(err instanceof UsageError ? err.message : red(err.message))
      process.exitCode = err instanceof UsageError ? 2 : 1
      return
    }
    throw err
  }
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
