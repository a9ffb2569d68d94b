// Step 03's story: a 15-minute access token shrinks the window; the refresh token (30 days from the login) inherits the problem.
import { MINUTE } from '../../lib/clock.ts'
import type { Demo } from './narrator.ts'

export const demo: Demo = {
  title: 'Step 03 · refresh tokens: a short-lived access token, a long-lived refresh token',
  next: 'step 04 gives the server a lever: a version number per user, in every refresh token (npm run demo -- step-04).',
  async run(n) {
    await n.scene('Login answers two tokens')
    const laptop = await n.signUp('alice')
    n.claims('access token', laptop.accessToken)
    n.claims('refresh token', laptop.refreshToken)

    await n.scene('A stolen access token is worth 15 minutes')
    const pickpocket = laptop.copy('pickpocket')
    n.later(16 * MINUTE)
    n.expect(await pickpocket.me(), 401, { fixed: 'the copied access token has expired: 15 minutes, not 7 days' })
    n.expect(await laptop.refresh(), 200)
    n.expect(await laptop.me(), 200, { fixed: 'the laptop just refreshes and carries on' })

    await n.scene('A thief copies the refresh token; Alice logs out')
    const thief = laptop.copy('thief')
    n.expect(await laptop.logout(), 204)
    n.expect(await thief.refresh(), 200, { gap: 'logged out, and the refresh token still mints access tokens' })
    n.expect(await thief.me(), 200)

    await n.scene('Alice tries to log out everywhere')
    n.expect(await laptop.logoutAll(), 501, { gap: 'logout-all is still impossible: the server knows none of the refresh tokens' })

    await n.scene('Rotation without memory')
    const used = laptop.refreshToken
    n.expect(await laptop.refresh(), 200)
    n.say('The laptop got a new pair. Now someone replays the refresh token it just used:')
    const replay = laptop.copy('replay')
    replay.refreshToken = used
    n.expect(await replay.refresh(), 200, { gap: 'a used refresh token still works: rotation without memory' })
  },
}
