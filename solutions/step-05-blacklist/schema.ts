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
      await db.schema.createTable('revoked_tokens', (table) => {
        table.string('jti').primary() // the primary key makes "consume" one atomic INSERT
        table.bigInteger('expires_at').notNullable().index() // the token's exp, in ms: pruned after it
        table.string('reason').notNullable() // 'logout', or 'used' by a refresh: presenting it again is reuse
      })
    },
  },
]
