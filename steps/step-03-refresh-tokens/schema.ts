// Step 03 needs no new table yet: both tokens are signed, and the server still stores nothing about them.
import type { Migration } from '../../lib/db.ts'
import { createUsersTable } from '../../lib/users.ts'

export const migrations: Migration[] = [{ name: '001_users', up: createUsersTable }]
