// The reports service's side of step 07: no database, no secret, only the issuer's URL and its own name.
// lib/service/ serves it (HTTP, CORS, start-up); this file says how it checks a token.
import type { Clock } from '../../lib/clock.ts'
import type { ServiceSettings } from '../../lib/service/server.ts'
import { createKeySet } from './key-set.ts'
import { createVerifier } from './verifier.ts'

export function createServiceVerifier({ issuer, name, clock }: ServiceSettings & { clock: Clock }) {
  const keys = createKeySet({ jwksUri: `${issuer}/.well-known/jwks.json`, clock })
  return { verify: createVerifier({ issuer, audience: name, keys, clock }), prefetch: keys.prefetch }
}
