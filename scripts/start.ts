// npm start -- step-04 [--solution]
import { parseArgs } from 'node:util'
import { loadSecrets, readScryptCost } from '../lib/config.ts'
import { resolveStep, stepDir, stepExists, UnknownStepError } from '../lib/steps.ts'
// The server and the database (koa, knex, the step's code) load only once the environment is known to be
// usable: a start that must be refused is refused in half the time, before any of them loads.
const loadServer = () => Promise.all([import('../lib/db.ts'), import('../lib/server.ts')])

try {
  const { values, positionals } = parseArgs({ options: { solution: { type: 'boolean', default: false } }, allowPositionals: true })
  if (positionals.length !== 1) throw new UnknownStepError('Usage: npm start -- <step> [--solution]   e.g. npm start -- step-02 --solution')
  const name = resolveStep(positionals[0])
  const flavour = values.solution ? 'solutions' : 'steps'
  if (!stepExists(name, flavour)) throw new UnknownStepError(`${flavour}/${name} does not exist yet.`)
  const port = process.env.PORT ? Number(process.env.PORT) : 3000
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UnknownStepError(`PORT must be a port number, got "${process.env.PORT}".`)
  const databaseUrl = process.env.DATABASE_URL || undefined
  // Quietly: serve() reads them again and warns then, in its usual order.
  loadSecrets(process.env, () => {})
  readScryptCost(process.env, () => {})
  const [{ isPostgresUrl, redactedUrl }, { serve }] = await loadServer()
  if (databaseUrl && !isPostgresUrl(databaseUrl)) throw new UnknownStepError('DATABASE_URL must look like postgres://user:password@host:port/database.')
  console.log(`serving ${flavour}/${name}${databaseUrl ? ` on PostgreSQL (${redactedUrl(databaseUrl)})` : ''}`)
  await serve({ dir: stepDir(name, flavour), port, databaseFile: process.env.DATABASE_FILE || undefined, databaseUrl })
} catch (err: any) {
  if (err instanceof UnknownStepError || err?.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    console.error(err.message)
  } else if (err?.code === 'EADDRINUSE') {
    console.error(`Port ${process.env.PORT ?? 3000} is already in use. Stop the other server, or run with PORT=3001 npm start -- …`)
  } else if (err instanceof Error && /Refusing to start/.test(err.message)) {
    console.error(err.message)
  } else {
    console.error(err)
  }
  process.exit(1)
}
