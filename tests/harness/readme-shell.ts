// Every step README's shell block runs as written against `npm start -- step-NN --solution`, started on a new
// database: server A of tests/servers.test.ts's pair, before any other test of its step uses it (a learner's
// server is as fresh), so no start is spent on this check alone. Each line runs in one bash with
// `set -euo pipefail` (an unset variable or a failing command stops it), the port rewritten to the server's own,
// and every status a comment promises (`# 401`) both seen and shown to the learner (`curl -i`, not `curl -s`
// alone). A line that gets a 4xx or 5xx without promising it is a mistake too.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { test } from 'node:test'
import { stepDir, type StepName } from '../../lib/steps.ts'
import type { ChildServer } from './attacks/server.ts'

interface Line {
  number: number
  text: string
  /** The status its comment promises: `# 401`, `# still 200: the gap`. */
  promised?: number
}

/** The ```sh blocks of a README, each line with its number in the file. */
function shellBlocks(readme: string): Line[][] {
  const blocks: Line[][] = []
  let block: Line[] | undefined
  readme.split('\n').forEach((text, index) => {
    if (/^```(sh|bash|shell)\s*$/.test(text)) block = []
    else if (block && /^```/.test(text)) {
      blocks.push(block)
      block = undefined
    } else if (block) {
      const comment = /\s#\s(.*)$/.exec(text)?.[1] ?? ''
      const promised = /^(?:[a-z ]*?)\b([1-5]\d\d)\b/i.exec(comment)?.[1]
      block.push({ number: index + 1, text, promised: promised ? Number(promised) : undefined })
    }
  })
  return blocks
}

const showsStatus = (text: string) => /\s(-[a-zA-Z]*[iIv][a-zA-Z]*|--include|--verbose|-w|--write-out)\b/.test(text)

function runBash(script: string, cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const env = { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH}` }
    const child = spawn('bash', ['-c', script], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk) => (stdout += chunk))
    child.stderr.on('data', (chunk) => (stderr += chunk))
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })
}

/** The port of the service that `npm start -- step-07` prints once it listens, a moment after the app. */
async function serviceListening(server: { output(): { stdout: string } }): Promise<string> {
  for (let waited = 0; waited < 60_000; waited += 50) {
    const match = /service listening on http:\/\/localhost:(\d+)/.exec(server.output().stdout)
    if (match) return match[1]
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`npm start printed no "service listening on" line in a minute:\n${server.output().stdout}`)
}

/**
 * Declares one test per shell block of the step's README, run against `server()`: a running `npm start` of the
 * step's solution (for step 07, with its service, which the README calls on localhost:3001).
 */
export function readmeShellTests(step: StepName, server: () => ChildServer): void {
  const readmeFile = join(stepDir(step, 'steps'), 'README.md')
  if (!existsSync(readmeFile)) return
  const readmePath = `steps/${step}/README.md`
  const blocks = shellBlocks(readFileSync(readmeFile, 'utf8'))
  blocks.forEach((lines, index) => {
    const label = `${step.slice(0, 7)}: ${readmePath}, shell block ${blocks.length > 1 ? `${index + 1} ` : ''}(line ${lines[0]?.number ?? '?'})`
    test(`${label} runs, and every status its comments promise comes back and shows`, async () => {
      const folder = mkdtempSync(join(tmpdir(), 'readme-shell-'))
      mkdirSync(join(folder, '.data')) // as `npm start` makes it in the repo: its database file lives there
      try {
        const port = new URL(server().url).port
        // Step 07's service, which npm start starts beside the app: its README calls it on localhost:3001.
        const servicePort = lines.some((line) => /localhost:3001\b/.test(line.text)) ? await serviceListening(server()) : undefined
        const body = lines
          .filter((line) => !/^\s*npm start\b/.test(line.text)) // the server is already running, on its own port
          .map((line) => `echo '::line ${line.number}::' >&2\n${line.text.replace(/localhost:3000\b/g, `localhost:${port}`).replace(/localhost:3001\b/g, `localhost:${servicePort}`)}`)
          .join('\n')
        // Every curl also writes its status to stderr, where the learner's output is not, to be checked below.
        const script = `set -euo pipefail\ncurl() { command curl --write-out '%{stderr}::status %{http_code}::\\n' "$@"; }\n${body}\n`
        const run = await runBash(script, folder)
        const seen = new Map<number, number[]>()
        let current = 0
        for (const text of run.stderr.split('\n')) {
          const line = /^::line (\d+)::$/.exec(text)
          const status = /::status (\d+)::/.exec(text)
          if (line) seen.set((current = Number(line[1])), [])
          else if (status) seen.get(current)?.push(Number(status[1]))
        }
        // curl's progress meter (shown when its output is not a terminal) is left out: a learner does not see it.
        const errors = run.stderr.split('\n').filter((text) => !/^::|% Total|Dload|^[\s\d:.kMG-]+$/.test(text.replace(/::status \d+::/, '')))
        const output = `\n--- what it printed ---\n${run.stdout.slice(-1200)}\n${errors.join('\n').slice(-800)}`
        assert.equal(run.code, 0, `${readmePath}: the block stops at line ${current} (exit ${run.code}): a command failed, or a variable was never set${output}`)
        // What the lines leave behind (a cookie jar) goes under .data/, which git ignores: `git status` stays clean.
        const left = readdirSync(folder).filter((name) => name !== '.data')
        assert.deepEqual(left, [], `${readmePath}: the block leaves files where git sees them; put them under .data/ (curl -c .data/jar)`)
        for (const line of lines) {
          const statuses = seen.get(line.number) ?? []
          if (line.promised !== undefined && /\bcurl\b/.test(line.text)) {
            assert.ok(showsStatus(line.text.split(/\s#\s/)[0]), `${readmePath}:${line.number} promises ${line.promised}, but its curl does not show the status: use curl -i\n  ${line.text}`)
            assert.deepEqual(statuses, [line.promised], `${readmePath}:${line.number} promises ${line.promised}, and got ${statuses.join(', ') || 'no answer'}\n  ${line.text}${output}`)
          } else {
            const bad = statuses.filter((status) => status >= 400 || status === 0)
            assert.deepEqual(bad, [], `${readmePath}:${line.number} got ${bad.join(', ')}, and nothing in its comment says so\n  ${line.text}${output}`)
          }
        }
      } finally {
        rmSync(folder, { recursive: true, force: true })
      }
    })
  })
}
