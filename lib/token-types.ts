// Explicit typing (RFC 8725 §3.11: "one kind of JWT can be confused for another"): each kind of token says
// what it is in its `typ` header, and each verify checks it, so that a refresh token can never pass as an
// access token, or the reverse, whatever key signed it.
//
// Types of the application's own (RFC 8725 §3.11 lets each application name its kinds), not RFC 9068's
// `at+jwt`: that type promises a token that carries `iss`, `aud`, `client_id` and `jti` too (RFC 9068 §2.2),
// and no token of steps 02–05 carries `iss`, `aud` or `client_id`. Step 07's service token is a real `at+jwt`, checked in its own code.
export const TOKEN_TYPES = {
  access: 'access+jwt',
  refresh: 'refresh+jwt',
} as const

export type TokenKind = keyof typeof TOKEN_TYPES

/**
 * Whether a token's header names this kind. `typ` is a media type: compared without regard to case, and
 * `application/access+jwt` means `access+jwt` (RFC 7515 §4.1.9: the `application/` prefix may be left out). A token
 * with no `typ`, or jsonwebtoken's default `JWT`, is of no stated kind and is refused.
 */
export function hasType(header: { typ?: unknown }, kind: TokenKind): boolean {
  if (typeof header.typ !== 'string') return false
  const typ = header.typ.toLowerCase()
  return typ === TOKEN_TYPES[kind] || typ === `application/${TOKEN_TYPES[kind]}`
}
