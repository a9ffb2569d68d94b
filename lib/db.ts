// The database every step uses: SQLite through knex, file or in memory.
import knex, { type Knex } from 'knex'
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'

/** A knex migration kept in code, with a name that orders it. */
export interface Migration {
  name: string
  up(db: Knex): Promise<void>
  down?(db: Knex): Promise<void>
}

// knex normally reads migrations from a folder; each step hands its list over instead.
class MigrationList implements Knex.MigrationSource<Migration> {
  constructor(private readonly migrations: Migration[]) {}
  getMigrations = async () => this.migrations
  getMigrationName = (migration: Migration) => migration.name
  getMigration = async (migration: Migration) => ({ up: migration.up, down: migration.down ?? (async () => {}) })
}

export type Database = Knex

// knex prints a failed migration twice before it throws ("migration file … failed", "migration failed with
// error: …"). The error reaches the caller anyway (a test, npm start), which says it once; other warnings stay.
const MIGRATION_FAILED = /^migration (file ".*" failed|failed with error:)/
const quietMigrations: Knex.Config['log'] = {
  warn: (message: string) => void (MIGRATION_FAILED.test(String(message)) || console.warn(message)),
}

/**
 * Opens (and creates) the database and runs the step's migrations.
 * One connection only: SQLite allows one writer at a time, so a pool of several connections to one file
 * answers parallel writes with SQLITE_BUSY. One connection queues them instead (and `:memory:` needs it:
 * each connection would get its own empty database).
 */
export async function openDatabase(filename: string, migrations: Migration[]): Promise<Database> {
  if (filename !== ':memory:') mkdirSync(dirname(filename), { recursive: true })
  const db = knex({
    client: 'sqlite3',
    connection: { filename },
    useNullAsDefault: true,
    log: quietMigrations,
    pool: {
      min: 1,
      max: 1,
      idleTimeoutMillis: Number.MAX_SAFE_INTEGER,
      afterCreate(connection: any, done: (err: Error | null, connection: any) => void) {
        // WAL with synchronous=NORMAL: the SQLite docs' advice for a server (a commit does not wait for
        // an fsync of the whole database, and a crash still leaves it consistent).
        const pragmas = 'PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;'
        connection.exec(pragmas, (err: Error | null) => done(err, connection))
      },
    },
  })
  try {
    await db.migrate.latest({ migrationSource: new MigrationList(migrations) })
  } catch (err) {
    await db.destroy() // an open connection would keep the process (a test run, a failed npm start) alive
    throw err
  }
  return db
}

/**
 * Counts the SQL statements the app sends, so a test (or the benchmark) can say "GET /me costs 2 queries".
 * BEGIN and COMMIT are not counted: they are not lookups.
 */
export function countQueries(db: Database) {
  let count = 0
  const onQuery = (query: { sql?: string }) => {
    if (!/^\s*(begin|commit|rollback|savepoint|release)/i.test(query.sql ?? '')) count++
  }
  db.on('query', onQuery)
  return {
    get count() {
      return count
    },
    reset() {
      count = 0
    },
    stop() {
      db.off('query', onQuery)
    },
  }
}
