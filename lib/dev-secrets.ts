// Development secrets: random, made once per checkout, kept in a git-ignored file, never a value from the repo.
// A deployment that forgets its secrets must not sign with a string that anyone can read on GitHub
// (RFC 8725 §3.5: keys must be random; a public one lets anybody mint a token for any user).
import { randomBytes } from 'node:crypto'
import { linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { ROOT } from './steps.ts'

/** Where `npm start` keeps this checkout's development secrets: under the git-ignored `.data/`. */
export const DEV_SECRETS_DIR = join(ROOT, '.data', 'dev-secrets')

/** A new encoded random key: base64url of 32 random bytes (the form the README's command prints). */
export function randomKey(): string {
  return randomBytes(32).toString('base64url')
}

export interface DevSecret {
  value: string
  /** The file it lives in, to tell the person at the terminal where it is. */
  file: string
  /** True when this call made it (the first start of this checkout). */
  created: boolean
}

/**
 * The development secret called `name`, read from `<dir>/<name>`, or made by `make()` and written there the
 * first time. Two servers starting at once on a new checkout agree on one value: the file is written aside and
 * then hard-linked into place, which fails for the second one (EEXIST), which then reads the first one's.
 */
export function devSecret(name: string, make: () => string = randomKey, dir: string = DEV_SECRETS_DIR): DevSecret {
  if (!/^[A-Z0-9_]+$/.test(name)) throw new Error(`not a secret's name: ${name}`)
  const file = join(dir, name)
  try {
    return { value: readFileSync(file, 'utf8').trim(), file, created: false }
  } catch (err: any) {
    if (err?.code !== 'ENOENT') throw err
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  const aside = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`
  writeFileSync(aside, `${make()}\n`, { mode: 0o600 })
  try {
    linkSync(aside, file)
    return { value: readFileSync(file, 'utf8').trim(), file, created: true }
  } catch (err: any) {
    if (err?.code !== 'EEXIST') throw err
    return { value: readFileSync(file, 'utf8').trim(), file, created: false }
  } finally {
    rmSync(aside, { force: true })
  }
}
