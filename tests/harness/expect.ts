// Assertions whose messages speak to the learner: what was expected, what came back, and where to look.
import assert from 'node:assert/strict'
import type { Reply } from './device.ts'

export function describeReply(reply: Reply): string {
  const said = reply.error ? ` "${reply.error}"` : reply.text ? ` ${reply.text.slice(0, 200)}` : ''
  const todo = reply.status >= 500 ? todoOfServerError(reply.error) : undefined
  return `${reply.method} ${reply.path} answered ${reply.status}${said}${todo ? ` (look at ${todo})` : ''}`
}

// A 500 names the step file that threw, and the function (lib/http.ts). Each step suite says which TODO each of
// its starter's functions belongs to, so a failure caused by a throw points at the TODO, not at the route that
// happened to call it. Keys: `tokens.ts#signRefreshToken`, or `routes.ts` for a whole file.
const todosOfCode = new Map<string, Record<string, string>>()

/** Declares, for a step (`step-03`), which TODO each function or file of its starter belongs to. */
export function serverErrorsPointAt(step: string, todos: Record<string, string>): void {
  todosOfCode.set(step.slice(0, 7), todos)
}

/** The TODO that a step's file (`tokens.ts`) or one of its functions belongs to, as its suite declared it. */
export function todoOfFunction(step: string, file: string, fn: string | undefined): string | undefined {
  const todos = todosOfCode.get(step.slice(0, 7))
  return todos?.[`${file}#${fn}`] ?? todos?.[file]
}

/** `… steps/step-03-refresh-tokens/tokens.ts:60, in signRefreshToken() threw …` → `step-03 TODO(1)`. */
export function todoOfServerError(error: string | undefined): string | undefined {
  const where = /(?:^|[\s:])(\S*?(step-\d\d)[^\s/]*)\/([\w.-]+\.ts):\d+(?:, in ([\w$]+)\(\))?/.exec(error ?? '')
  if (!where) return undefined
  const todos = todosOfCode.get(where[2])
  return todos?.[`${where[3]}#${where[4]}`] ?? todos?.[where[3]]
}

/** Fails with: `POST /logout-all: expected 204, got 501 "step-04 TODO(3): …"` and a hint. */
export function expectStatus(reply: Reply, expected: number, hint?: string): void {
  if (reply.status === expected) return
  const todo = /TODO\((\d+)\)/.exec(reply.error ?? '')
  const thrown = reply.status >= 500 ? todoOfServerError(reply.error) : undefined
  const advice = todo
    ? `finish that TODO first: README.md → "Exercise ${todo[1]}"`
    : thrown
      ? `the app threw in the step's code, not a wrong answer of this route: look at ${thrown}`
      : hint
  assert.fail(`expected ${expected}, but ${thrown ? describeReply(reply).replace(/ \(look at step-\d+ TODO\(\d+\)\)$/, '') : describeReply(reply)}${advice ? `\n  → ${advice}` : ''}`)
}

/** A 5xx is never what a test waits for: a 501 names its TODO, a 500 the step's code that threw. */
export function expectNoServerError(...replies: Reply[]): void {
  for (const reply of replies) if (reply.status >= 500) expectStatus(reply, 200)
}

const LEAKS = /\bat .+:\d+:\d+|SQLITE|node_modules|\/work\/|duplicate key|violates .*constraint|_pkey|_unique\b|relation "|syntax error at|invalid byte sequence|out of range for type/i

/** An error response in the contract's shape: JSON `{"error": "<sentence>"}`, nothing leaked. */
export function expectJsonError(reply: Reply, expected: number, hint?: string): void {
  expectStatus(reply, expected, hint)
  assert.match(reply.headers.get('content-type') ?? '', /application\/json/, `${describeReply(reply)}: an error must be JSON`)
  assert.equal(typeof reply.error, 'string', `${describeReply(reply)}: the body must be {"error": "<sentence>"}`)
  // No stack, no path, no driver text: SQLite's codes, or PostgreSQL's messages and constraint names.
  assert.doesNotMatch(reply.text, LEAKS, `${describeReply(reply)}: the error leaks internals`)
}

/** The claims of a JWT, read without checking its signature (as any client or thief can). */
export function decodeJwt(token: string | undefined): Record<string, any> {
  assert.equal(typeof token, 'string', 'expected a token, got none')
  const parts = token!.split('.')
  assert.equal(parts.length, 3, `a JWT has three dot-separated parts, got ${parts.length}`)
  return JSON.parse(Buffer.from(parts[1], 'base64url').toString())
}

/**
 * The session cookie that login sets in the cookie steps, with the contract's flags: `sid`, or `__Host-sid`
 * where it is Secure (then Path=/ and no Domain, as the prefix requires). Returns its Set-Cookie line.
 */
export function expectSessionCookie(reply: Reply, hint: string): string {
  const cookie = reply.headers.getSetCookie().find((line) => line.startsWith('sid=') || line.startsWith('__Host-sid='))
  assert.ok(cookie, `${describeReply(reply)} without a \`sid\` cookie: ${hint}`)
  const secure = /;\s*secure(;|$)/i.test(cookie)
  if (secure) assert.match(cookie, /^__Host-sid=/, `a Secure session cookie is named __Host-sid, so that no subdomain or plain-HTTP page can plant one (lib/cookies.ts), got: ${cookie}`)
  else assert.match(cookie, /^sid=/, `a session cookie that is not Secure is named sid: a browser refuses a __Host- cookie without Secure, got: ${cookie}`)
  assert.doesNotMatch(cookie, /;\s*domain=/i, 'no Domain: the cookie belongs to this host alone (and __Host- requires it)')
  assert.match(cookie, /httponly/i, 'the cookie must be HttpOnly, so page scripts cannot steal it')
  assert.match(cookie, /samesite=lax/i, 'the cookie must be SameSite=Lax, so other sites cannot post with it')
  assert.match(cookie, /path=\//i, 'the cookie must be sent for every path: Path=/')
  return cookie
}
