// "Changes nothing", checked in the database itself: every row of every table, before and after an attack.
import assert from 'node:assert/strict'
import type { Database } from '../../../lib/db.ts'

export type Snapshot = Map<string, string[]>

/** Every table's rows (knex's own bookkeeping left out), each row as JSON, sorted. */
export async function snapshot(db: Database): Promise<Snapshot> {
  const tables: string[] =
    db.client.config.client === 'pg'
      ? await db('information_schema.tables')
          .whereRaw('table_schema = current_schema()')
          .andWhereNot('table_name', 'like', 'knex_migrations%')
          .orderBy('table_name')
          .pluck('table_name')
      : await db('sqlite_master').where({ type: 'table' }).andWhereNot('name', 'like', 'knex_migrations%').orderBy('name').pluck('name')
  const result: Snapshot = new Map()
  for (const table of tables) {
    const rows: object[] = await db(table).select()
    result.set(table, rows.map((row) => JSON.stringify(row)).sort())
  }
  return result
}

/** Fails with the rows that appeared or disappeared, table by table. */
export async function expectUnchanged(db: Database, before: Snapshot, what: string): Promise<void> {
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
