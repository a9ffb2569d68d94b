// Step 05 adds the blacklist: the ids of tokens revoked before their expiry.
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
  {
    name: '003_revoked_tokens',
    async up(db) {
      // TODO(1): create the table revoked_tokens: `jti` (a string, the primary key), `expires_at` (a big
      //          integer, milliseconds, indexed) and `reason` (a string: 'logout' or 'used').
      //          README.md → "Exercise 1" has hints.
      throw new NotImplemented('step-05 TODO(1): create the revoked_tokens table in the migration (schema.ts)')
    },
  },
]
