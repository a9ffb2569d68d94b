// `npm run bench`'s flags, apart from the bench itself, so that a wrong one is answered at once (and tests
// can check the refusals without starting a bench).
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { ROOT } from '../../lib/steps.ts'
import type { Settings } from './report.ts'

/** Below this many seconds per app, the noise of a round is larger than the differences between the rows. */
export const RANKING_SECONDS = 3
const LEARNERS_OUT = join(ROOT, '.bench')

const USAGE = `Usage: npm run bench [-- --duration <seconds>] [--connections <n>] [--out <dir> | --update-slides] [--database sqlite|postgres]
  --duration     seconds of load per app, in rounds of about 0.5 s, after a warm-up of up to 1 s (default 4);
                 under ${RANKING_SECONDS} s the rows cannot be ranked by requests/s
  --connections  concurrent connections autocannon keeps open (default 10)
  --out          where to write bench.md and bench.svg (default .bench/, which git ignores)
  --update-slides  write them into slides/ instead, the table that the README and the deck show (for the
                 workshop's maintainers, on a calm machine)
  --database     sqlite (default: every app on an in-memory SQLite), or postgres: every app on a schema of
                 its own on the PostgreSQL server of DATABASE_URL, over a pool of 10 connections; writes
                 bench-postgres.md and bench-postgres.svg
  --one-process  every app in one server process instead of one each: a quick check that the bench runs
                 (the workshop's own test uses it), whose requests/s are no fair race`

export class UsageError extends Error {}

export function parseOptions(args = process.argv.slice(2)): Settings & { out: string; database: 'sqlite' | 'postgres'; oneProcess: boolean } {
  let values
  try {
    values = parseArgs({
      options: {
        duration: { type: 'string', default: '4' },
        connections: { type: 'string', default: '10' },
        out: { type: 'string' },
        'update-slides': { type: 'boolean', default: false },
        database: { type: 'string', default: 'sqlite' },
        'one-process': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      args,
      allowPositionals: false,
    }).values
  } catch (err: any) {
    throw new UsageError(`${err.message}\n\n${USAGE}`)
  }
  if (values.help) {
    console.log(USAGE)
    process.exit(0)
  }
  const duration = Number(values.duration)
  if (!(duration > 0 && duration <= 600)) throw new UsageError(`--duration must be a number of seconds between 0 and 600, got "${values.duration}".\n\n${USAGE}`)
  const connections = Number(values.connections)
  if (!Number.isInteger(connections) || connections < 1 || connections > 1000) {
    throw new UsageError(`--connections must be a whole number from 1 to 1000, got "${values.connections}".\n\n${USAGE}`)
  }
  const database = values.database
  if (database !== 'sqlite' && database !== 'postgres') throw new UsageError(`--database is sqlite or postgres, got "${database}".\n\n${USAGE}`)
  if (values['one-process'] && (database === 'postgres' || values['update-slides'])) {
    throw new UsageError(`--one-process is a quick check that the bench runs, on SQLite: not with --database postgres or --update-slides.\n\n${USAGE}`)
  }
  if (values.out && values['update-slides']) throw new UsageError(`--out and --update-slides each say where to write: give one.\n\n${USAGE}`)
  // A learner's run leaves the repo as it was; the committed table changes only when asked to.
  const out = values['update-slides'] ? join(ROOT, 'slides') : resolve(values.out ?? LEARNERS_OUT)
  return { duration, connections, warmup: Math.min(1, duration), out, database, oneProcess: values['one-process'] }
}
