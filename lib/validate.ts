// Input rules shared by every step (the attack suite, tests/attacks.test.ts, tries each rule). Validate types before anything reaches knex:
// knex throws on `undefined` bindings (a 500) and silently stores objects as strings.
import { badRequest } from './errors.ts'

const MAX_EMAIL = 254 // RFC 5321's limit on a forward path
// ASVS 5.0 V6.2.1: at least 8 characters, 15 strongly recommended. NIST SP 800-63B-4 §3.1.1.2: 15 when the
// password is the only factor. The workshop keeps 8 so its examples stay short (slides: "Passwords").
export const MIN_PASSWORD = 8
export const MAX_PASSWORD = 1024 // long passphrases are welcome; unbounded input is not

// C0 and C1 control characters, DEL included.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/

/** Length in Unicode code points, not UTF-16 units: "😀" is one character. */
const codePoints = (s: string) => [...s].length

/** The request body as a plain object, or a 400. A top-level array, `null` or a number is not a body we take. */
export function bodyObject(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw badRequest('The request body must be a JSON object.')
  }
  return body as Record<string, unknown>
}

/** Trims and lower-cases, so `Alice@Example.com ` and `alice@example.com` are one account. */
export function normalizeEmail(value: unknown): string {
  if (typeof value !== 'string') throw badRequest('`email` is required and must be a string.')
  const email = value.trim().toLowerCase()
  if (CONTROL.test(email)) throw badRequest('`email` must not contain control characters.')
  if (codePoints(email) > MAX_EMAIL) throw badRequest(`\`email\` must be at most ${MAX_EMAIL} characters.`)
  const at = email.lastIndexOf('@')
  if (at < 1 || at === email.length - 1) throw badRequest('`email` must look like name@example.com.')
  return email
}

/** Passwords are taken exactly as sent: no trimming, no normalisation. */
export function checkPassword(value: unknown, field = 'password'): string {
  if (typeof value !== 'string') throw badRequest(`\`${field}\` is required and must be a string.`)
  const length = codePoints(value)
  if (length < MIN_PASSWORD || length > MAX_PASSWORD) {
    throw badRequest(`\`${field}\` must be ${MIN_PASSWORD} to ${MAX_PASSWORD} characters long.`)
  }
  return value
}

export interface Credentials {
  email: string
  password: string
}

/** `{email, password}` from a register or login body, normalised, or a 400 that says what is wrong. */
export function readCredentials(body: unknown): Credentials {
  const fields = bodyObject(body)
  return { email: normalizeEmail(fields.email), password: checkPassword(fields.password) }
}

export interface PasswordChange {
  currentPassword: string
  newPassword: string
}

export function readPasswordChange(body: unknown): PasswordChange {
  const fields = bodyObject(body)
  return {
    currentPassword: checkPassword(fields.currentPassword, 'currentPassword'),
    newPassword: checkPassword(fields.newPassword, 'newPassword'),
  }
}

/** `{refreshToken}` from a /refresh body (steps 03–05), or a 400 that says what to send. */
export function refreshTokenFrom(body: unknown): string {
  const { refreshToken } = bodyObject(body)
  if (typeof refreshToken !== 'string' || refreshToken === '') {
    throw badRequest('Send the refresh token from login: {"refreshToken": "<token>"}.')
  }
  return refreshToken
}

/** The same, where it may be left out (the body of a /logout). */
export function optionalRefreshTokenFrom(body: unknown): string | undefined {
  return bodyObject(body).refreshToken === undefined ? undefined : refreshTokenFrom(body)
}
