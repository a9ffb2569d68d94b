// The reports service's copy of the issuer's public keys: fetched from <ISSUER>/.well-known/jwks.json and nowhere
// else, cached, refetched when a token names a kid it does not know, but at most once per cooldown.
//
// jwks-rsa fetches the JWKS and turns each public JWK into a key (it skips private keys and keys not for
// signatures). Its own cache is not used: it keys its cache by kid and its rate limit on the wall clock, so a
// flood of unknown kids spends the same budget that refreshing a known key needs, and when the issuer is down
// a key whose cache entry expired stops verifying. Here one key set is kept whole, replaced only by a
// fetch that succeeds, and read on the service's clock.
import { JwksClient } from 'jwks-rsa'
import { createPublicKey, type KeyObject } from 'node:crypto'
import type { Clock } from '../../lib/clock.ts'

export interface KeySetOptions {
  /** <ISSUER>/.well-known/jwks.json */
  jwksUri: string
  clock: Clock
  /** At most one fetch per cooldown, however many unknown kids arrive (at most 60 s). */
  cooldownMs?: number
  /** Keys older than this are refetched at the next request (the JWKS's max-age). */
  maxAgeMs?: number
}

export interface KeySet {
  /** The public key of this kid, or undefined when the issuer does not publish one. */
  key(kid: string): Promise<KeyObject | undefined>
  /** A first fetch at start-up, so the first request need not wait for it. */
  prefetch(): Promise<void>
}

export const COOLDOWN_MS = 30_000
export const MAX_AGE_MS = 300_000

export function createKeySet({ jwksUri, clock, cooldownMs = COOLDOWN_MS, maxAgeMs = MAX_AGE_MS }: KeySetOptions): KeySet {
  const client = new JwksClient({ jwksUri, cache: false, rateLimit: false, timeout: 5_000 })
  let keys = new Map<string, KeyObject>()
  let loadedAt = -Infinity // when the keys were last fetched successfully
  let triedAt = -Infinity // when a fetch was last started, successful or not
  let fetching: Promise<void> | undefined

  function fetchKeys(): Promise<void> {
    fetching ??= (async () => {
      triedAt = clock.now()
      try {
        const found = await client.getSigningKeys()
        // Only keys for ES256: a key published for another algorithm can never verify our tokens.
        const es256 = found.filter((key) => key.kid && (key.alg ?? 'ES256') === 'ES256')
        keys = new Map(es256.map((key) => [key.kid!, createPublicKey(key.getPublicKey())]))
        loadedAt = clock.now()
      } catch {
        // TODO(5): the issuer is down or answered junk, and this forgets every key: the service refuses every
        //          token until the issuer is back. Keep the keys you have. README.md → "Exercise 5" has hints.
        keys = new Map()
      } finally {
        fetching = undefined
      }
    })()
    return fetching
  }

  return {
    async key(kid) {
      // TODO(5): this fetches the JWKS for every token, so a flood of tokens is a flood of fetches at the
      //          issuer. Fetch only when the kid is unknown or the keys are older than maxAgeMs, and then at
      //          most once per cooldownMs (triedAt says when the last fetch started); otherwise wait for a
      //          fetch in flight, if any. README.md → "Exercise 5" has hints.
      await fetchKeys()
      return keys.get(kid)
    },
    async prefetch() {
      await fetchKeys()
      if (loadedAt === -Infinity) triedAt = -Infinity // the app may be starting too: let the first token try again
    },
  }
}
