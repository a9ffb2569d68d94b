// Step 04's story: one number per user ends every refresh token at once; the access token lives on, and
// logout is all or nothing.
import type { Demo } from './narrator.ts'

export const demo: Demo = {
  title: 'Step 04 · refresh token version: one number per user, in every refresh token',
  next: 'step 05 names the login in every token (sid) and keeps a blacklist of the logins that ended (npm run demo -- step-05).',
  async run(n) {
    await n.scene('Alice logs in on her laptop and her phone')
    const laptop = await n.signUp('alice')
    const phone = await n.logIn('alice', 'phone')
    n.claims('refresh token', laptop.refreshToken)
    await n.rows('users', ['id', 'email', 'refresh_token_version'])

    await n.scene('A thief copies the laptop’s tokens; Alice logs out on the laptop')
    const thief = laptop.copy('thief')
    n.expect(await laptop.logout(), 204)
    await n.rows('users', ['id', 'email', 'refresh_token_version'])
    n.expect(await thief.refresh(), 401, { fixed: 'the stolen refresh token is dead: its ver is out of date' })

    await n.scene('But the access token lives on')
    n.expect(await thief.me(), 200, { gap: 'logged out, and the access token still works until it expires (up to 15 minutes)' })

    await n.scene('And the phone?')
    n.expect(await phone.refresh(), 401, { gap: 'logging out the laptop logged out the phone: the version is all or nothing' })

    await n.scene('Logout-all works now')
    const laptopAgain = await n.logIn('alice', "alice's laptop")
    const phoneAgain = await n.logIn('alice', 'phone')
    n.expect(await laptopAgain.logoutAll(), 204)
    n.expect(await phoneAgain.refresh(), 401, { fixed: 'one increment, and every refresh token of Alice stops working' })
  },
}
