// Every rule about time (token expiry, session expiry) reads the time from a Clock,
// so that tests can jump ahead 15 minutes or 6 days without sleeping.
export interface Clock {
  /** Milliseconds since the Unix epoch, like Date.now(). */
  now(): number
}

export const systemClock: Clock = { now: () => Date.now() }

/** Whole seconds since the epoch: the unit of the JWT `iat`, `exp` and `nbf` claims. */
export function epochSeconds(clock: Clock): number {
  return Math.floor(clock.now() / 1000)
}

export const SECOND = 1000
export const MINUTE = 60 * SECOND
export const HOUR = 60 * MINUTE
export const DAY = 24 * HOUR
