// Where a test's data lives. By default SQLite: `:memory:`, or a file in a temporary folder where locking and
// restarts show. With DATABASE_URL set (`npm test` runs a second pass so), a PostgreSQL schema of its own,
// created for the test and dropped after it: the suite never reads or changes anything it did not create.
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import knex, { type Knex } from 'knex'

/** The PostgreSQL server the suites run on, or undefined: SQLite. Read when asked, not at import. */
export const postgresUrl = () => process.env.DATABASE_URL || undefined

/** `sqlite` or `postgres`, for test names and messages. */
export const DATABASE_KIND = postgresUrl() ? 'postgres' : 'sqlite'

export interface TestDatabase {
  /** What openDatabase and `npm start` (DATABASE_URL or DATABASE_FILE) take. */
  location: string
  /** The variable that hands `location` to an `npm start` child. */
  env: { DATABASE_URL: string } | { DATABASE_FILE: string }
  drop(): Promise<void>
}

let admin: Knex | undefined

/** One connection per test process, that only creates and drops the schemas this process made. */
function adminConnection(): Knex {
  return (admin ??= knex({
    client: 'pg',
    connection: postgresUrl(),
    // Kept open while tests follow one another (connecting costs more than a CREATE SCHEMA), closed soon
    // after the last one, so that it never holds a finished test process open for long.
    pool: { min: 0, max: 1, idleTimeoutMillis: 1_000, reapIntervalMillis: 250 },
  }))
}

/**
 * A PostgreSQL URL whose connections see only `schema`: libpq's `options` parameter sets search_path at
 * connect time, so the app, its migrations and an `npm start` child all create their tables in it.
 * A test's data need not survive a crash, so unless `durable`, its commits do not wait for the disk
 * (synchronous_commit=off).
 */
export function withSchema(url: string, schema: string, durable = false): string {
  const parsed = new URL(url)
  parsed.searchParams.set('options', `-c search_path=${schema}${durable ? '' : ' -c synchronous_commit=off'}`)
  return parsed.toString()
}

/** A fresh, empty database for one test: `memory` is `:memory:` on SQLite, `file` a file in a temporary folder. */
export async function freshDatabase(kind: 'memory' | 'file', label = 'test', { durable = false } = {}): Promise<TestDatabase> {
  const url = postgresUrl()
  if (url) {
    // The schema name is ours alone (random), so dropping it can never touch another test's data, or anyone's.
    const schema = `workshop_${label.replace(/\W/g, '_').slice(0, 20)}_${randomBytes(6).toString('hex')}`.toLowerCase()
    await adminConnection().raw('CREATE SCHEMA ??', [schema])
    const location = withSchema(url, schema, durable)
    return { location, env: { DATABASE_URL: location }, drop: () => dropSchema(schema) }
  }
  if (kind === 'memory') return { location: ':memory:', env: { DATABASE_FILE: ':memory:' }, drop: async () => {} }
  const folder = mkdtempSync(join(tmpdir(), `workshop-${label.replace(/\W/g, '_')}-`))
  const location = join(folder, 'x.sqlite')
  return { location, env: { DATABASE_FILE: location }, drop: async () => rmSync(folder, { recursive: true, force: true }) }
}

async function dropSchema(schema: string) {
  await adminConnection().raw('DROP SCHEMA IF EXISTS ?? CASCADE', [schema])
}
