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
  const now = clock.now()
  const session = { id: newSessionId(), user_id: userId, created_at: now, expires_at: now + SESSION_LIFETIME }
  await trx('sessions').insert(session)
  return session
}

/** Query 1 of every authenticated request: is this id a live session? */
export async function findSession({ db, clock }: AppDeps, id: string): Promise<Session | undefined> {
  return db('sessions').where({ id }).andWhere('expires_at', '>', clock.now()).first()
}

export async function deleteSession({ db }: AppDeps, id: string) {
  await db('sessions').where({ id }).delete()
}

export async function deleteAllSessions(db: Knex, userId: number) {
  await db('sessions').where({ user_id: userId }).delete()
}
