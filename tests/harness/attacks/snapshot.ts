// "Changes nothing", checked in the database itself: every row of every table, before and after an attack.
import assert from 'node:assert/strict'
import type { Database } from '../../../lib/db.ts'

export type Snapshot = Map<string, string[]> & {
  /** SQLite in memory: its connection's count of changed rows and its schema's version, when the rows were read. */
  stamp?: string
}

/**
 * An in-memory SQLite database has one connection, which no other process can open. Its total_changes() counts
 * every row that an INSERT, UPDATE or DELETE touched since it opened, and its schema_version moves with every
 * CREATE, ALTER and DROP. While both stand still, not one row or table changed: the rows need no second read.
 * Elsewhere (a file that other processes may write, PostgreSQL) there is no stamp, and every row is read.
 */
async function stampOf(db: Database): Promise<string | undefined> {
  const connection = db.client.config.connection as { filename?: string } | undefined
  if (db.client.config.client !== 'sqlite3' || connection?.filename !== ':memory:') return undefined
  const [row] = await db.raw('select total_changes() as changes, (select schema_version from pragma_schema_version) as version')
  return `${row.changes}/${row.version}`
}

/** The last rows read from each database, with the stamp they were read at. */
const lastRead = new WeakMap<Database, Snapshot>()

/** Every table's rows (knex's own bookkeeping left out), each row as JSON, sorted. */
export async function snapshot(db: Database): Promise<Snapshot> {
  const stamp = await stampOf(db)
  const last = lastRead.get(db)
  if (stamp !== undefined && last?.stamp === stamp) return last
  const tables: string[] =
    db.client.config.client === 'pg'
      ? await db('information_schema.tables')
          .whereRaw('table_schema = current_schema()')
          .andWhereNot('table_name', 'like', 'knex_migrations%')
          .orderBy('table_name')
          .pluck('table_name')
      : await db('sqlite_master').where({ type: 'table' }).andWhereNot('name', 'like', 'knex_migrations%').orderBy('name').pluck('name')
  const result: Snapshot = Object.assign(new Map<string, string[]>(), { stamp })
  for (const table of tables) {
    const rows: object[] = await db(table).select()
    result.set(table, rows.map((row) => JSON.stringify(row)).sort())
  }
  lastRead.set(db, result)
  return result
}

/** Fails with the rows that appeared or disappeared, table by table. */
export async function expectUnchanged(db: Database, before: Snapshot, what: string): Promise<void> {
  if (before.stamp !== undefined && (await stampOf(db)) === before.stamp) return // not one row or table touched
  const after = await snapshot(db)
  const changes: string[] = []
  for (const table of new Set([...before.keys(), ...after.keys()])) {
    const old = new Set(before.get(table) ?? [])
    const now = new Set(after.get(table) ?? [])
    for (const row of now) if (!old.has(row)) changes.push(`  + ${table} ${row.slice(0, 200)}`)
    for (const row of old) if (!now.has(row)) changes.push(`  - ${table} ${row.slice(0, 200)}`)
  }
  assert.equal(changes.length, 0, `${what}, yet it changed stored data:\n${changes.join('\n')}`)
}
