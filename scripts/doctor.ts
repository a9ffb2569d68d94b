// npm run doctor: is this machine ready for the workshop? Node, the dependencies, the sqlite3 binding, the
// port, the step folders, git. Each problem comes with what to type to fix it. Exits 1 when one fails.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { STEPS } from '../lib/steps.ts'
import { type Io, learnersStep, palette, parseCommand, processIo, runCommand, say, shortName, startedDirectly, workshopRoot } from './cli.ts'

const USAGE = `Usage: npm run doctor

Checks that this machine is ready for the workshop: Node 22 or 24 (20.17 at least), the installed dependencies, the
sqlite3 binding, a free port for npm start (PORT or 3000), complete step folders, and git. Each problem comes
with what to do about it. Exits 1 when something needs fixing.`

export interface Finding {
  /** 'warn' is worth knowing but does not stop the workshop. */
  status: 'ok' | 'warn' | 'fail'
  label: string
  advice?: string
}

/** The oldest Node that runs the workshop: sqlite3 6 needs 20.17. */
export const MINIMUM_NODE = [20, 17] as const
/** The lines CI proves the workshop on, and the ones to install. */
export const SUPPORTED_NODE = [22, 24] as const

// End of life of each Node line (https://github.com/nodejs/release#release-schedule): after it, no security fixes.
const END_OF_LIFE: Record<number, string> = {
  18: '2025-04-30',
  19: '2023-06-01',
  20: '2026-04-30',
  21: '2024-06-01',
  22: '2027-04-30',
  23: '2025-06-01',
  24: '2028-04-30',
  25: '2026-06-01',
  26: '2029-04-30',
}

const UPGRADE = [
  `Install Node ${SUPPORTED_NODE.join(' or ')} (LTS) from https://nodejs.org, or with nvm: nvm install 24 && nvm use 24`,
  'then, in this folder: npm install   (native modules such as sqlite3 are built per Node version)',
].join('\n')

export function checkNode(version = process.versions.node, today = new Date()): Finding {
  const [major, minor] = version.split('.').map(Number)
  const runs = major > MINIMUM_NODE[0] || (major === MINIMUM_NODE[0] && minor >= MINIMUM_NODE[1])
  if (!runs) {
    return {
      status: 'fail',
      label: `Node ${version} is too old: the workshop needs ${MINIMUM_NODE.join('.')} or newer (${SUPPORTED_NODE.join(' or ')} recommended)`,
      advice: UPGRADE,
    }
  }
  const endOfLife = END_OF_LIFE[major]
  if (endOfLife && today.toISOString().slice(0, 10) > endOfLife) {
    return {
      status: 'warn',
      label: `Node ${version} runs the workshop, but Node ${major} reached its end of life on ${endOfLife} (no more security fixes)`,
      advice: UPGRADE,
    }
  }
  return { status: 'ok', label: `Node ${version} (the workshop is checked on ${SUPPORTED_NODE.join(' and ')})` }
}

export async function checkDependencies(root = workshopRoot()): Promise<Finding> {
  const missing: string[] = []
  for (const name of ['koa', '@koa/router', 'koa-bodyparser', 'jsonwebtoken', 'knex']) {
    try {
      await import(name)
    } catch {
      missing.push(name)
    }
  }
  if (missing.length === 0 && existsSync(join(root, 'node_modules'))) return { status: 'ok', label: 'the dependencies are installed' }
  return {
    status: 'fail',
    label: `the dependencies are not installed${missing.length ? ` (missing: ${missing.join(', ')})` : ''}`,
    advice: `In ${root}, run: npm install`,
  }
}

function hasTool(command: string, args = ['--version'], env: NodeJS.ProcessEnv = process.env): boolean {
  const run = spawnSync(command, args, { stdio: 'ignore', env })
  return !run.error && run.status === 0
}

export async function checkSqlite(): Promise<Finding> {
  try {
    const sqlite3 = (await import('sqlite3')).default
    const version = await new Promise<string>((resolve, reject) => {
      const db = new sqlite3.Database(':memory:', (err) => err && reject(err))
      db.get('select sqlite_version() as version', (err, row: { version: string }) => {
        db.close()
        if (err) reject(err)
        else resolve(row.version)
      })
    })
    return { status: 'ok', label: `the sqlite3 binding loads and runs a query (SQLite ${version})` }
  } catch (err: any) {
    const missingTools = ['python3', 'make', 'g++'].filter((tool) => !hasTool(tool))
    return {
      status: 'fail',
      label: `the sqlite3 binding does not load: ${String(err?.message ?? err).split('\n')[0].slice(0, 140)}`,
      advice: [
        'Rebuild it for this Node version: npm rebuild sqlite3',
        `That compiles C++ and needs python3, make and g++${missingTools.length ? `; not found here: ${missingTools.join(', ')}` : ''}.`,
        '  Debian/Ubuntu: sudo apt-get install -y python3 make g++',
        '  Fedora: sudo dnf install -y python3 make gcc-c++',
        '  macOS: xcode-select --install',
        '  Windows: use WSL, or install the Visual Studio Build Tools ("Desktop development with C++")',
        'If you switched Node versions after npm install, that is the cause: the rebuild fixes it.',
      ].join('\n'),
    }
  }
}

