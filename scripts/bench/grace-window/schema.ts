// Step 05's tables, and when each refresh token was used up: the grace window is counted from that moment.
import type { Migration } from '../../../lib/db.ts'
import { migrations as step05 } from '../../../solutions/step-05-blacklist/schema.ts'

export const migrations: Migration[] = [
  ...step05,
  {
    name: '004_revoked_tokens_used_at',
    async up(db) {
      await db.schema.alterTable('revoked_tokens', (table) => {
        table.bigInteger('used_at') // ms: when the refresh token was first used; a second use within the window is forgiven
      })
    },
  },
]
