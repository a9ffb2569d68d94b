// npm run bench [-- --duration 4 --connections 10 --out slides]
// Every solution side by side, in one run on one machine: GET /me throughput and latency under load, the
// queries it costs, and how long a stolen credential outlives a logout. Writes bench.md and bench.svg.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import type { Load, Server, Target as LoadTarget } from './bench/load.ts'
import { parseOptions, RANKING_SECONDS, UsageError } from './bench/options.ts'
import type { Row, ServiceRow } from './bench/report.ts'
import type { ServiceFacts } from './bench/scenarios.ts'
import { ROOT, STEPS, stepDir, stepExists, type StepName } from '../lib/steps.ts'
import type { TestDatabase } from '../tests/harness/database.ts'

// Short names for the table and the chart, in the story's words.
const LABELS: Record<StepName, string> = {
  'step-01-sessions': '01 sessions',
  'step-02-jwt': '02 JWT',
  'step-03-refresh-tokens': '03 refresh tokens',
  'step-04-refresh-token-version': '04 token version',
  'step-05-blacklist': '05 blacklist',
  'step-06-sessions-revisited': '06 sessions revisited',
  'step-07-service-tokens': '07 service tokens',
}
const CEILING_DIR = join(ROOT, 'scripts', 'bench', 'ceiling')
// Step 07 has a second table: its service's GET /me and its app's POST /token.
const SERVICE_STEP: StepName = 'step-07-service-tokens'
// Beside it, no step: the same service asking the app about every token (token introspection, RFC 7662).
const INTROSPECTION_DIR = join(ROOT, 'scripts', 'bench', 'introspection')
const CEILING_LABEL = 'ceiling: no auth'
// JWT's promise at its purest, beside the steps: a token trusted as it stands, without loading the user.
const CLAIMS_ONLY_DIR = join(ROOT, 'scripts', 'bench', 'claims-only')
const CLAIMS_ONLY_LABEL = 'claims-only JWT'

interface Target {
  label: string
  dir: string
  step?: StepName
  /** The bare route: no account, no credential, no theft to replay. */
  ceiling?: boolean
  /** Nothing in it can revoke a token: a refusal is the token's own expiry, and the table says so. */
  revokesNothing?: boolean
}