export async function checkPort(env: NodeJS.ProcessEnv = process.env): Promise<Finding> {
  const text = env.PORT || '3000'
  const port = Number(text)
  if (!/^\d+$/.test(text) || port > 65535) {
    return { status: 'fail', label: `PORT="${text}" is not a port number`, advice: 'Set PORT to a number from 1024 to 65535, or unset it to use 3000.' }
  }
  const error = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
    const server = createServer()
    server.once('error', (err) => resolve(err))
    server.listen(port, () => server.close(() => resolve(undefined))) // all interfaces, as npm start listens
  })
  const which = env.PORT ? `port ${port} (from PORT)` : `port ${port}`
  if (!error) return { status: 'ok', label: `${which} is free for npm start` }
  if (error.code === 'EADDRINUSE') {
    return {
      status: 'fail',
      label: `${which} is already in use`,
      advice: [
        'Another program listens on it: often an npm start left running in another terminal (stop it with Ctrl-C).',
        `To see which one: lsof -i :${port}   (Windows: netstat -ano | findstr :${port})`,
        `Or use another port: PORT=${port === 3000 ? 3001 : port + 1} npm start -- step-01`,
      ].join('\n'),
    }
  }
  return {
    status: 'fail',
    label: `${which} cannot be used (${error.code})`,
    advice: `${error.code === 'EACCES' ? 'Ports below 1024 need special rights. ' : ''}Use another port: PORT=3001 npm start -- step-01`,
  }
}

/**
 * Step 07's reports service listens on SERVICE_PORT, by default PORT+1 (3001). Busy, it is a warning, not a
 * failure: steps 01–06 do not need it, and SERVICE_PORT moves it.
 */
export async function checkServicePort(env: NodeJS.ProcessEnv = process.env): Promise<Finding> {
  const appPort = Number(env.PORT || '3000')
  const text = env.SERVICE_PORT || String(appPort + 1)
  const port = Number(text)
  if (!/^\d+$/.test(text) || port > 65535) return { status: 'fail', label: `SERVICE_PORT="${text}" is not a port number`, advice: 'Set SERVICE_PORT to a number from 1024 to 65535, or unset it to use PORT+1.' }
  const error = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
    const server = createServer()
    server.once('error', (err) => resolve(err))
    server.listen(port, () => server.close(() => resolve(undefined)))
  })
  const which = `port ${port} (${env.SERVICE_PORT ? 'from SERVICE_PORT' : 'PORT+1'})`
  if (!error) return { status: 'ok', label: `${which} is free for step 07's reports service` }
  return {
    status: 'warn',
    label: `${which}, where step 07 starts its reports service, cannot be used (${error.code})`,
    advice: `Steps 01–06 do not need it. For step 07: SERVICE_PORT=${port + 1} npm start -- step-07`,
  }
}

/** Each step needs its starter (with README), its solution and its suite. */
export function checkSteps(root = workshopRoot()): Finding {
  const gaps = STEPS.map((step) => {
    const needed = [
      `steps/${step}/routes.ts`,
      `steps/${step}/schema.ts`,
      `steps/${step}/README.md`,
      `solutions/${step}/routes.ts`,
      `solutions/${step}/schema.ts`,
      `tests/${step}.test.ts`,
    ]
    return { step, missing: needed.filter((path) => !existsSync(join(root, path))) }
  }).filter(({ missing }) => missing.length > 0)
  if (gaps.length === 0) return { status: 'ok', label: `all ${STEPS.length} steps are complete (starter, README, solution, tests)` }
  const starterGone = gaps.find(({ missing }) => missing.some((path) => path.startsWith('steps/')))
  return {
    status: 'fail',
    label: `${gaps.length} of ${STEPS.length} steps ${gaps.length === 1 ? 'is' : 'are'} incomplete`,
    advice: [
      ...gaps.map(({ step, missing }) => `${step} lacks ${missing.map((path) => path.replace(`${step}/`, '…/')).join(', ')}`),
      '`git status` shows whether a file was deleted; `git checkout -- <path>` brings a deleted file back.',
      starterGone ? `A whole starter comes back with: npm run reset -- ${shortName(starterGone.step)}` : '',
      'If the workshop is still being written, get the latest version: git pull',
    ]
      .filter(Boolean)
      .join('\n'),
  }
}

