// Password hashing with scrypt from node:crypto: no native add-on, and memory-hard.
// Stored format, self-describing so that parameters can change later:
//   scrypt$N=131072,r=8,p=1$<salt, base64url>$<hash, base64url>
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto'

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

function derive(password: string, salt: Buffer, { N, r, p }: ScryptParams): Promise<Buffer> {
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

export interface Passwords {
  hash(password: string): Promise<string>
  /** True when the password matches. Compares in constant time. */
  verify(stored: string, password: string): Promise<boolean>
  /** Spends the same work as `verify` and returns false: used for unknown emails, so timing reveals nothing. */
  verifyAgainstDummy(password: string): Promise<false>
}

export function createPasswords(params: ScryptParams = OWASP_SCRYPT): Passwords {
  const hash = async (password: string) => {
    const salt = randomBytes(SALT_BYTES)
    const key = await derive(password, salt, params)
    return `scrypt$N=${params.N},r=${params.r},p=${params.p}$${salt.toString('base64url')}$${key.toString('base64url')}`
  }
  const verify = async (stored: string, password: string) => {
    const parsed = parse(stored)
    if (!parsed) return false
    const key = await derive(password, parsed.salt, parsed.params)
    return key.length === parsed.hash.length && timingSafeEqual(key, parsed.hash)
  }
  let dummy: Promise<string> | undefined
  const verifyAgainstDummy = async (password: string): Promise<false> => {
    dummy ??= hash('a password that nobody has, only hashed to spend time')
    await verify(await dummy, password)
    return false
  }
  return { hash, verify, verifyAgainstDummy }
}
