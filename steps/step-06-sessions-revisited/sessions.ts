// The session store, done right (the Copenhagen Book, OWASP Session Management): the cookie holds a 256-bit
// secret, the table holds only its SHA-256, and a session slides while it is used, up to an absolute cap.
import type { Knex } from 'knex'
import { createHash, randomBytes } from 'node:crypto'
import type { AppDeps } from '../../lib/app.ts'
import { DAY, MINUTE } from '../../lib/clock.ts'
import { newSessionId } from '../../lib/cookies.ts'
import type { User } from '../../lib/users.ts'

// An idle timeout, and an absolute timeout that no activity extends: OWASP ASVS 5.0 V7.3.1 and V7.3.2 ask for
// both, their lengths set by a documented risk decision, and name no numbers. Ours, for a low-risk app: the
// Copenhagen Book's "30 days, extended whenever the session is used" for a site that should not make its users
// sign in every day, combined with an absolute cap, as it also suggests; and 7 days idle, the same policy as the
// refresh tokens of steps 03–05.
export const IDLE_TIMEOUT = 7 * DAY
export const ABSOLUTE_TIMEOUT = 30 * DAY
// Sliding costs a write. Writing at most once a minute keeps almost every request at one query.
export const TOUCH_INTERVAL = MINUTE

export interface Session {
  id: string
  token_hash: string
  user_id: number
  created_at: number
  last_seen_at: number
  expires_at: number
}

/** The token has 256 random bits, so a fast hash is enough: there is nothing to guess (the Copenhagen Book). */
export function hashToken(token: string): string {
  // TODO(1): return the SHA-256 of the token, hex-encoded (createHash from node:crypto).
  //          README.md → "Exercise 1" has hints.
  throw new NotImplemented('step-06 TODO(1): hash the session token in hashToken (sessions.ts)')
}

/** A new random token at every login, never one the browser offers (no session fixation). Only its hash is stored. */
export async function createSession({ db, clock }: AppDeps, userId: number, trx: Knex = db): Promise<{ token: string; session: Session }> {
  // TODO(1): make a token (newSessionId()) and insert a row that holds its hash, never the token itself,
  //          plus a public id of its own (randomBytes(16)), created and last seen now, expiring IDLE_TIMEOUT
  //          from now. Use `trx`, not `db`. Return the token (for the cookie) and the row.
  //          README.md → "Exercise 1" has hints.
  throw new NotImplemented('step-06 TODO(1): create the session row in createSession (sessions.ts)')
}

/** The only query of an authenticated request: the live session of this token, joined with its user. */
export async function findSessionAndUser({ db, clock }: AppDeps, token: string): Promise<{ session: Session; user: User } | undefined> {
  // TODO(2): in ONE query, find the unexpired session whose token_hash is hashToken(token), joined with its
  //          user; split the row into { session, user }, or return undefined.
  //          README.md → "Exercise 2" has hints.
  throw new NotImplemented('step-06 TODO(2): find the session and its user in one query in findSessionAndUser (sessions.ts)')
}

/** Sliding expiry: a used session lives another IDLE_TIMEOUT, but never past ABSOLUTE_TIMEOUT after login. */
export async function touchSession({ db, clock }: AppDeps, session: Session) {
  // TODO(3): when the session was last seen at least TOUCH_INTERVAL ago, write last_seen_at = now and
  //          expires_at = now + IDLE_TIMEOUT, capped at created_at + ABSOLUTE_TIMEOUT. Otherwise write nothing.
  //          (Until then sessions do not slide: they die 7 days after login.)
  //          README.md → "Exercise 3" has hints.
}

/** The user's live sessions, one per device, most recently used first. */
export async function listSessions({ db, clock }: AppDeps, userId: number): Promise<Session[]> {
  // TODO(4): the user's sessions that have not expired, most recently seen first.
  //          README.md → "Exercise 4" has hints.
  throw new NotImplemented('step-06 TODO(4): list the sessions of the user in listSessions (sessions.ts)')
}

/** Ends one session, only if it is this user's: another user's id deletes nothing. True when a row went. */
export async function deleteSession({ db }: AppDeps, userId: number, id: string): Promise<boolean> {
  // TODO(4): delete the session with this public id, only if it belongs to this user; true if a row went.
  //          README.md → "Exercise 4" has hints.
  throw new NotImplemented('step-06 TODO(4): end one session of this user in deleteSession (sessions.ts)')
}

/** Ends the session a browser still holds when it logs in again, instead of leaving it alive for a week. */
export async function deleteSessionByToken({ db }: AppDeps, token: string) {
  await db('sessions').where({ token_hash: hashToken(token) }).delete()
}

export async function deleteAllSessions(db: Knex, userId: number) {
  await db('sessions').where({ user_id: userId }).delete()
}