export function checkGit(root = workshopRoot(), env: NodeJS.ProcessEnv = process.env): Finding {
  if (!hasTool('git', ['--version'], env)) {
    return {
      status: 'warn',
      label: 'git is not installed',
      advice: 'npm run reset needs it (npm run diff falls back to diff). Install it from https://git-scm.com/downloads',
    }
  }
  if (spawnSync('git', ['rev-parse', '--is-inside-work-tree'], { cwd: root, stdio: 'ignore', env }).status !== 0) {
    return {
      status: 'warn',
      label: 'this folder is not a git clone',
      advice: 'npm run reset needs the git history to bring a starter back. Clone the workshop with git to have it.',
    }
  }
  return { status: 'ok', label: 'git is installed, and this folder is a git clone (for npm run reset and npm run diff)' }
}

function print(finding: Finding, io: Io) {
  const { green, red, yellow } = palette(io)
  const mark = finding.status === 'ok' ? green('✔') : finding.status === 'warn' ? yellow('⚠') : red('✖')
  say(io.out, `  ${mark} ${finding.label}`)
  if (finding.advice && finding.status !== 'ok') {
    say(io.out, finding.advice.split('\n').map((line) => `      → ${line}`).join('\n'))
  }
}

/**
 * With DATABASE_URL set, `npm start` runs on that PostgreSQL server: does it answer? undefined when unset
 * (SQLite, nothing to check). One connection, one `select 1`, and in words why not.
 */
export async function checkDatabaseUrl(env: NodeJS.ProcessEnv = process.env): Promise<Finding | undefined> {
  const url = env.DATABASE_URL
  if (!url) return undefined
  const { isPostgresUrl, redactedUrl } = await import('../lib/config.ts')
  if (!isPostgresUrl(url)) {
    return { status: 'fail', label: 'DATABASE_URL is not a PostgreSQL URL', advice: 'Set it as postgres://user:password@host:5432/database, or unset it to use SQLite.' }
  }
  const where = redactedUrl(url)
  const { default: knex } = await import('knex')
  const db = knex({ client: 'pg', connection: { connectionString: url, connectionTimeoutMillis: 5_000 }, pool: { min: 0, max: 1 } })
  try {
    await db.raw('select 1')
    return { status: 'ok', label: `PostgreSQL answers at ${where} (DATABASE_URL)` }
  } catch (err: any) {
    const advice: Record<string, string> = {
      ECONNREFUSED: 'Nothing listens there. Is PostgreSQL running? On Debian: sudo pg_ctlcluster 15 main start',
      ENOTFOUND: 'That host name is unknown: check the host in DATABASE_URL.',
      '28P01': 'The password is wrong for that user: check the user and password in DATABASE_URL.',
      '28000': 'The server refuses that user (no such role, or no pg_hba.conf entry for it).',
      '3D000': 'That database does not exist: create it, e.g. createdb <name>, or fix the name in DATABASE_URL.',
    }
    const reason = String(err?.message ?? err).split('\n')[0]
    return {
      status: 'fail',
      label: `PostgreSQL at ${where} (DATABASE_URL) does not answer: ${reason}`,
      advice: `${advice[err?.code] ?? 'Check the host, port, user, password and database in DATABASE_URL.'}\nOr unset DATABASE_URL: npm start then uses SQLite.`,
    }
  } finally {
    await db.destroy()
  }
}

/**
 * The command, on its arguments; a wrong one throws a UsageError before anything is checked. It reads io.env
 * (WORKSHOP_ROOT, PORT, SERVICE_PORT, DATABASE_URL, colour) and writes to io.out: tests/tools.test.ts calls it so.
 */
export async function doctor(args = process.argv.slice(2), io: Io = processIo()): Promise<number> {
  parseCommand({ usage: USAGE, options: {}, positionals: { min: 0, max: 0 } }, args)
  const root = workshopRoot(io.env)
  const { bold, dim, green, red } = palette(io)
  say(io.out, bold('Checking your set-up for the workshop') + dim(`  (${root})`))
  const findings: Finding[] = []
  const check = (finding: Finding) => {
    findings.push(finding)
    print(finding, io)
  }
  check(checkNode())
  check(await checkDependencies(root))
  check(await checkSqlite())
  check(await checkPort(io.env))
  check(await checkServicePort(io.env))
  check(checkSteps(root))
  check(checkGit(root, io.env))
  const database = await checkDatabaseUrl(io.env)
  if (database) check(database)

  const failed = findings.filter((finding) => finding.status === 'fail')
  say(io.out)
  if (failed.length === 0) {
    const step = learnersStep(root)
    say(io.out, green('All good.') + ` Start with steps/${step}/README.md, then run ${bold(`npm test -- step-${shortName(step)}`)}`)
    return 0
  }
  say(io.out, red(`${failed.length} thing${failed.length === 1 ? '' : 's'} to fix`) + ' (from the top: the first often causes the others), then run npm run doctor again.')
  return 1
}

if (startedDirectly(import.meta.url)) await runCommand(() => doctor())
