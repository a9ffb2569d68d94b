// Step 02 needs no sessions table: the token itself says who you are.
import type { Migration } from '../../lib/db.ts'
import { createUsersTable } from '../../lib/users.ts'

export const migrations: Migration[] = [{ name: '001_users', up: createUsersTable }]
