// Step 05 adds the blacklist: the logins ended before their tokens expired, and the refresh tokens used up.
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
      // TODO(1): create two tables. revoked_families: `sid` (a string, the primary key), `expires_at` (a big
      //          integer, milliseconds, indexed) and `reason` (a string: 'logout' or 'reuse'). revoked_tokens:
      //          `jti` (a string, the primary key) and `expires_at` (the same). README.md → "Exercise 1" has hints.
      throw new NotImplemented('step-05 TODO(1): create the revoked_families and revoked_tokens tables in the migration (schema.ts)')
    },
  },
]
