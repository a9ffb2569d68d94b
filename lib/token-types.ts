// Explicit typing (RFC 8725 §3.11: "one kind of JWT can be confused for another"): each kind of token says
// what it is in its `typ` header, and each verify checks it, so that a refresh token can never pass as an
// access token, or the reverse, whatever key signed it.

export const TOKEN_TYPES = {
  /** RFC 9068 §2.1: the type of a JWT access token. */
  access: 'at+jwt',
  /** No type is registered for refresh tokens: one of our own, in the same form. */
  refresh: 'refresh+jwt',
} as const

export type TokenKind = keyof typeof TOKEN_TYPES

/**
 * Whether a token's header names this kind. `typ` is a media type: compared without regard to case, and
 * `application/at+jwt` means `at+jwt` (RFC 7515 §4.1.9; RFC 9068 §4 accepts exactly these two). A token
 * with no `typ`, or jsonwebtoken's default `JWT`, is of no stated kind and is refused.
 */
export function hasType(header: { typ?: unknown }, kind: TokenKind): boolean {
  if (typeof header.typ !== 'string') return false
  const typ = header.typ.toLowerCase()
  return typ === TOKEN_TYPES[kind] || typ === `application/${TOKEN_TYPES[kind]}`
}
