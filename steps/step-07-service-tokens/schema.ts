// Step 06's tables: users, and sessions that store only a hash of the cookie, with a public id of their own.
import type { Migration } from '../../lib/db.ts'
import { createUsersTable } from '../../lib/users.ts'

export const migrations: Migration[] = [
  { name: '001_users', up: createUsersTable },
  {
    name: '002_sessions',
    async up(db) {
      await db.schema.createTable('sessions', (table) => {
        table.string('id').primary() // a public random id for GET /sessions: never the cookie, never its hash
        table.string('token_hash').notNullable().unique() // SHA-256 of the cookie value: a leaked table grants nothing
        table.integer('user_id').notNullable().references('users.id').onDelete('CASCADE').index()
        table.bigInteger('created_at').notNullable()
        table.bigInteger('last_seen_at').notNullable()
        table.bigInteger('expires_at').notNullable()
      })
    },
  },
]
