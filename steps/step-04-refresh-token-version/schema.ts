// Step 04 adds one integer per user: the version that every refresh token of the user must carry.
import type { Migration } from '../../lib/db.ts'
import { createUsersTable } from '../../lib/users.ts'

export const migrations: Migration[] = [
  { name: '001_users', up: createUsersTable },
  {
    name: '002_refresh_token_version',
    async up(db) {
      // TODO(1): add an integer column refresh_token_version to users: not null, 0 for every user.
      //          README.md → "Exercise 1" has hints.
      throw new NotImplemented('step-04 TODO(1): add users.refresh_token_version in the migration (schema.ts)')
    },
  },
]
