// The introspecting service of the benchmark: it believes no token by itself, and asks the app about each one.
import type { Clock } from '../../../lib/clock.ts'
import type { ServiceSettings } from '../../../lib/service/server.ts'

export function createServiceVerifier({ issuer, name }: ServiceSettings & { clock: Clock }) {
  return {
    async verify(token: string) {
      const reply = await fetch(`${issuer}/introspect`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ token }) })
      const answer = (await reply.json()) as { active?: boolean; sub?: string; aud?: unknown }
      if (!answer.active || answer.aud !== name || typeof answer.sub !== 'string') throw new Error('The app says this token is not active.')
      return { sub: answer.sub }
    },
  }
}
