// Forged, broken and confused tokens: what an attacker tries against a bearer-token step.
import { createSecretKey, randomBytes, type KeyObject } from 'node:crypto'
import jwt from 'jsonwebtoken'
import { epochSeconds } from '../../lib/clock.ts'
import type { TestApp } from './app.ts'
import { decodeJwt } from './expect.ts'

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url')

function sign(claims: object, key: KeyObject, algorithm: jwt.Algorithm = 'HS256') {
  return jwt.sign(claims, key, { algorithm })
}

/**
 * Variations on a genuine token, each of which the server must refuse with 401.
 * `kind` says which secret signs the genuine kind: the other secret makes a confused token.
 */
export function badTokens(app: TestApp, genuine: string, kind: 'access' | 'refresh'): Record<string, string> {
  const claims = decodeJwt(genuine)
  const now = epochSeconds(app.clock)
  const right = app.secrets[kind]
  const other = app.secrets[kind === 'access' ? 'refresh' : 'access']
  const { exp: _exp, ...withoutExp } = claims
  const [header, , signature] = genuine.split('.')
  return {
    'with a tampered payload (another sub, same signature)': `${header}.${b64({ ...claims, sub: String(Number(claims.sub) + 1) })}.${signature}`,
    'with alg: none and no signature': `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`,
    'signed with a wrong key': sign(claims, createSecretKey(randomBytes(32))),
    'signed with HS384 and the right key': sign(claims, right, 'HS384'),
    'signed with HS512 and the right key': sign(claims, right, 'HS512'),
    [`signed with the ${kind === 'access' ? 'refresh' : 'access'} secret (the wrong kind of token)`]: sign(claims, other),
    'that has expired': sign({ ...claims, iat: now - 7200, exp: now - 60 }, right),
    'that is not valid yet (nbf in the future)': sign({ ...claims, nbf: now + 3600 }, right),
    'without exp (it would never expire)': sign(withoutExp, right),
    'whose sub names no user': sign({ ...claims, sub: '987654' }, right),
    'that is not a JWT at all': 'not-a-token',
    'with three parts of garbage': 'abc.def.ghi',
  }
}
