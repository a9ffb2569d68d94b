// The reports service's verifier. The verifier decides how a token is checked, never the token: the algorithm
// is pinned, the key comes from the issuer's JWKS by kid, and every claim that bounds the token is required.
import jwt, { type JwtPayload } from 'jsonwebtoken'
import type { Clock } from '../../lib/clock.ts'
import { epochSeconds } from '../../lib/clock.ts'
import { KID_FORM } from '../../lib/signing-keys.ts'
import type { KeySet } from './key-set.ts'

export interface VerifierOptions {
  /** ISSUER: the only `iss` accepted, and the only place keys come from. */
  issuer: string
  /** SERVICE_NAME: the `aud` a token must name. */
  audience: string
  keys: KeySet
  clock: Clock
}

/** Who is calling, as the token says; the service believes it because the signature and the claims check out. */
export interface Caller {
  sub: string
}

export class InvalidToken extends Error {}

// Clocks differ between machines; a minute at most (the contract's bound).
export const LEEWAY_SECONDS = 60
// The issuer mints for 300 s; a token that claims to live longer was not minted by it.
export const MAX_LIFETIME_SECONDS = 300
// RFC 8725 §3.1: the verifier allows exactly the algorithms it expects. Only ES256 signs our tokens.
const ALGORITHMS: jwt.Algorithm[] = ['ES256']

export function createVerifier({ issuer, audience, keys, clock }: VerifierOptions) {
  return async function verify(token: string): Promise<Caller> {
    // TODO(4): decide how the token is checked, never let the token decide: refuse any alg but ES256, a typ
    //          other than at+jwt, a header with jwk, jku, x5u or x5c, and a kid not of KID_FORM; take the key
    //          from `keys` by kid; jwt.verify with algorithms, issuer, audience, the clock and the leeway; then
    //          require exp and iat, iat not in the future, exp - iat at most MAX_LIFETIME_SECONDS, and a sub.
    //          Throw InvalidToken for each refusal. README.md → "Exercise 4" has hints.
    throw new NotImplemented('step-07 TODO(4): verify the token in createVerifier (verifier.ts)')
  }
}

/** `at+jwt`, or `application/at+jwt`, in any case (RFC 7515 §4.1.9; RFC 9068 §4 accepts both). */
function isAccessTokenType(typ: unknown): boolean {
  return typeof typ === 'string' && ['at+jwt', 'application/at+jwt'].includes(typ.toLowerCase())
}
