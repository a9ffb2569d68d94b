// Password hashing with scrypt from node:crypto: no native add-on, and memory-hard.
// Stored format, self-describing so that parameters can change later:
//   scrypt$N=131072,r=8,p=1$<salt, base64url>$<hash, base64url>
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto'
import { HttpError } from './errors.ts'

export interface ScryptParams {
  N: number
  r: number
  p: number
}

// OWASP Password Storage Cheat Sheet: scrypt with N=2^17, r=8, p=1.
export const OWASP_SCRYPT: ScryptParams = { N: 2 ** 17, r: 8, p: 1 }
// For tests only: the same scrypt with almost no work (N=16), about 0.07 ms a hash on the
// workshop's 2-core machine, where OWASP's takes 0.73 s of CPU. A test that needs a hash to take time asks
// for a cost of its own (the enumeration timing test: N=2^13).
export const CHEAP_SCRYPT_FOR_TESTS: ScryptParams = { N: 2 ** 4, r: 8, p: 1 }

const SALT_BYTES = 16
const KEY_BYTES = 32

export type Derive = (password: string, salt: Buffer, params: ScryptParams) => Promise<Buffer>

/** scrypt itself, on one of libuv's threads. */
export const derive: Derive = (password, salt, { N, r, p }) => {
  // scrypt needs 128·N·r bytes; Node's default cap (32 MiB) is below OWASP's 128 MiB.
  const options: ScryptOptions = { N, r, p, maxmem: 256 * N * r * p + 1024 * 1024 }
  return new Promise((resolve, reject) =>
    scrypt(password, salt, KEY_BYTES, options, (err, key) => (err ? reject(err) : resolve(key))),
  )
}

function parse(stored: string): { params: ScryptParams; salt: Buffer; hash: Buffer } | undefined {
  const match = /^scrypt\$N=(\d+),r=(\d+),p=(\d+)\$([\w-]+)\$([\w-]+)$/.exec(stored)
  if (!match) return undefined
  const [, N, r, p, salt, hash] = match
  return { params: { N: Number(N), r: Number(r), p: Number(p) }, salt: Buffer.from(salt, 'base64url'), hash: Buffer.from(hash, 'base64url') }
}

/**
 * How many hashes may run at once, and how long one may wait for its turn. Each OWASP scrypt holds one of
 * libuv's 4 threads (and 128 MiB) for about 0.7 s of CPU, and sqlite3 runs every query on those same 4
 * threads: with no bound, a burst of logins queues every other request's query behind the hashes (measured
 * here: a `GET /me` sent into 40 concurrent logins waited 37 s). Past the bound, a request gets a 503 with
 * Retry-After and changes nothing, and the threads left over keep answering `GET /me`, `/refresh` and the page.
 */
export interface HashLimits {
  /** Hashes computed at once: fewer than libuv's 4 threads, so that queries always find one free. */
  inFlight: number
  /** Hashes that may wait for a turn; one more is refused at once. */
  queued: number
  /** How long a hash may wait for its turn before its request is refused. */
  waitMs: number
}

/** What `npm start` uses: two hashes at a time, leaving two threads for queries; a short wait, then a 503. */
export const HASH_LIMITS: HashLimits = { inFlight: 2, queued: 16, waitMs: 2_000 }
/** No bound: for the step suites, whose cheap hashes take microseconds, and which must never see a 503. */
export const NO_HASH_LIMITS: HashLimits = { inFlight: Infinity, queued: Infinity, waitMs: Infinity }

/** A 503 with Retry-After: too many passwords are being hashed. The request has changed nothing. */
export class PasswordsBusy extends HttpError {
  constructor(retryAfterSeconds: number) {
    super(503, 'The server is busy checking other passwords. Nothing was changed: try again in a moment.', { 'Retry-After': String(retryAfterSeconds) })
  }
}

/** Runs at most `inFlight` hashes at once, in order of arrival; the others wait, within `queued` and `waitMs`. */
function hashQueue({ inFlight, queued, waitMs }: HashLimits) {
  let running = 0
  const waiting: Array<() => void> = []
  const busy = () => new PasswordsBusy(Math.max(1, Math.ceil(waitMs / 1000)))
  const release = () => {
    const next = waiting.shift()
    if (next) next() // the slot passes straight to the next in line
    else running--
  }
  return async function run<T>(work: () => Promise<T>): Promise<T> {
    if (running < inFlight) running++
    else {
      if (waiting.length >= queued) throw busy()
      await new Promise<void>((resolve, reject) => {
        const turn = () => {
          clearTimeout(timer)
          resolve()
        }
        const timer = Number.isFinite(waitMs)
          ? setTimeout(() => {
              waiting.splice(waiting.indexOf(turn), 1)
              reject(busy())
            }, waitMs)
          : undefined
        waiting.push(turn)
      })
    }
    try {
      return await work()
    } finally {
      release()
    }
  }
}

export interface Passwords {
  hash(password: string): Promise<string>
  /** True when the password matches. Compares in constant time. */
  verify(stored: string, password: string): Promise<boolean>
  /** Spends the same work as `verify` and returns false: used for unknown emails, so timing reveals nothing. */
  verifyAgainstDummy(password: string): Promise<false>
}

/**
 * Every hash and every check waits its turn in one queue; past the bound it throws PasswordsBusy. Bounded
 * unless told otherwise: `npm start` passes HASH_LIMITS, and the step suites say NO_HASH_LIMITS explicitly.
 * `kdf` is scrypt; a test may wrap it, to hold a hash in flight for as long as it needs.
 */
export function createPasswords(params: ScryptParams = OWASP_SCRYPT, limits: HashLimits = HASH_LIMITS, kdf: Derive = derive): Passwords {
  const inTurn = hashQueue(limits)
  const hash = (password: string) =>
    inTurn(async () => {
      const salt = randomBytes(SALT_BYTES)
      const key = await kdf(password, salt, params)
      return format(params, salt, key)
    })
  const verify = async (stored: string, password: string) => {
    const parsed = parse(stored)
    if (!parsed) return false
    const key = await inTurn(() => kdf(password, parsed.salt, parsed.params))
    return key.length === parsed.hash.length && timingSafeEqual(key, parsed.hash)
  }
  // Made at start-up, not at the first unknown email (which would then pay for two hashes): a random salt and
  // random bytes in the stored format. Checking a password against it costs exactly what a real check costs.
  const dummy = format(params, randomBytes(SALT_BYTES), randomBytes(KEY_BYTES))
  const verifyAgainstDummy = async (password: string): Promise<false> => {
    await verify(dummy, password)
    return false
  }
  return { hash, verify, verifyAgainstDummy }
}

function format({ N, r, p }: ScryptParams, salt: Buffer, key: Buffer): string {
  return `scrypt$N=${N},r=${r},p=${p}$${salt.toString('base64url')}$${key.toString('base64url')}`
}
