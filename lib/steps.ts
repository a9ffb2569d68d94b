// The workshop's steps, and the spellings a learner may use for them: `04`, `4`, `step-04`, the folder name.
import { existsSync } from 'node:fs'
import { basename, dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Step } from './app.ts'
import type { Migration } from './db.ts'

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')

export const STEPS = [
  'step-01-sessions',
  'step-02-jwt',
  'step-03-refresh-tokens',
  'step-04-refresh-token-version',
  'step-05-blacklist',
  'step-06-sessions-revisited',
  'step-07-service-tokens',
] as const

export type StepName = (typeof STEPS)[number]
export type Flavour = 'steps' | 'solutions'

export class UnknownStepError extends Error {}

export function stepNumber(name: string): number {
  return Number(/^step-(\d+)/.exec(name)?.[1])
}

/** `04`, `4`, `step-04`, `step-4` or `step-04-refresh-token-version` → `step-04-refresh-token-version`. */
export function resolveStep(spelling: string): StepName {
  const wanted = spelling.trim().toLowerCase()
  const found = STEPS.find((name) => name === wanted || new RegExp(`^(step-?)?0*${stepNumber(name)}$`).test(wanted))
  if (!found) {
    const list = STEPS.map((name) => `  ${name}   (or ${name.slice(5, 7)})`).join('\n')
    throw new UnknownStepError(`Unknown step "${spelling}". The steps are:\n${list}`)
  }
  return found
}

export function stepDir(name: StepName, flavour: Flavour): string {
  return join(ROOT, flavour, name)
}

export function stepExists(name: StepName, flavour: Flavour): boolean {
  return existsSync(join(stepDir(name, flavour), 'routes.ts'))
}

/** Step 07's folder has a service.ts: its app is also an issuer. */
export function hasService(dir: string): boolean {
  return existsSync(join(dir, 'service.ts'))
}

const loaded = new Map<string, Promise<Step>>()

/**
 * Imports a step folder's schema.ts and routes.ts, once per folder: a module is imported once anyway, and each
 * import() asks the loader again (under Node 20, tsx's loader thread: about 1 ms of CPU, paid by every test app).
 * A folder that failed to load is tried again next time.
 */
export function loadStep(dir: string): Promise<Step> {
  let step = loaded.get(dir)
  if (!step) {
    step = (async () => {
      const schema: { migrations: Migration[] } = await import(join(dir, 'schema.ts'))
      const routes: Pick<Step, 'routes' | 'guards'> = await import(join(dir, 'routes.ts'))
      return { name: basename(dir), migrations: schema.migrations, routes: routes.routes, guards: routes.guards }
    })()
    loaded.set(dir, step)
    step.catch(() => loaded.delete(dir))
  }
  return step
}
