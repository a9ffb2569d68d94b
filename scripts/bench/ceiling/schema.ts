// The ceiling of the benchmark has no tables: it checks nothing.
import type { Migration } from '../../../lib/db.ts'

export const migrations: Migration[] = []
