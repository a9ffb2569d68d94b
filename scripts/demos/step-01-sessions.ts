// Step 01's story: a cookie holds a random id, the server keeps the row. Logout really ends it, but every
// request pays two lookups.
import type { Demo } from './narrator.ts'

export const demo: Demo = {
  title: 'Step 01 · sessions: a cookie in the browser, a row on the server',
  next: 'step 02 drops the session lookup: a signed token says who you are (npm run demo -- step-02).',
  async run(n) {
    await n.scene('Alice signs up and logs in on her laptop')
    const laptop = await n.signUp('alice')
    n.say('The cookie holds a random id. The server keeps the session row it points to.')
    await n.rows('sessions', ['id', 'user_id', 'expires_at'])

    await n.scene('Every request looks the session up')
    await n.queries(async () => n.expect(await laptop.me(), 200), 2, {
      gap: 'two queries on every request: the session row, then its user',
    })

    await n.scene('A thief copies the cookie; Alice logs out')
    const thief = laptop.copy('thief')
    n.expect(await thief.me(), 200)
    n.expect(await laptop.logout(), 204)
    n.expect(await thief.me(), 401, { fixed: 'the copied cookie is dead: logout deleted its row' })
    await n.rows('sessions', ['id', 'user_id', 'expires_at'])

    await n.scene('Logout-all: one DELETE ends every device')
    const phone = await n.logIn('alice', 'phone')
    const laptopAgain = await n.logIn('alice', "alice's laptop")
    n.expect(await laptopAgain.logoutAll(), 204)
    n.expect(await phone.me(), 401, { fixed: 'the phone is logged out too: its row is gone' })
    n.say('Sessions can end anything at once. The price is a lookup on every request.')
  },
}
