// The JWT-in-a-cookie variant keeps its users, for login, as step 02 does: no table of tokens.
import type { Migration } from '../../../lib/db.ts'
import { createUsersTable } from '../../../lib/users.ts'

export const migrations: Migration[] = [{ name: '001_users', up: createUsersTable }]
