// A real `npm start` server in a child process: what a presenter runs, with a SQLite file (or the
// PostgreSQL schema given in DATABASE_URL) and real scrypt, at the tests' cost (TEST_ONLY_SCRYPT_N) unless a
// test asks for OWASP's (OWASP_COST) or runs under NODE_ENV=production, which refuses the tests' cost.
import { spawn, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { randomKey } from '../../../lib/dev-secrets.ts'
import { newPrivateJwk } from '../../../lib/signing-keys.ts'
import { CHEAP_SCRYPT_FOR_TESTS } from '../../../lib/passwords.ts'
import { ROOT, type StepName } from '../../../lib/steps.ts'
import { TSX } from '../../../scripts/tsx.ts'

export interface Exit {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

export interface ChildServer {
  url: string
  child: ChildProcess
  output(): { stdout: string; stderr: string }
  /** Sends the signal and waits for the process to end. */
  stop(signal?: NodeJS.Signals): Promise<Exit>
}

/**
 * Two encoded random keys (the form the README's command makes), new for each test process and the same for
 * all of its servers: tokens signed before a restart still verify after it. A test that wants new secrets for
 * a restart asks for them with randomKey(). And step 07's signing key, made once per test run (never a key
 * written in the repo).
 */
export const TEST_SECRETS = {
  ACCESS_TOKEN_SECRET: randomKey(),
  REFRESH_TOKEN_SECRET: randomKey(),
  SIGNING_KEYS: JSON.stringify([newPrivateJwk('test-run-key')]),
}

/** For `env`: the server hashes at OWASP's cost, as `npm start` does for everyone but the tests. */
export const OWASP_COST = { TEST_ONLY_SCRYPT_N: '' }

const START = join(ROOT, 'scripts', 'start.ts')

/**
 * `node --import tsx/esm scripts/start.ts <step> [--solution]` with `env` added to a clean environment. No hash is
 * under test in most of these servers, so they hash at the tests' cost (an OWASP hash is 0.7 s of CPU here).
 */
export function runStart(step: StepName, solution: boolean, env: Record<string, string>, extra: string[] = []) {
  const args = [...TSX, START, step, ...(solution ? ['--solution'] : []), ...extra]
  const cost = env.NODE_ENV === 'production' ? {} : { TEST_ONLY_SCRYPT_N: String(CHEAP_SCRYPT_FOR_TESTS.N) }
  const childEnv: NodeJS.ProcessEnv = { ...process.env, PORT: '0', ...cost, ...env }
  const settings = ['SIGNING_KEYS', 'ISSUER', 'SERVICE_PORT', 'SERVICE_NAME']
  for (const name of ['NODE_ENV', 'ACCESS_TOKEN_SECRET', 'REFRESH_TOKEN_SECRET', 'DATABASE_FILE', 'DATABASE_URL', 'NODE_TEST_CONTEXT', 'TEST_ONLY_SCRYPT_N', ...settings]) {
    if (!(name in env) && !(name in cost)) delete childEnv[name]
  }
  const child = spawn(process.execPath, args, { cwd: ROOT, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout!.on('data', (chunk) => (stdout += chunk))
  child.stderr!.on('data', (chunk) => (stderr += chunk))
  const exited = new Promise<Exit>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })))
  return { child, exited, output: () => ({ stdout, stderr }) }
}

/**
 * Starts the server and waits for `listening on http://localhost:<port>`; fails if it exits first, or hangs
 * (no line in 2 minutes: a hang, not a slow machine).
 */
export async function startServer(step: StepName, solution: boolean, env: Record<string, string>, extra: string[] = []): Promise<ChildServer> {
  const { child, exited, output } = runStart(step, solution, env, extra)
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`the server hung: no "listening on" line in 2 minutes:\n${output().stdout}${output().stderr}`))
    }, 2 * 60_000)
    const onData = () => {
      const match = /listening on (http:\/\/localhost:\d+)/.exec(output().stdout)
      if (match) {
        clearTimeout(timer)
        child.stdout!.off('data', onData)
        resolve(match[1].replace('localhost', '127.0.0.1'))
      }
    }
    child.stdout!.on('data', onData)
    exited.then((exit) => {
      clearTimeout(timer)
      reject(new Error(`the server exited (code ${exit.code}) before listening:\n${exit.stdout}${exit.stderr}`))
    })
  })
  return {
    url,
    child,
    output,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal)
      const timer = setTimeout(() => child.kill('SIGKILL'), 60_000) // only a hang gets here
      const exit = await exited
      clearTimeout(timer)
      return exit
    },
  }
}
