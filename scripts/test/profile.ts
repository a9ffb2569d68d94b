// `npm test -- --profile`: what each job of the whole-workshop check costs, so that whoever adds a suite sees
// its price. Every Node process of the run loads profile-hook.mjs (through NODE_OPTIONS) and writes its CPU
// time at exit, labelled with the job that started it; the runner adds them up per job, per kind of process
// and per test, and prints the ten most expensive of each. Chromium, bash and curl count in the Node process
// that started them (its children's CPU, as the kernel accounts it).
import { AsyncLocalStorage } from 'node:async_hooks'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { ROOT } from '../../lib/steps.ts'

interface ProcessCost {
  job: string
  pid: number
  ppid: number
  argv: string
  cpu: number
  children: number
  wall: number
}

const HOOK = join(ROOT, 'scripts', 'test', 'profile-hook.mjs')
const currentJob = new AsyncLocalStorage<string>()
let dir: string | undefined
const jobWall = new Map<string, number>()
const testWall: Array<{ job: string; name: string; seconds: number }> = []

export const profiling = () => dir !== undefined

/** Turns profiling on for every process this one starts from now on. */
export function startProfile(): void {
  dir = mkdtempSync(join(tmpdir(), 'workshop-profile-'))
  process.env.WORKSHOP_PROFILE_DIR = dir
  process.env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ''} --import=${pathToFileURL(HOOK).href}`.trim()
}

/** Runs a job so that the processes it starts carry its label (through jobEnv). */
export async function asJob<T>(label: string, work: () => Promise<T>): Promise<T> {
  if (!dir) return work()
  const start = performance.now()
  try {
    return await currentJob.run(label, work)
  } finally {
    jobWall.set(label, (performance.now() - start) / 1000)
  }
}

/** What a child's environment needs so that its cost is counted to the job that started it. */
export function jobEnv(): Record<string, string> {
  const job = currentJob.getStore()
  return dir && job ? { WORKSHOP_PROFILE_JOB: job } : {}
}

/** The wall time of each test that a job's suite reported (node:test's duration_ms). */
export function noteTests(results: Array<{ name: string; ms?: number }>): void {
  const job = currentJob.getStore()
  if (!dir || !job) return
  for (const result of results) if (result.ms !== undefined) testWall.push({ job, name: result.name, seconds: result.ms / 1000 })
}

/** The CPU of this process and of every process it waited for: the whole run's tree. */
function treeCpu(): number {
  const usage = process.resourceUsage()
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ')
  return (usage.userCPUTime + usage.systemCPUTime) / 1e6 + (Number(fields[13]) + Number(fields[14])) / 100
}

/** What a process is, for the table by kind: `scripts/start.ts` (an npm start server), `tsc`, a test file. */
function kindOf(argv: string): string {
  const script = argv.split(' ').find((word) => /\.(ts|mjs|js)$/.test(word) || /\/tsc$/.test(word)) ?? argv.split(' ')[0] ?? '?'
  return script.startsWith(ROOT) ? script.slice(ROOT.length + 1) : basename(script)
}

const pad = (text: string, width: number) => (text.length > width ? text.slice(0, width - 1) + '…' : text.padEnd(width))
const num = (seconds: number) => seconds.toFixed(1).padStart(7)

/** How many rows each table shows: ten, or WORKSHOP_PROFILE_ROWS (every job: WORKSHOP_PROFILE_ROWS=100). */
const ROWS = Number(process.env.WORKSHOP_PROFILE_ROWS) || 10

export function printProfile(wallSeconds: number): string[] {
  if (!dir) return []
  const costs: ProcessCost[] = []
  for (const file of readdirSync(dir)) {
    try {
      costs.push(JSON.parse(readFileSync(join(dir, file), 'utf8')))
    } catch {}
  }
  rmSync(dir, { recursive: true, force: true })
  const lines: string[] = []
  const total = treeCpu()
  lines.push('', `Profile: the whole run took ${total.toFixed(1)} s of CPU (user + sys, every process) in ${wallSeconds.toFixed(1)} s of wall; ${costs.length} Node processes`)

  // A job's own processes (started by the runner) carry their whole tree in `children`.
  const byJob = new Map<string, { cpu: number; processes: number }>()
  for (const cost of costs) {
    const job = cost.job || '(the runner’s own children)'
    const entry = byJob.get(job) ?? { cpu: 0, processes: 0 }
    entry.processes++
    if (cost.ppid === process.pid) entry.cpu += cost.cpu + cost.children
    byJob.set(job, entry)
  }
  lines.push('', `The ${ROWS === 10 ? 'ten' : ROWS} most expensive jobs ${'CPU s'.padStart(7)} ${'wall s'.padStart(7)}  Node processes`)
  for (const [job, entry] of [...byJob].sort((a, b) => b[1].cpu - a[1].cpu).slice(0, ROWS)) {
    lines.push(`  ${pad(job, 66)} ${num(entry.cpu)} ${num(jobWall.get(job) ?? 0)}  ${entry.processes}`)
  }
  // What no job started: the runner's own work, and the one Chromium that every browser check shares.
  const jobs = [...byJob.values()].reduce((sum, entry) => sum + entry.cpu, 0)
  lines.push(`  ${pad('(no job: the runner, and the Chromium the browser checks share)', 66)} ${num(total - jobs)}`)

  const byKind = new Map<string, { cpu: number; processes: number; wall: number }>()
  for (const cost of costs) {
    const kind = kindOf(cost.argv)
    const entry = byKind.get(kind) ?? { cpu: 0, processes: 0, wall: 0 }
    entry.cpu += cost.cpu
    entry.wall += cost.wall
    entry.processes++
    byKind.set(kind, entry)
  }
  lines.push('', `The ${ROWS === 10 ? 'ten' : ROWS} most expensive kinds of Node process (own CPU, without children)`, `  ${pad('what it runs', 66)} ${'CPU s'.padStart(7)} ${'wall s'.padStart(7)}  processes`)
  for (const [kind, entry] of [...byKind].sort((a, b) => b[1].cpu - a[1].cpu).slice(0, ROWS)) {
    lines.push(`  ${pad(kind, 66)} ${num(entry.cpu)} ${num(entry.wall)}  ${entry.processes}`)
  }

  lines.push('', `The ${ROWS === 10 ? 'ten' : ROWS} slowest checks (wall; tests of one suite run side by side, so their CPU is the job's)`)
  for (const test of testWall.sort((a, b) => b.seconds - a.seconds).slice(0, ROWS)) {
    lines.push(`  ${pad(test.name, 66)} ${num(test.seconds)}  ${test.job}`)
  }
  return lines
}
