// The claims-only JWT of the benchmark keeps its users, for login; no table is read on GET /me.
import type { Migration } from '../../../lib/db.ts'
import { createUsersTable } from '../../../lib/users.ts'

export const migrations: Migration[] = [{ name: '001_users', up: createUsersTable }]
