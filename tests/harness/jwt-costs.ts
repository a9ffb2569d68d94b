// What JWT still costs once invalidation is solved (README.md → "The ledger, by cause", group 1): the tools of the gap tests that show it,
// in step 02's and step 03's suites, run unchanged on every later step and closed by step 06.
import { createSecretKey, randomBytes, type KeyObject } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestContext } from 'node:test'
import jwt from 'jsonwebtoken'
import { epochSeconds, type Clock } from '../../lib/clock.ts'
import type { StepName } from '../../lib/steps.ts'
import { TOKEN_TYPES } from '../../lib/token-types.ts'
import { startApp, type StartOptions, type TestApp } from './app.ts'
import type { Device } from './device.ts'
import { expectNoServerError } from './expect.ts'

/**
 * An access token minted by whoever holds ACCESS_TOKEN_SECRET, with nothing else from the server: every
 * claim any step 02–05 checks, each one something a forger knows or makes up.
 * - `sub`: the victim's user id, a small integer that APIs show (here: the register reply's `user.id`);
 * - `exp`: 15 minutes, as short as any step's access token, and the forger can mint another at will;
 * - `jti`: any random string (steps 03–05 only need one to be there);
 * - `ver`: the user's refresh_token_version, 0 for a user who never logged out everywhere or changed the
 *   password; otherwise a small number, tried one by one (a 401 locks nobody out);
 * - `sid`: a made-up login. Step 05 keeps rows about the logins that *ended*: a login it never saw has none,
 *   so it passes as a live one.
 */
export function forgeAccessToken(secret: KeyObject, clock: Clock, userId: string, ver = 0): string {
  const now = epochSeconds(clock)
  const claims = { sub: userId, iat: now, exp: now + 15 * 60, jti: randomId(), ver, sid: randomId() }
  return jwt.sign(claims, secret, { algorithm: 'HS256', header: { alg: 'HS256', typ: TOKEN_TYPES.access } })
}

const randomId = () => randomBytes(32).toString('base64url')

/** A new 256-bit key: what an operator generates to replace a leaked one. */
export const newKey = () => createSecretKey(randomBytes(32))

export interface AppOnFile {
  app: TestApp
  /** Stops the app and starts it again on the same file, as a deploy would, with these options (new secrets). */
  restart(options: Omit<StartOptions, 'databaseFile' | 'dir'>): Promise<TestApp>
  close(): Promise<void>
}

/**
 * A step's app on a SQLite file in a temporary folder, so that it can be stopped and started again on it.
 * With a test context it cleans up after the test; without one (a demo), call close().
 */
export async function startOnFile(t: TestContext | undefined, step: StepName, options: Pick<StartOptions, 'dir'> = {}): Promise<AppOnFile> {
  const folder = mkdtempSync(join(tmpdir(), `workshop-${step}-`))
  const databaseFile = join(folder, 'app.sqlite')
  // A starter whose app cannot start yet (a TODO in its schema or routes) leaves no folder behind.
  let current: TestApp | undefined = await startApp(undefined, step, { ...options, databaseFile }).catch((err) => {
    rmSync(folder, { recursive: true, force: true })
    throw err
  })
  const stop = async () => {
    const app = current
    current = undefined
    await app?.close()
  }
  const close = async () => {
    await stop()
    rmSync(folder, { recursive: true, force: true })
  }
  t?.after(close)
  return {
    app: current,
    async restart(restartOptions) {
      await stop()
      current = await startApp(undefined, step, { ...options, ...restartOptions, databaseFile })
      return current
    },
    close,
  }
}

/** Points a device at another server of the same app (a restart on a new port), keeping its credential. */
export function follow(device: Device, app: TestApp): Device {
  Object.assign(device, { url: app.url })
  return device
}

/**
 * Whether a device is still signed in, as a client decides it: GET /me works, or, holding a refresh
 * token, one refresh makes it work again. `refreshes` counts what that cost.
 */
export async function stillSignedIn(device: Device): Promise<{ signedIn: boolean; refreshes: number; statuses: number[] }> {
  const statuses: number[] = []
  const me = await device.me()
  expectNoServerError(me)
  statuses.push(me.status)
  if (me.status === 200) return { signedIn: true, refreshes: 0, statuses }
  if (!device.refreshToken) return { signedIn: false, refreshes: 0, statuses }
  const refreshed = await device.refresh()
  expectNoServerError(refreshed)
  statuses.push(refreshed.status)
  if (refreshed.status !== 200) return { signedIn: false, refreshes: 1, statuses }
  const again = await device.me()
  expectNoServerError(again)
  statuses.push(again.status)
  return { signedIn: again.status === 200, refreshes: 1, statuses }
}

/** `Cookie: sid=<256 random bits>`, the credential line of step 06, measured the way Device measures its own. */
export const SESSION_COOKIE_BYTES = Buffer.byteLength(`Cookie: sid=${randomId()}\r\n`)
