// Step 05's story: every token names its login (sid), and a blacklist of ended logins ends one device at once;
// the price is a lookup on every request again.
import type { Demo } from './narrator.ts'

export const demo: Demo = {
  title: 'Step 05 · blacklist: every token names its login, and ended logins are kept',
  next: 'step 06 builds sessions again, properly: one query, sliding expiry, a list of devices (npm run demo -- step-06).',
  async run(n) {
    await n.scene('Alice logs in on her laptop and her phone')
    const laptop = await n.signUp('alice')
    const phone = await n.logIn('alice', 'phone')
    n.claims('access token', laptop.accessToken)

    await n.scene('A thief copies the laptop’s tokens and rotates them first; then Alice logs out on the laptop')
    const thief = laptop.copy('thief')
    n.expect(await thief.refresh(), 200)
    n.expect(await laptop.logout(), 204)
    await n.rows('revoked_families', ['sid', 'reason'])
    n.expect(await thief.me(), 401, { fixed: 'the thief’s new access token is dead at once: it names the login that ended' })
    n.expect(await thief.refresh(), 401, { fixed: 'and so is the thief’s new refresh token' })
    n.expect(await phone.me(), 200, { fixed: 'the phone, another login, stays logged in' })

    await n.scene('Someone replays a used refresh token')
    const used = phone.refreshToken
    n.expect(await phone.refresh(), 200)
    const attacker = phone.copy('attacker')
    attacker.refreshToken = used
    n.expect(await attacker.refresh(), 401, { fixed: 'a used refresh token is refused…' })
    n.expect(await phone.me(), 401, { fixed: '…and its reuse ended the phone’s login, its newest tokens included (RFC 9700 §4.14.2)' })

    await n.scene('What it costs')
    const again = await n.logIn('alice', "alice's laptop")
    await n.queries(async () => n.expect(await again.me(), 200), 2, {
      gap: 'two queries on every request again, the blacklist then the user: we rebuilt sessions',
    })
  },
}
