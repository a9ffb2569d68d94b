// Step 01's tables: users, and the sessions that map a random id (the cookie) to a user.
import type { Migration } from '../../lib/db.ts'
import { createUsersTable } from '../../lib/users.ts'

export const migrations: Migration[] = [
  { name: '001_users', up: createUsersTable },
  {
    name: '002_sessions',
    async up(db) {
      await db.schema.createTable('sessions', (table) => {
        table.string('id').primary() // the cookie value itself: step 06 stores only its hash
        table.integer('user_id').notNullable().references('users.id').onDelete('CASCADE').index()
        table.bigInteger('created_at').notNullable()
        table.bigInteger('expires_at').notNullable()
      })
    },
  },
]
