// Every failure points at the right TODO. A learner trusts the pointer completely, so a wrong one costs more than
// a missing one. For every step, the suite runs on scratch copies, as `npm test -- step-NN` runs it on the learner's
// folder:
//  - the starter with its first k exercises done (from the solution), for every k: each failing test names a TODO
//    that is not done yet;
//  - the solution with one classic mistake of one exercise: each failing test names that exercise's TODO.
// Either way the run names a TODO (so the reporter prints its `Look at:` line), and an error thrown in the step's
// code shows once, at its file and line: no stack trace per test.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { stepExists, STEPS, type StepName } from '../lib/steps.ts'
import { explain } from '../scripts/reporters/learner.mjs'
import { changesOf, declareCopy, declared, stage, type CopyRun } from './harness/exercises/copies.ts'
import { applyExercises, type Result } from './harness/exercises/path.ts'

interface Mistake {
  step: StepName
  /** What the learner wrote, in words: the test's name says it. */
  what: string
  file: string
  /** Replaced in the solution's file; a pattern that no longer matches fails the test (update it with the solution). */
  find: RegExp
  replace: string
  /** The TODO that every failure must name. */
  todo: number
}

// Patterns, not exact lines: they keep working when the solutions' wording changes, and say so when they do not.
const MISTAKES: Mistake[] = [
  {
    step: 'step-01-sessions',
    what: 'Date.now() instead of the app’s clock in createSession',
    file: 'sessions.ts',
    find: /const now = clock\.now\(\)\n(\s*const session = \{ id: newSessionId\(\))/,
    replace: 'const now = Date.now()\n$1',
    todo: 1,
  },
  {
    step: 'step-01-sessions',
    what: 'findSession forgets the expiry',
    file: 'sessions.ts',
    find: /\.andWhere\('expires_at', '>', clock\.now\(\)\)\.first\(\)/,
    replace: '.first()',
    todo: 2,
  },
  {
    step: 'step-02-jwt',
    what: 'verify without `algorithms` (the token’s header picks it)',
    file: 'tokens.ts',
    find: /\{ algorithms: \['HS256'\], clockTimestamp/,
    replace: '{ clockTimestamp',
    todo: 2,
  },
  {
    step: 'step-02-jwt',
    what: 'verify without checking the header’s typ',
    file: 'tokens.ts',
    find: /\n\s*if \(!hasType\(decoded\.header, 'access'\)\)[^\n]*/,
    replace: '',
    todo: 2,
  },
  {
    step: 'step-03-refresh-tokens',
    what: 'the refresh token expires with expiresIn (30 days from now) instead of an exp counted from auth_time',
    file: 'tokens.ts',
    find: /(export function signRefreshToken[\s\S]*?const claims = \{[^}]*?)\bexp, ([^}]*\}[\s\S]*?\{ algorithm: 'HS256', header)( \})/,
    replace: "$1$2, expiresIn: '30d'$3",
    todo: 1,
  },
  {
    step: 'step-03-refresh-tokens',
    what: 'the refresh token gets both exp and expiresIn (jsonwebtoken throws)',
    file: 'tokens.ts',
    find: /(export function signRefreshToken[\s\S]*?\{ algorithm: 'HS256', header)( \})/,
    replace: "$1, expiresIn: '30d'$2",
    todo: 1,
  },
  {
    step: 'step-04-refresh-token-version',
    what: 'revokeAllForUser reads the version, then writes it plus one (two bumps at once count once)',
    file: 'tokens.ts',
    find: /await db\('users'\)\.where\(\{ id: userId \}\)\.increment\('refresh_token_version', 1\)/,
    replace:
      "const { refresh_token_version } = await db('users').where({ id: userId }).first()\n  await db('users').where({ id: userId }).update({ refresh_token_version: refresh_token_version + 1 })",
    todo: 4,
  },
  {
    step: 'step-05-blacklist',
    what: 'consumeRefreshToken reads first, then inserts (two racing refreshes both find no row)',
    file: 'blacklist.ts',
    find: /(export async function consumeRefreshToken[\s\S]*?await pruneExpired\(deps\)\n)[\s\S]*?\n\}\n/,
    replace:
      "$1  const used = await deps.db('revoked_tokens').where({ jti: claims.jti }).first()\n  if (used) return false\n  await deps.db('revoked_tokens').insert({ jti: claims.jti, expires_at: claims.exp * 1000 })\n  return true\n}\n",
    todo: 3,
  },
  {
    step: 'step-06-sessions-revisited',
    what: 'createSession stores the token itself, not its hash',
    file: 'sessions.ts',
    find: /(id: randomBytes\(16\)\.toString\('base64url'\),[^\n]*\n\s*)token_hash: hashToken\(token\),/,
    replace: '$1token_hash: token,',
    todo: 1,
  },
  {
    step: 'step-06-sessions-revisited',
    what: 'touchSession writes last_seen_at on every request',
    file: 'sessions.ts',
    find: /(export async function touchSession[\s\S]*?)\n\s*if \(now - session\.last_seen_at < TOUCH_INTERVAL\) return/,
    replace: '$1',
    todo: 3,
  },
]