async function main() {
  const options = parseOptions()
  // The apps, autocannon and the harness load only now: a wrong flag is answered before they are.
  const [{ checkMe, logIn, measure, medianLoad, mintToken, startServer, startServers, startService, warmUp }, { machine, markdownTable, queriesText, serviceTable, svgChart }, scenarios, { isPostgresUrl, redactedUrl }, { freshDatabase }] =
    await Promise.all([import('./bench/load.ts'), import('./bench/report.ts'), import('./bench/scenarios.ts'), import('../lib/config.ts'), import('../tests/harness/database.ts')])
  if (options.database === 'postgres' && !isPostgresUrl(process.env.DATABASE_URL ?? '')) {
    throw new UsageError('--database postgres needs DATABASE_URL=postgres://user:password@host:port/database in the environment.')
  }
  const { credentialBytesPerMe, introspectionFacts, queriesPerMe, serviceFacts, stolenCredentialRefused, untilItExpires } = scenarios
  // The in-process counts (tests/harness) and the servers use PostgreSQL only when asked to.
  if (options.database === 'sqlite') delete process.env.DATABASE_URL
  const onPostgres = options.database === 'postgres'
  const steps = STEPS.filter((step) => stepExists(step, 'solutions'))
  const targets: Target[] = [
    { label: CEILING_LABEL, dir: CEILING_DIR, ceiling: true },
    { label: CLAIMS_ONLY_LABEL, dir: CLAIMS_ONLY_DIR, revokesNothing: true },
    ...steps.map((step) => ({ label: LABELS[step], dir: stepDir(step, 'solutions'), step })),
  ]
  const missing = STEPS.filter((step) => !steps.includes(step))
  console.log(`bench: ${steps.length} solutions, a claims-only JWT and a bare route, on ${machine()}${onPostgres ? `, on PostgreSQL (${redactedUrl(process.env.DATABASE_URL!)})` : ''}`)
  if (missing.length) console.log(`  (not in solutions/ yet, so not measured: ${missing.join(', ')})`)

  // 1. In-process, with the test clock: the numbers that do not depend on the machine.
  console.log('\ncounting queries per GET /me and replaying a theft against each step (in-process, test clock)')
  type Facts = Pick<Row, 'queries' | 'bytes' | 'afterLogout' | 'afterPasswordChange'>
  const facts = new Map<string, Facts>()
  let service: ServiceFacts | undefined
  let introspection: { queries: number; afterLogout: string } | undefined
  for (const target of targets) {
    const step = target.step ?? 'step-02-jwt' // a bench-only app only needs a name; its folder is what is loaded
    const queries = await queriesPerMe(step, target.dir, !target.ceiling)
    const bytes = await credentialBytesPerMe(step, target.dir, !target.ceiling)
    const fact: Facts = { queries, bytes }
    if (!target.ceiling) {
      const word = target.revokesNothing ? untilItExpires : (verdict: string) => verdict
      fact.afterLogout = word(await stolenCredentialRefused(step, target.dir, 'logout'))
      fact.afterPasswordChange = word(await stolenCredentialRefused(step, target.dir, 'password change'))
    }
    facts.set(target.label, fact)
    if (target.step === SERVICE_STEP) {
      service = await serviceFacts(target.step, target.dir)
      console.log(`  ${'07 service side'.padEnd(22)} POST /token queries: ${service.tokenQueries}   token: ${service.tokenBytes} bytes   refused after logout: ${service.afterLogout}`)
      introspection = await introspectionFacts(INTROSPECTION_DIR)
      console.log(`  ${'07 introspection'.padEnd(22)} queries at the app per call: ${introspection.queries}   refused after logout: ${introspection.afterLogout}`)
    }
    const revocation = target.ceiling ? '' : `   stolen credential refused: ${fact.afterLogout} after logout, ${fact.afterPasswordChange} after a password change`
    console.log(`  ${target.label.padEnd(22)} queries: ${queriesText(queries).padEnd(24)}credential: ${String(bytes).padStart(3)} bytes${revocation}`)
  }

  // 2. Under load: every app in its own process, started together, then measured one at a time.
  console.log(`\nstarting ${targets.length} servers${options.oneProcess ? ' in one process' : ''} (one register and login each, with a cheap scrypt: GET /me never hashes)`)
  const servers: Server[] = []
  const stopAll = () => servers.forEach((server) => server.stop())
  // Never leave a server behind: not on an error, not on Ctrl-C, not when killed.
  process.once('exit', stopAll)
  process.once('SIGINT', () => process.exit(130))
  process.once('SIGTERM', () => process.exit(143))
  const rows: Row[] = []
  const serviceRows: ServiceRow[] = []
  const databases: TestDatabase[] = []
  try {
    // --one-process: every app, step 07's introspecting app and both reports services, in one server process.
    const withIntrospection = targets.some((target) => target.step === SERVICE_STEP)
    const hosted = options.oneProcess ? await startServers([...targets.map((target) => target.dir), ...(withIntrospection ? [INTROSPECTION_DIR] : [])]) : undefined
    if (hosted) servers.push(...hosted.apps)
    const ready = await Promise.all(
      targets.map(async (target, i) => {
        // Every app on a database of its own: a schema created here and dropped at the end, durable commits.
        const database = onPostgres ? await freshDatabase('memory', `bench-${target.label}`, { durable: true }) : undefined
        if (database) databases.push(database)
        const server = hosted?.apps[i] ?? (await startServer(target.dir, database ? { BENCH_DATABASE_URL: database.location } : {}))
        if (!hosted) servers.push(server)
        const headers = target.ceiling ? {} : await logIn(server.url)
        await checkMe(server.url, headers)
        return { target, server, headers }
      }),
    )
    // Round-robin rounds of half a second, so that a noisy moment (a busy neighbour, a GC) is shared out
    // instead of hitting one app; the median round is kept.
    const rounds = Math.max(1, Math.round(options.duration * 2))
    const seconds = options.duration / rounds
    console.log(`measuring GET /me: ${options.connections} connections; ${options.warmup} s warm-up each, then ${rounds} round(s) of ${seconds} s per app, in turn`)
    for (const { server, headers } of ready) await warmUp(server.url, headers, options)
    const results = ready.map((): Load[] => [])
    for (let round = 0; round < rounds; round++) {
      for (const [i, { server, headers }] of ready.entries()) results[i].push(await measure(server.url, headers, { connections: options.connections, seconds }))
      process.stdout.write(`  round ${round + 1}/${rounds} done\n`)
    }
    for (const [i, { target }] of ready.entries()) {
      const load = medianLoad(results[i])
      rows.push({ label: target.label, ceiling: !!target.ceiling, benchOnly: !target.step, load, ...facts.get(target.label)! })
      console.log(`  ${target.label.padEnd(22)} ${Math.round(load.requestsPerSecond).toString().padStart(7)} req/s   p50 ${load.p50.toFixed(2)} ms   p99 ${load.p99.toFixed(2)} ms   (median of ${rounds})`)
    }

    // Step 07's other side: its reports service (GET /me: an ES256 verify with cached keys, no database) and
    // the app's POST /token (the session JOIN its user, and an ES256 signature).
    const issuer = ready.find(({ target }) => target.step === SERVICE_STEP)
    if (issuer && service) {
      const appUrl = issuer.server.url.replace('127.0.0.1', 'localhost') // the app's ISSUER, its tokens' iss
      const reports = hosted?.services[ready.indexOf(issuer)] ?? (await startService(issuer.target.dir, appUrl))
      servers.push(reports)
      const bearer = async () => ({ authorization: `Bearer ${await mintToken(issuer.server.url, issuer.headers)}` })
      const token: LoadTarget = { method: 'POST', path: '/token', body: JSON.stringify({ audience: 'reports' }) }
      const tokenHeaders = { ...issuer.headers, 'content-type': 'application/json' }
      await warmUp(reports.url, await bearer(), options)
      await warmUp(issuer.server.url, tokenHeaders, options, token)
      const verified: Load[] = []
      const minted: Load[] = []
      for (let round = 0; round < rounds; round++) {
        verified.push(await measure(reports.url, await bearer(), { connections: options.connections, seconds })) // a fresh token each round: it lives 5 minutes
        minted.push(await measure(issuer.server.url, tokenHeaders, { connections: options.connections, seconds }, token))
      }
      // The same service asking the app about every token: an app of the bench's own, with POST /introspect.
      const asking = hosted?.apps[targets.length] ?? (await startServer(INTROSPECTION_DIR))
      if (!hosted) servers.push(asking)
      const askingHeaders = await logIn(asking.url)
      const askingService = hosted?.services[targets.length] ?? (await startService(INTROSPECTION_DIR, asking.url.replace('127.0.0.1', 'localhost')))
      servers.push(askingService)
      const askingBearer = async () => ({ authorization: `Bearer ${await mintToken(asking.url, askingHeaders)}` })
      await warmUp(askingService.url, await askingBearer(), options)
      const introspected: Load[] = []
      for (let round = 0; round < rounds; round++) introspected.push(await measure(askingService.url, await askingBearer(), { connections: options.connections, seconds }))
      serviceRows.push(
        { label: "07 service's GET /me (ES256 verify, cached keys)", queries: 0, bytes: service.tokenBytes, load: medianLoad(verified), afterLogout: service.afterLogout },
        { label: "07 app's POST /token (session JOIN user, ES256 sign)", queries: service.tokenQueries, bytes: Number(issuer.headers.cookie?.length ?? 0) + 'Cookie: \r\n'.length, load: medianLoad(minted), afterLogout: 'at once (the session is gone)' },
        ...(introspection
          ? [{ label: "*the service asking the app about every token (introspection, RFC 7662)*", queries: introspection.queries, bytes: service.tokenBytes, load: medianLoad(introspected), afterLogout: introspection.afterLogout }]
          : []),
      )
      for (const row of serviceRows) console.log(`  ${row.label.padEnd(52)} ${Math.round(row.load.requestsPerSecond).toString().padStart(7)} req/s   p50 ${row.load.p50.toFixed(2)} ms   p99 ${row.load.p99.toFixed(2)} ms`)
    }
  } finally {
    stopAll()
    // The servers must be gone before their schemas are dropped, and before the bench reports: SIGTERM, then
    // their exit (each closes within its 5 s grace period; 15 s catches a hang).
    await Promise.race([Promise.all(servers.map((server) => server.exited)), new Promise((resolve) => setTimeout(resolve, 15_000).unref())])
    await Promise.all(databases.map((database) => database.drop().catch((err) => console.error(`could not drop a bench schema: ${err.message}`))))
  }

  // 3. The table, and the files the slides embed.
  let table = markdownTable(rows, options)
  if (serviceRows.length) table += `\n${serviceTable(serviceRows, rows.find((row) => row.ceiling)!)}`
  const chart = svgChart(rows, options)
  if (onPostgres) {
    table = table.replace('(in-memory SQLite)', '(on PostgreSQL, each app on a schema of its own over a pool of 10 connections)')
  }
  const name = onPostgres ? 'bench-postgres' : 'bench'
  mkdirSync(options.out, { recursive: true })
  writeFileSync(join(options.out, `${name}.md`), table)
  writeFileSync(join(options.out, `${name}.svg`), chart)
  const where = relative(process.cwd(), options.out).startsWith('..') ? options.out : relative(process.cwd(), options.out) || '.'
  console.log(`\n${table}\nwrote ${join(where, `${name}.md`)} and ${join(where, `${name}.svg`)}`)
  if (options.oneProcess) console.log('\nEvery app ran in one server process (--one-process): a check that the bench runs, not a race between the rows.')
  if (options.duration < RANKING_SECONDS) {
    console.log(
      `\nThis run gave each app ${options.duration} s: too short to rank the rows by requests/s, since a short round's noise ` +
        `(the machine, the JIT, the garbage collector) is larger than the differences. The queries, bytes and revocation ` +
        `columns hold; for requests/s, run ${RANKING_SECONDS} s or more per app (the default is 4) on a calm machine.`,
    )
  }
}

try {
  await main()
  process.exit(0) // the in-process apps' timers and autocannon's workers must not keep us waiting
} catch (err: any) {
  if (err instanceof UsageError) {
    console.error(err.message)
    process.exit(2)
  }
  console.error(`bench failed: ${err?.stack ?? err}`)
  process.exit(1)
}
