// Step 02's story: a signed token replaces the session lookup, and nothing on the server can end it.
import { DAY, MINUTE } from '../../lib/clock.ts'
import type { Demo } from './narrator.ts'

export const demo: Demo = {
  title: 'Step 02 · stateless JWT: the token itself says who you are',
  next: 'step 03 makes the access token live 15 minutes, with a refresh token for the rest (npm run demo -- step-03).',
  async run(n) {
    await n.scene('Alice logs in and gets a signed token')
    const laptop = await n.signUp('alice')
    n.claims('access token', laptop.accessToken)
    n.say('Anyone can read the claims; only the server can sign them.')

    await n.scene('Checking a signature needs no session row')
    await n.queries(async () => n.expect(await laptop.me(), 200), 1, {
      fixed: 'one query per request, only the user: step 01 needed two',
    })

    await n.scene('A thief copies the token; Alice logs out')
    const thief = laptop.copy('thief')
    n.expect(await laptop.logout(), 204)
    n.expect(await thief.me(), 200, { gap: 'logged out, and the token still works' })

    await n.scene('Alice changes her password')
    n.expect(await laptop.changePassword('correct horse battery staple', 'a brand new passphrase'), 204)
    n.expect(await thief.me(), 200, { gap: 'a new password, and the stolen token still works' })

    await n.scene('Alice tries to log out everywhere')
    n.expect(await laptop.logoutAll(), 501, { gap: 'logout-all is impossible: the server keeps no list of the tokens it issued' })

    await n.scene('A week goes by')
    n.later(6 * DAY)
    n.expect(await thief.me(), 200, { gap: '6 days later, the stolen token still works' })
    n.later(DAY + MINUTE, 'one more day later')
    n.expect(await thief.me(), 401, { fixed: 'only its expiry ends it, after 7 days' })
  },
}
