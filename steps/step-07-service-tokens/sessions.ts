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
  return createHash('sha256').update(token).digest('hex')
}

/** A new random token at every login, never one the browser offers (no session fixation). Only its hash is stored. */
export async function createSession({ db, clock }: AppDeps, userId: number, trx: Knex = db): Promise<{ token: string; session: Session }> {
  const now = clock.now()
  const token = newSessionId()
  const session: Session = {
    id: randomBytes(16).toString('base64url'), // what GET /sessions shows: unrelated to the token
    token_hash: hashToken(token),
    user_id: userId,
    created_at: now,
    last_seen_at: now,
    expires_at: now + IDLE_TIMEOUT,
  }
  await trx('sessions').insert(session)
  return { token, session }
}

/** The only query of an authenticated request: the live session of this token, joined with its user. */
export async function findSessionAndUser({ db, clock }: AppDeps, token: string): Promise<{ session: Session; user: User } | undefined> {
  const row = await db('sessions')
    .join('users', 'users.id', 'sessions.user_id')
    .where('sessions.token_hash', hashToken(token))
    .andWhere('sessions.expires_at', '>', clock.now())
    .first('sessions.*', 'users.email', 'users.password_hash')
  if (!row) return undefined
  const { email, password_hash, ...session } = row
  return { session, user: { id: session.user_id, email, password_hash } }
}

/** Sliding expiry: a used session lives another IDLE_TIMEOUT, but never past ABSOLUTE_TIMEOUT after login. */
export async function touchSession({ db, clock }: AppDeps, session: Session) {
  const now = clock.now()
  if (now - session.last_seen_at < TOUCH_INTERVAL) return
  const expires_at = Math.min(now + IDLE_TIMEOUT, session.created_at + ABSOLUTE_TIMEOUT)
  await db('sessions').where({ id: session.id }).update({ last_seen_at: now, expires_at })
}

/** The user's live sessions, one per device, most recently used first. */
export async function listSessions({ db, clock }: AppDeps, userId: number): Promise<Session[]> {
  return db('sessions').where({ user_id: userId }).andWhere('expires_at', '>', clock.now()).orderBy('last_seen_at', 'desc')
}

/** Ends one session, only if it is this user's: another user's id deletes nothing. True when a row went. */
export async function deleteSession({ db }: AppDeps, userId: number, id: string): Promise<boolean> {
  return (await db('sessions').where({ id, user_id: userId }).delete()) === 1
}

/** Ends the session a browser still holds when it logs in again, instead of leaving it alive for a week. */
export async function deleteSessionByToken({ db }: AppDeps, token: string) {
  await db('sessions').where({ token_hash: hashToken(token) }).delete()
}

export async function deleteAllSessions(db: Knex, userId: number) {
  await db('sessions').where({ user_id: userId }).delete()
}
