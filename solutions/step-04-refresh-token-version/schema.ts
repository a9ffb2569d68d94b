// Step 04 adds one integer per user: the version that every refresh token of the user must carry.
import type { Migration } from '../../lib/db.ts'
import { createUsersTable } from '../../lib/users.ts'

export const migrations: Migration[] = [
  { name: '001_users', up: createUsersTable },
  {
    name: '002_refresh_token_version',
    async up(db) {
      await db.schema.alterTable('users', (table) => {
        table.integer('refresh_token_version').notNullable().defaultTo(0)
      })
    },
  },
]