interface Copy {
  label: string
  /** Its run (harness/exercises/copies.ts): the starter stages are the ones tests/exercises.test.ts reads too. */
  run: () => Promise<CopyRun>
  /** The TODOs a failure may name here. */
  allowed: number[]
}

/** What the learner sees of one copy's run, and what is wrong with it. */
function problemsOf(step: StepName, copy: Copy, results: Result[], stderr: string): string[] {
  const suite = `tests/${step}.test.ts`
  const problems: string[] = []
  const failing = results.filter((result) => result.status === 'fail')
  if (results.length === 0) return [`the suite did not run:\n${stderr.slice(0, 1500)}`]
  if (failing.length === 0) problems.push('nothing fails: the suite does not catch it')
  for (const result of failing) {
    const said = explain(result.message ?? '', suite)
    const named = [...said.matchAll(/step-\d+ TODO\((\d+)\)/g)].map((match) => Number(match[1]))
    const first = said.split('\n').slice(0, 3).join(' ⏎ ')
    if (named.length === 0) problems.push(`✖ ${result.name}\n      names no TODO: ${first}`)
    else if (!named.some((n) => copy.allowed.includes(n))) problems.push(`✖ ${result.name}\n      names ${named.map((n) => `TODO(${n})`).join(', ')}, not ${copy.allowed.map((n) => `TODO(${n})`).join(' or ')}: ${first}`)
  }
  // The same stack printed again and again: the flood that hid the results.
  const frames = stderr.split('\n').filter((line) => /^\s+at .+:\d+:\d+\)?$/.test(line))
  const repeated = frames.filter((line, i) => frames.indexOf(line) !== i)
  if (repeated.length > 0) problems.push(`the same stack trace is printed more than once (${frames.length} frame lines), e.g.:\n${stderr.slice(0, 600)}`)
  return problems
}

describe('every failure points at the right TODO: the starter at every stage, and classic mistakes', { concurrency: true }, () => {
  for (const step of STEPS.filter((name) => stepExists(name, 'steps') && stepExists(name, 'solutions'))) {
    const label = step.slice(0, 7)
    const { hunks, last } = changesOf(step)
    const list: Copy[] = []
    const problems: string[] = []
    for (let done = 0; done < last; done++) {
      const range = Array.from({ length: last - done }, (_, i) => done + 1 + i)
      list.push({ label: `${label} with ${done === 0 ? 'no exercise' : done === 1 ? 'Exercise 1' : `Exercises 1–${done}`} done`, run: stage(step, done), allowed: range })
    }
    for (const mistake of MISTAKES.filter((m) => m.step === step)) {
      const files = applyExercises(step, hunks, last)
      const text = files.get(mistake.file) ?? ''
      if (!mistake.find.test(text)) {
        problems.push(`${label}: the mistake “${mistake.what}” no longer fits solutions/${step}/${mistake.file}: update its pattern in tests/mistakes.test.ts`)
        continue
      }
      files.set(mistake.file, text.replace(mistake.find, mistake.replace))
      const mistaken = declareCopy(step, `mistake: ${mistake.what}`, () => files)
      list.push({ label: `${label}, step-${label.slice(5)} TODO(${mistake.todo}): ${mistake.what}`, run: mistaken, allowed: [mistake.todo] })
    }

    for (const copy of list) {
      test(`${copy.label}: every failure names ${copy.allowed.length === 1 ? `step-${label.slice(5)} TODO(${copy.allowed[0]})` : 'a TODO not done yet'}, and no stack floods the run`, async () => {
        const { results, stderr } = await copy.run()
        const found = problemsOf(step, copy, results, stderr)
        assert.deepEqual(found, [], `${copy.label}:\n  ${found.slice(0, 8).join('\n  ')}${found.length > 8 ? `\n  … and ${found.length - 8} more` : ''}`)
      })
    }
    if (problems.length) test(`${label}: every mistake can still be injected`, () => assert.deepEqual(problems, []))
  }
})
declared(import.meta.url)
