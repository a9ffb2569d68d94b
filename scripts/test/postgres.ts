// `npm test` with DATABASE_URL set: a second pass on that PostgreSQL server. Every step's suite on its
// solution, the attack suite, the reliability suites and the servers suite run again, each test in a schema
// of its own that the suite creates and drops (tests/harness/database.ts), over a pool of several
// connections, where a race that SQLite's single connection serialised really reaches the database.
// The SQLite pass never sees DATABASE_URL: takePostgresUrl() removes it from this process's environment.
import knex from 'knex'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { redactedUrl } from '../../lib/config.ts'
import { ROOT, stepDir, STEPS } from '../../lib/steps.ts'
import { runSuite, type SuiteRun } from './run-suite.ts'

/** The shape of workshop.ts's checks and of its `add`. */
interface Check {
  group: string
  label: string
  ok: boolean
  detail?: string
}
type Add = (label: string, work: () => Promise<Check[]>, lane?: string) => unknown

export const ON_POSTGRES = 'on PostgreSQL'

let url: string | undefined

/** Call first: keeps DATABASE_URL for the PostgreSQL pass, and out of the SQLite pass's children. */
export function takePostgresUrl(): string | undefined {
  url = process.env.DATABASE_URL || undefined
  delete process.env.DATABASE_URL
  return url
}

/** The suites that run again on PostgreSQL, besides every step's: those that start apps or servers. */
const OTHER_SUITES = ['attacks.test.ts', 'reliability.test.ts', 'reliability-secrets.test.ts', 'servers.test.ts']

/** Adds the PostgreSQL pass's jobs, when DATABASE_URL was set; nothing otherwise. */
export function addPostgresJobs(add: Add): void {
  if (!url) return
  const databaseUrl = url
  const where = redactedUrl(databaseUrl)
  // One connection first: if the server cannot be reached, one clear failure, not hundreds of failing tests.
  const reachable = canConnect(databaseUrl)
  add(`PostgreSQL answers at ${where}`, async () => {
    const error = await reachable
    return [{ group: ON_POSTGRES, label: `PostgreSQL answers at ${where}`, ok: error === undefined, detail: error }]
  })
  const suite = (group: string, file: string, env: Record<string, string>) => async (): Promise<Check[]> => {
    if ((await reachable) !== undefined) return []
    const run = await runSuite({ file, env: { ...env, DATABASE_URL: databaseUrl } })
    return checksOf(group, run)
  }
  // One suite at a time: they share the server's connections (max_connections, 100 by default, for everyone),
  // and each keeps well under that alone (tests/harness/app.ts → TESTS_AT_ONCE). The SQLite jobs fill the
  // other workers meanwhile.
  const lane = ON_POSTGRES
  for (const name of OTHER_SUITES) {
    const file = join(ROOT, 'tests', name)
    if (!existsSync(file)) continue
    const label = `tests/${name} ${ON_POSTGRES}`
    add(label, suite(label, file, { WORKSHOP_FLAVOUR: 'solutions' }), lane)
  }
  for (const step of STEPS) {
    const file = join(ROOT, 'tests', `${step}.test.ts`)
    if (!existsSync(file) || !existsSync(join(stepDir(step, 'solutions'), 'routes.ts'))) continue
    add(`${step}: suite on the solution, ${ON_POSTGRES}`, suite(`${step} · solution · ${ON_POSTGRES}`, file, { WORKSHOP_TARGET: stepDir(step, 'solutions') }), lane)
  }
}

function checksOf(group: string, run: SuiteRun): Check[] {
  if (run.results.length === 0) {
    const detail = run.stderr.trim().split('\n').slice(0, 15).join('\n') || 'no test ran'
    return [{ group, label: 'the suite runs', ok: false, detail }]
  }
  return run.results.filter((r) => r.status !== 'skip').map((r) => ({ group, label: r.name, ok: r.status === 'pass', detail: r.message }))
}

/** undefined when a query goes through; otherwise why not, in words. */
export async function canConnect(databaseUrl: string): Promise<string | undefined> {
  const db = knex({ client: 'pg', connection: { connectionString: databaseUrl, connectionTimeoutMillis: 10_000 }, pool: { min: 0, max: 1 } })
  try {
    await db.raw('select 1')
    return undefined
  } catch (err: any) {
    return `${err?.code ? `${err.code}: ` : ''}${err?.message ?? err}`
  } finally {
    await db.destroy()
  }
}

/** The per-database lines of the summary: the PostgreSQL pass's own counts beside the SQLite pass's. */
export function databaseSummary(checks: Check[]): string[] {
  if (!url) return []
  const mine = checks.filter((check) => check.group.includes(ON_POSTGRES))
  const rest = checks.filter((check) => !check.group.includes(ON_POSTGRES))
  const line = (name: string, some: Check[]) => `${name}: ${some.filter((c) => c.ok).length} passed, ${some.filter((c) => !c.ok).length} failed`
  return [line('SQLite pass (and the checks that need no database)', rest), line(`PostgreSQL pass (${redactedUrl(url)})`, mine)]
}
