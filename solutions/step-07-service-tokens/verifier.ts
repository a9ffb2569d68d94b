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
    const decoded = jwt.decode(token, { complete: true })
    if (!decoded || typeof decoded.payload !== 'object') throw new InvalidToken('This is not a JWT.')
    const { header } = decoded
    // RFC 8725 §3.1: the token's alg is a claim, not an instruction. Pinned again in jwt.verify below.
    if (header.alg !== 'ES256') throw new InvalidToken('Only alg ES256 is accepted: the verifier decides, not the token.')
    // RFC 9068 §4: an access token must say it is one (RFC 8725 §3.11, explicit typing).
    if (!isAccessTokenType(header.typ)) throw new InvalidToken('typ must be at+jwt.')
    // A token that brings its own key, or says where to fetch one, is choosing who may sign it: refused outright.
    for (const member of ['jwk', 'jku', 'x5u', 'x5c'] as const) {
      if (member in header) throw new InvalidToken(`A token that carries "${member}" is refused: keys come from the issuer's JWKS only.`)
    }
    // The kid only names a key of the JWKS: never a path, a URL or SQL.
    if (typeof header.kid !== 'string' || !KID_FORM.test(header.kid)) throw new InvalidToken('kid must name a key of the JWKS.')
    const key = await keys.key(header.kid)
    if (!key) throw new InvalidToken(`No key ${header.kid} in the issuer's JWKS.`)

    let claims: JwtPayload
    try {
      claims = jwt.verify(token, key, {
        algorithms: ALGORITHMS,
        issuer,
        audience,
        clockTimestamp: epochSeconds(clock),
        clockTolerance: LEEWAY_SECONDS, // exp and nbf
      }) as JwtPayload
    } catch (err: any) {
      throw new InvalidToken(err.message)
    }
    const now = epochSeconds(clock)
    if (typeof claims.exp !== 'number') throw new InvalidToken('A token without exp never ends: refused.')
    if (typeof claims.iat !== 'number') throw new InvalidToken('A token without iat is refused.')
    if (claims.iat > now + LEEWAY_SECONDS) throw new InvalidToken('This token was issued in the future.')
    if (claims.exp - claims.iat > MAX_LIFETIME_SECONDS) throw new InvalidToken(`This token claims to live more than ${MAX_LIFETIME_SECONDS} s.`)
    if (typeof claims.sub !== 'string' || claims.sub === '') throw new InvalidToken('This token names no user.')
    return { sub: claims.sub }
  }
}

/** `at+jwt`, or `application/at+jwt`, in any case (RFC 7515 §4.1.9; RFC 9068 §4 accepts both). */
function isAccessTokenType(typ: unknown): boolean {
  return typeof typ === 'string' && ['at+jwt', 'application/at+jwt'].includes(typ.toLowerCase())
}
