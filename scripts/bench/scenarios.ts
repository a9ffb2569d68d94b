// The in-process half of the benchmark: the test harness's app (in-memory SQLite, a clock we move by hand)
// counts the queries of a GET /me and plays a theft against each step, so these numbers are measured too.
import { DAY, MINUTE, SECOND } from '../../lib/clock.ts'
import type { StepName } from '../../lib/steps.ts'
import { startApp, type TestApp } from '../../tests/harness/app.ts'
import type { Device } from '../../tests/harness/device.ts'
import { signUp } from '../../tests/harness/users.ts'

/** The harness reads the folder to test from WORKSHOP_TARGET, as `npm test -- step-NN --solution` sets it. */
async function startSolution(step: StepName, dir: string): Promise<TestApp> {
  const before = process.env.WORKSHOP_TARGET
  process.env.WORKSHOP_TARGET = dir
  try {
    return await startApp(undefined, step)
  } finally {
    if (before === undefined) delete process.env.WORKSHOP_TARGET
    else process.env.WORKSHOP_TARGET = before
  }
}

async function meOk(device: Device): Promise<void> {
  const reply = await device.me()
  if (reply.status !== 200) throw new Error(`GET /me answered ${reply.status} ${reply.text}`)
}

export interface Queries {
  /** Queries of a GET /me right after another one. */
  steady: number
  /** Queries of a GET /me after two idle minutes: a sliding session writes its new expiry then. */
  afterIdle: number
}

/** Counts the SQL statements of GET /me. `login: false` for the ceiling, which has no accounts. */
export async function queriesPerMe(step: StepName, dir: string, login = true): Promise<Queries> {
  const app = await startSolution(step, dir)
  try {
    const device = login ? (await signUp(app)).device : app.device()
    await meOk(device)
    const steady = await app.countQueries(() => meOk(device))
    app.clock.advance(2 * MINUTE)
    const afterIdle = await app.countQueries(() => meOk(device))
    return { steady, afterIdle }
  } finally {
    await app.close()
  }
}

/**
 * The bytes of credential that every GET /me carries (the `Cookie` or `Authorization` line), measured as the
 * gap test of step 02's suite measures them: Device.credentialBytes(). 0 for the ceiling, which has none.
 */
export async function credentialBytesPerMe(step: StepName, dir: string, login = true): Promise<number> {
  const app = await startSolution(step, dir)
  try {
    const device = login ? (await signUp(app)).device : app.device()
    await meOk(device)
    return device.credentialBytes()
  } finally {
    await app.close()
  }
}

// When the thief tries again, counted from the logout (or the password change), and what a refusal there means.
const CHECKPOINTS: [since: number, verdict: string][] = [
  [0, 'at once'],
  [15 * MINUTE + SECOND, 'within 15 min'],
  [7 * DAY + MINUTE, 'within 7 days'],
  [30 * DAY + MINUTE, 'within 30 days'],
]
export const NEVER = 'not within 30 days'

/** The thief holds a copy of everything the device held; when /me is refused it tries a refresh, as a thief would. */
async function thiefGetsIn(thief: Device): Promise<boolean> {
  if ((await thief.me()).status === 200) return true
  if (!thief.refreshToken) return false
  if ((await thief.refresh()).status !== 200) return false
  return (await thief.me()).status === 200
}

/**
 * The verdict of an app that has nothing to revoke (the bench's claims-only JWT): the thief was refused only
 * when the token expired. `within 15 min` becomes `never, until it expires (15 min)`.
 */
export function untilItExpires(verdict: string): string {
  return verdict === NEVER ? verdict : `never, until it expires (${verdict.replace(/^within /, '')})`
}

export type Revocation = 'logout' | 'password change'

/**
 * A credential is stolen, the thief rotates it where it can, then its owner logs out (or changes the
 * password). How long does the thief keep getting in? The answer is the first checkpoint at which the
 * stolen credential is refused.
 */
export async function stolenCredentialRefused(step: StepName, dir: string, revocation: Revocation): Promise<string> {
  const app = await startSolution(step, dir)
  try {
    const { device, password } = await signUp(app)
    await meOk(device)
    const thief = device.copy('thief')
    // The thief rotates first, as a thief who knows about rotation would: the owner's refresh token is used
    // up, and the thief holds the login's newest pair, the one a revocation must reach.
    if (thief.refreshToken && (await thief.refresh()).status !== 200) throw new Error('the thief could not rotate the stolen refresh token')
    const reply = revocation === 'logout' ? await device.logout() : await device.changePassword(password, 'a brand new passphrase')
    if (reply.status >= 300) throw new Error(`${reply.method} ${reply.path} answered ${reply.status} ${reply.text}`)
    const revokedAt = app.clock.now()
    for (const [since, verdict] of CHECKPOINTS) {
      app.clock.advance(revokedAt + since - app.clock.now())
      if (!(await thiefGetsIn(thief))) return verdict
    }
    return NEVER
  } finally {
    await app.close()
  }
}

/** Step 07: what the service side costs, counted in-process with the test clock. */
export interface ServiceFacts {
  /** Queries of the app's POST /token: the session JOIN its user. */
  tokenQueries: number
  /** The bytes of the `Authorization` line a call to the service carries. */
  tokenBytes: number
  /** After the owner logs out, when the service refuses a token minted before: the checkpoint after its exp. */
  afterLogout: string
}

export async function serviceFacts(step: StepName, dir: string): Promise<ServiceFacts> {
  const app = await startSolution(step, dir)
  try {
    const { device } = await signUp(app)
    let token = ''
    const tokenQueries = await app.countQueries(async () => {
      const reply = await device.post('/token', { audience: 'reports' })
      if (reply.status !== 200) throw new Error(`POST /token answered ${reply.status} ${reply.text}`)
      token = reply.body.token
    })
    const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString())
    if ((await device.logout()).status !== 204) throw new Error('logout failed')
    // Nothing reaches the token after the logout: the service refuses it once it has expired, and not before.
    const minutes = Math.ceil((claims.exp - claims.iat) / 60)
    return { tokenQueries, tokenBytes: Buffer.byteLength(`Authorization: Bearer ${token}\r\n`), afterLogout: `never, until it expires (${minutes} min)` }
  } finally {
    await app.close()
  }
}

/**
 * The introspecting variant (scripts/bench/introspection): the queries the app runs for one introspection,
 * and whether a token minted before a logout is refused at the very next call.
 */
export async function introspectionFacts(dir: string): Promise<{ queries: number; afterLogout: string }> {
  const app = await startSolution('step-07-service-tokens', dir)
  try {
    const { device } = await signUp(app)
    const token = (await device.post('/token', { audience: 'reports' })).body?.token
    let active: boolean | undefined
    const queries = await app.countQueries(async () => {
      active = (await app.device('the service').post('/introspect', { token })).body?.active
    })
    if (active !== true) throw new Error('POST /introspect did not find a fresh token active')
    if ((await device.logout()).status !== 204) throw new Error('logout failed')
    const after = (await app.device('the service').post('/introspect', { token })).body?.active
    return { queries, afterLogout: after === false ? 'at once' : 'not at once' }
  } finally {
    await app.close()
  }
}
