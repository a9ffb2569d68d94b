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
      await db.schema.createTable('revoked_families', (table) => {
        table.string('sid').primary() // a login's id: every token of the login names it
        table.bigInteger('expires_at').notNullable().index() // when the login's last token expires, in ms: pruned after it
        table.string('reason').notNullable() // 'logout', or 'reuse' of a used refresh token
      })
      await db.schema.createTable('revoked_tokens', (table) => {
        table.string('jti').primary() // a used refresh token: the primary key makes "consume" one atomic INSERT
        table.bigInteger('expires_at').notNullable().index() // the token's exp, in ms: pruned after it
      })
    },
  },
]
