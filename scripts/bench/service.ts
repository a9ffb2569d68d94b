// Step 07's reports service for `npm run bench`, in its own process: lib/service's serveService(), as
// `npm start -- step-07 --service` runs it, on an ephemeral port of 127.0.0.1. No database, no secret.
import { serveService } from '../../lib/service/server.ts'

const [dir, issuer] = process.argv.slice(2)
if (!dir || !issuer) {
  console.error('usage: node --import tsx/esm scripts/bench/service.ts <step folder> <issuer URL>')
  process.exit(2)
}
await serveService({ dir, port: 0, host: '127.0.0.1', issuer, name: 'reports' })
