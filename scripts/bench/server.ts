// One app for `npm run bench`, in its own process: lib/server.ts's serve(), as `npm start` runs it
// (real scrypt, production code paths), but on an ephemeral port of 127.0.0.1 and with an in-memory database.
import { serve } from '../../lib/server.ts'

const dir = process.argv[2]
if (!dir) {
  console.error('usage: node --import tsx scripts/bench/server.ts <step folder>')
  process.exit(2)
}
await serve({ dir, port: 0, host: '127.0.0.1', databaseFile: ':memory:' })
