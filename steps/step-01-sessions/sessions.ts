// The session store: a row per logged-in browser. Ending a session is deleting its row.
import type { Knex } from 'knex'
import type { AppDeps } from '../../lib/app.ts'
import { DAY } from '../../lib/clock.ts'
import { newSessionId } from '../../lib/cookies.ts'

export const SESSION_LIFETIME = 7 * DAY

export interface Session {
  id: string
  user_id: number
  created_at: number
  expires_at: number
}

/** A new random id at every login, never one the browser offers (no session fixation). */
export async function createSession({ db, clock }: AppDeps, userId: number, trx: Knex = db): Promise<Session> {
  // TODO(1): insert a new session row for this user and return it: a fresh random id (newSessionId()),
  //          created now, expiring SESSION_LIFETIME from now. Use `trx`, not `db`.
  //          README.md → "Exercise 1" has hints.
  throw new NotImplemented('step-01 TODO(1): create the session row in createSession (sessions.ts)')
}

/** Query 1 of every authenticated request: is this id a live session? */
export async function findSession({ db, clock }: AppDeps, id: string): Promise<Session | undefined> {
  // TODO(2): find the session row with this id that has not expired yet (undefined if there is none).
  //          README.md → "Exercise 2" has hints.
  throw new NotImplemented('step-01 TODO(2): look the session up in findSession (sessions.ts)')
}

export async function deleteSession({ db }: AppDeps, id: string) {
  // TODO(3): end this one session: delete its row. README.md → "Exercise 3" has hints.
  throw new NotImplemented('step-01 TODO(3): delete the session row in deleteSession (sessions.ts)')
}

export async function deleteAllSessions(db: Knex, userId: number) {
  // TODO(3): end every session of this user (logout-all, password change).
  throw new NotImplemented('step-01 TODO(3): delete all the sessions of the user in deleteAllSessions (sessions.ts)')
}
