// Accounts: registration, the password check at login, and password changes. The same in every step;
// what differs from step to step is the credential a login hands out, and what a change revokes.
import type { Knex } from 'knex'
import type { AppDeps } from './app.ts'
import { isUniqueViolation } from './db.ts'
import { conflict, forbidden, HttpError } from './errors.ts'
import { readCredentials, readPasswordChange } from './validate.ts'

export interface User {
  id: number
  email: string
  password_hash: string
  /** Steps 04–05 only: every token must carry this version; bumping it revokes them all. */
  refresh_token_version?: number
}

/** What the API shows of a user. The id is a string, like the JWT `sub` claim. */
export function publicUser(user: Pick<User, 'id' | 'email'>) {
  return { user: { id: String(user.id), email: user.email } }
}

/** The users table of step 01; later steps add columns with migrations of their own. */
export async function createUsersTable(db: Knex) {
  await db.schema.createTable('users', (table) => {
    table.increments('id')
    table.string('email', 254).notNullable().unique()
    table.string('password_hash').notNullable()
  })
}

export async function registerUser({ db, passwords }: AppDeps, body: unknown): Promise<User> {
  const { email, password } = readCredentials(body)
  const password_hash = await passwords.hash(password)
  try {
    // Insert and let the UNIQUE index decide: checking first and inserting second races.
    const [{ id }] = await db('users').insert({ email, password_hash }).returning('id')
    return { id, email, password_hash }
  } catch (err) {
    // The contract's 409 tells anyone which emails have an account, which the login below takes care to hide.
    // The usual alternative: always answer "check your inbox", and mail the owner of the address instead.
    if (isUniqueViolation(err)) throw conflict('That email is already registered. Log in instead.')
    throw err
  }
}

const WRONG_CREDENTIALS = 'Wrong email or password.'

/**
 * The user whose email and password these are, or a 401 that does not say which of the two was wrong
 * (registration's 409 still tells which emails exist: see registerUser).
 */
export async function authenticate({ db, passwords }: AppDeps, body: unknown): Promise<User> {
  const { email, password } = readCredentials(body)
  const user: User | undefined = await db('users').where({ email }).first()
  // An unknown email pays for a hash too, so the response time does not tell which emails exist.
  const ok = user ? await passwords.verify(user.password_hash, password) : await passwords.verifyAgainstDummy(password)
  if (!user || !ok) throw new HttpError(401, WRONG_CREDENTIALS)
  return user
}

const MAX_ID = 2 ** 31 - 1

export async function findUser(db: Knex, id: unknown): Promise<User | undefined> {
  if (typeof id !== 'number' && typeof id !== 'string') return undefined
  // An id the users.id column (a 32-bit integer) cannot hold names nobody: PostgreSQL would refuse the query.
  if (!/^\d{1,10}$/.test(String(id)) || Number(id) > MAX_ID) return undefined
  return db('users').where({ id: Number(id) }).first()
}

/**
 * Checks `{currentPassword, newPassword}` for a POST /password and returns the new hash.
 * 400 for bad input, 403 for a wrong current password; nothing is written here.
 */
export async function hashNewPassword({ passwords }: AppDeps, user: User, body: unknown): Promise<string> {
  const { currentPassword, newPassword } = readPasswordChange(body)
  if (!(await passwords.verify(user.password_hash, currentPassword))) {
    throw forbidden('The current password is wrong. Nothing was changed.')
  }
  return passwords.hash(newPassword)
}

/**
 * Stores the new hash, but only if the password is still the one that was checked: two changes racing
 * with the same current password cannot both win.
 */
export async function replacePasswordHash(db: Knex, user: User, newHash: string): Promise<void> {
  const updated = await db('users').where({ id: user.id, password_hash: user.password_hash }).update({ password_hash: newHash })
  if (updated !== 1) throw forbidden('The password was changed by another request meanwhile. Nothing was changed.')
}
