// One app for `npm run bench`, in its own process (with --one-process, every app in this one): lib/server.ts's
// serve(), as `npm start` runs it (production code paths), but on an ephemeral port of 127.0.0.1 and with an
// in-memory database.
// GET /me never hashes a password, so the one register and login per server use a cheap scrypt:
// OWASP's costs about 0.4 s a hash here, 5 s of set-up for seven servers that measures nothing.
// `npm run bench -- --database postgres` hands each server a PostgreSQL schema of its own in
// BENCH_DATABASE_URL: a real pool of 10 connections, as `npm start` opens with DATABASE_URL.
import { CHEAP_SCRYPT_FOR_TESTS } from '../../lib/passwords.ts'
import { serve } from '../../lib/server.ts'
import { serveService } from '../../lib/service/server.ts'
import { hasService } from '../../lib/steps.ts'

// `npm run bench -- --one-process` gives several folders and --with-services: one app each, one after the other,
// each on its own port, and after an app that has one (step 07's), its reports service trusting it. Each
// serve() stops on SIGTERM, so each adds its listener.
const withServices = process.argv[2] === '--with-services'
const dirs = process.argv.slice(withServices ? 3 : 2)
if (dirs.length === 0) {
  console.error('usage: node --import tsx/esm scripts/bench/server.ts [--with-services] <step folder> [<step folder>…]')
  process.exit(2)
}
process.setMaxListeners(10 + 4 * dirs.length)
for (const dir of dirs) {
  const { port } = await serve({ dir, port: 0, host: '127.0.0.1', databaseFile: ':memory:', databaseUrl: process.env.BENCH_DATABASE_URL || undefined, scrypt: CHEAP_SCRYPT_FOR_TESTS })
  if (withServices && hasService(dir)) await serveService({ dir, port: 0, host: '127.0.0.1', issuer: `http://localhost:${port}`, name: 'reports' })
}
