// The database every step uses, through knex: SQLite (a file, or in memory) by default, or PostgreSQL when
// DATABASE_URL names one. Where the two differ (a unique violation, bigint columns, concurrent starts),
// this file absorbs it, so the steps' code reads the same on both.
import knex, { type Knex } from 'knex'
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { isPostgresUrl } from './config.ts'

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

export interface DatabaseOptions {
  /** PostgreSQL only: the most connections the pool opens (default 10). SQLite always has one. */
  poolSize?: number
}

/**
 * Opens the database and runs the step's migrations. `location` is a SQLite file name, `:memory:`, or a
 * PostgreSQL URL (`postgres://user:password@host:port/database`).
 */
export async function openDatabase(location: string, migrations: Migration[], options: DatabaseOptions = {}): Promise<Database> {
  const db = isPostgresUrl(location) ? openPostgres(location, options) : openSqlite(location)
  try {
    await (location === ':memory:' ? migrateInMemory(db, migrations) : migrate(db, migrations))
  } catch (err) {
    await db.destroy() // an open connection would keep the process (a test run, a failed npm start) alive
    throw err
  }
  return db
}

/**
 * A failed query's error carries the stack of the code that built the query (knex keeps an Error per query), so
 * a 500 names the step's function that ran it (lib/http.ts), not the database driver's callback. Not in
 * production, where nobody reads it and each query would pay for it.
 */
const ASYNC_STACKS = process.env.NODE_ENV !== 'production'

/**
 * One connection only: SQLite allows one writer at a time, so a pool of several connections to one file
 * answers parallel writes with SQLITE_BUSY. One connection queues them instead (and `:memory:` needs it:
 * each connection would get its own empty database). Other processes on the same file wait up to
 * busy_timeout for the write lock instead of failing at once.
 */
