// Step 05's story: every token has a jti, and a blacklist ends one device at once; the price is a lookup
// on every request again.
import type { Demo } from './narrator.ts'

export const demo: Demo = {
  title: 'Step 05 · blacklist: every token has an id, and revoked ids are kept',
  next: 'step 06 builds sessions again, properly: one query, sliding expiry, a list of devices (npm run demo -- step-06).',
  async run(n) {
    await n.scene('Alice logs in on her laptop and her phone')
    const laptop = await n.signUp('alice')
    const phone = await n.logIn('alice', 'phone')
    n.claims('access token', laptop.accessToken)

    await n.scene('A thief copies the laptop’s tokens; Alice logs out on the laptop')
    const thief = laptop.copy('thief')
    n.expect(await laptop.logout(), 204)
    await n.rows('revoked_tokens', ['jti', 'reason'])
    n.expect(await thief.me(), 401, { fixed: 'the stolen access token is dead at once: its jti is revoked' })
    n.expect(await thief.refresh(), 401, { fixed: 'and so is the stolen refresh token' })
    n.expect(await phone.me(), 200, { fixed: 'the phone stays logged in' })

    await n.scene('Someone replays a used refresh token')
    const used = phone.refreshToken
    n.expect(await phone.refresh(), 200)
    const attacker = phone.copy('attacker')
    attacker.refreshToken = used
    n.expect(await attacker.refresh(), 401, { fixed: 'a used refresh token is refused…' })
    n.expect(await phone.me(), 401, { fixed: '…and its reuse revoked every token of Alice (RFC 9700 §4.14.2)' })

    await n.scene('What it costs')
    const again = await n.logIn('alice', "alice's laptop")
    await n.queries(async () => n.expect(await again.me(), 200), 2, {
      gap: 'two queries on every request again, the blacklist then the user: we rebuilt sessions',
    })
  },
}