function openSqlite(filename: string): Knex {
  if (filename !== ':memory:') mkdirSync(dirname(filename), { recursive: true })
  return knex({
    client: 'sqlite3',
    connection: { filename },
    asyncStackTraces: ASYNC_STACKS,
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
}

/** A real pool: every request may run on another connection, so only atomic SQL keeps a race honest. */
function openPostgres(connectionString: string, { poolSize = 10 }: DatabaseOptions): Knex {
  return knex({
    client: 'pg',
    log: quietMigrations,
    asyncStackTraces: ASYNC_STACKS,
    connection: { connectionString },
    pool: {
      min: 0,
      max: poolSize,
      idleTimeoutMillis: 5_000,
      afterCreate(connection: any, done: (err: Error | null, connection: any) => void) {
        // pg returns int8 (bigint, and count(*)) as a string, since it may not fit a JS number. Ours are
        // millisecond timestamps and counts, far below 2^53: numbers, as SQLite returns them.
        connection.setTypeParser(INT8, 'text', Number)
        done(null, connection)
      },
    },
  })
}

const INT8 = 20 // the type oid of bigint in pg_type

/**
 * Runs the migrations. Several servers may start together on one database; knex refuses a second migrator
 * while the first holds its lock (or both race to create knex_migrations), so a loser waits and tries
 * again: once the first is done, the second finds nothing left to do.
 */
async function migrate(db: Knex, migrations: Migration[]) {
  const source = { migrationSource: new MigrationList(migrations) }
  for (let attempt = 1; ; attempt++) {
    try {
      await ensureOneLockRow(db)
      await db.migrate.latest(source)
      return
    } catch (err) {
      if (attempt >= 100 || !isConcurrentMigration(err)) throw err
      await new Promise((resolve) => setTimeout(resolve, 50 + Math.random() * 100))
    }
  }
}

/**
 * An in-memory database lives and dies with its one connection: no other process opens it, and no later start
 * migrates it again. knex's migrator keeps a record for those (two tables of its own, a lock, a dozen statements:
 * 8 of the 10.5 ms of CPU an open costs here, and every test opens one), so here the migrations run in the
 * step's order, in one transaction, as the migrator would run them. A file or a PostgreSQL database keeps the migrator.
 *
 * The schema they leave is the same every time: the first in-memory database of a list of migrations runs
 * them, and the next ones get the statements that SQLite keeps for that schema (sqlite_master) in one exec,
 * about 1.5 ms of CPU less for each test's database. Migrations that left rows run every time.
 */
const schemas = new WeakMap<Migration[], Promise<string | undefined>>()

async function migrateInMemory(db: Knex, migrations: Migration[]) {
  // Looked up and claimed before any await: a suite's tests open their databases at the same moment.
  const known = schemas.get(migrations)
  if (known) {
    const schema = await known.catch(() => undefined)
    if (schema !== undefined) return execute(db, schema)
  }
  const made = (async () => {
    await db.transaction(async (trx) => {
      for (const migration of migrations) await migration.up(trx)
    })
    return schemaOf(db)
  })()
  if (!known) {
    schemas.set(migrations, made)
    made.catch(() => schemas.delete(migrations)) // a failed migration runs again (and fails again) in the next database
  }
  await made
}

/** Several statements in one call of the driver (knex's raw() runs only the first). */
async function execute(db: Knex, sql: string) {
  const connection = await db.client.acquireConnection()
  try {
    await new Promise<void>((resolve, reject) => connection.exec(sql, (err: Error | null) => (err ? reject(err) : resolve())))
  } finally {
    await db.client.releaseConnection(connection)
  }
}

/** The CREATE statements of an in-memory database, in the order they ran; undefined when a table holds rows. */
async function schemaOf(db: Knex): Promise<string | undefined> {
  const objects: Array<{ type: string; name: string; sql: string }> = await db('sqlite_master').whereNotNull('sql').orderBy('rowid').select('type', 'name', 'sql')
  const own = objects.filter(({ name }) => !name.startsWith('sqlite_')) // sqlite_sequence: SQLite makes it itself
  for (const { type, name } of own) if (type === 'table' && (await db(name).first())) return undefined
  return own.map(({ sql }) => `${sql};`).join('\n')
}

const LOCK_TABLE = 'knex_migrations_lock'

/**
 * knex inserts the row of its migration lock after it finds the lock table empty, a check-then-write
 * (knex#3538): two servers starting together on a new database can both insert one, and with two rows no
 * migrator ever takes the lock again, so neither server starts, then or later. The row is claimed here by
 * its primary key instead (a second INSERT does nothing), before knex looks; a second row left by that race
 * is deleted (with two rows nobody can hold the lock, so nobody loses it).
 */
async function ensureOneLockRow(db: Knex) {
  if (!(await db.schema.hasTable(LOCK_TABLE))) {
    // knex's own definition, so that knex takes the table as its own. A server racing us here gets
    // "already exists", and tries again.
    await db.schema.createTable(LOCK_TABLE, (table) => {
      table.increments('index').primary()
      table.integer('is_locked')
    })
  }
  await db(LOCK_TABLE).insert({ index: 1, is_locked: 0 }).onConflict('index').ignore()
  await db(LOCK_TABLE).where('index', '>', db(LOCK_TABLE).min('index')).delete()
}

function isConcurrentMigration(err: any): boolean {
  return (
    err?.name === 'MigrationLocked' ||
    isUniqueViolation(err) ||
    err?.code === '42P07' || // PostgreSQL: relation already exists
    err?.code === 'SQLITE_BUSY' ||
    (err?.code === 'SQLITE_ERROR' && /already exists/.test(err?.message))
  )
}

/**
 * A UNIQUE or PRIMARY KEY index refused an INSERT: SQLITE_CONSTRAINT on SQLite, 23505 (unique_violation) on
 * PostgreSQL. The atomic way to claim a row is to insert it and let the index decide, then ask this.
 */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | undefined
  if (e?.code === '23505') return true
  return e?.code === 'SQLITE_CONSTRAINT' && /UNIQUE|PRIMARY KEY/.test(String(e.message))
}

/**
 * The database did not answer at all: the server cannot be reached (refused, reset, timed out, shutting down),
 * the pool is closed or found no connection in time, or the SQLite file cannot be opened. Not a query that
 * failed: a store that is down. Every request that needs the store gets a 503 then (lib/http.ts), a clear
 * error and never the driver's text; a claims-only token, which needs no store, keeps verifying.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  const e = err as { code?: unknown; name?: unknown; message?: unknown } | undefined
  const code = String(e?.code ?? '')
  const message = String(e?.message ?? '')
  return (
    e?.name === 'KnexTimeoutError' || // the pool found no connection in time
    /^Unable to acquire a connection$/.test(message) || // knex: the pool is closed
    /^Connection terminated/.test(message) || // pg: the server went away mid-query
    ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'SQLITE_CANTOPEN'].includes(code) ||
    /^08/.test(code) || // PostgreSQL class 08: connection exception
    ['57P01', '57P02', '57P03'].includes(code) // PostgreSQL: admin or crash shutdown, cannot connect now
  )
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
