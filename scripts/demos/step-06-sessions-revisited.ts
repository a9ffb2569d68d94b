// Step 06's story: sessions again, done right. One query, only a hash stored, sliding expiry, a list of devices.
import { DAY } from '../../lib/clock.ts'
import type { Demo } from './narrator.ts'

export const demo: Demo = {
  title: 'Step 06 · sessions revisited: a cookie, a hashed row, one query',
  next: 'compare all six side by side: npm run bench.',
  async run(n) {
    await n.scene('Alice logs in on her laptop and her phone')
    const laptop = await n.signUp('alice')
    const phone = await n.logIn('alice', 'phone')
    const rows = await n.rows('sessions', ['id', 'token_hash', 'user_id'])
    const leaked = rows.some((row: Record<string, unknown>) => Object.values(row).includes(laptop.cookie))
    if (leaked) n.gap('the cookie value is stored as is')
    else n.fixed('the table holds only the SHA-256 of each cookie: a leaked table logs nobody in')

    await n.scene('One query per request')
    await n.queries(async () => n.expect(await laptop.me(), 200), 1, { fixed: 'one query: the session JOIN its user' })

    await n.scene('Alice sees her devices and ends the phone')
    const list = await laptop.get('/sessions')
    n.expect(list, 200)
    const other = (list.body?.sessions ?? []).find((session: { current: boolean }) => !session.current)
    n.expect(await laptop.delete(`/sessions/${other?.id}`), 204)
    n.expect(await phone.me(), 401, { fixed: 'the phone is logged out at once' })
    n.expect(await laptop.me(), 200, { fixed: 'the laptop stays' })

    await n.scene('Sliding expiry')
    n.later(5 * DAY)
    n.expect(await laptop.me(), 200)
    n.later(5 * DAY)
    n.expect(await laptop.me(), 200, { fixed: '10 days after login and still alive: each use slides the 7-day idle timeout' })
    n.later(8 * DAY, '8 idle days later')
    n.expect(await laptop.me(), 401, { fixed: 'unused for 7 days, the session ends' })

    await n.scene('A thief copies the cookie; Alice logs out')
    const again = await n.logIn('alice', "alice's laptop")
    const thief = again.copy('thief')
    n.expect(await again.logout(), 204)
    n.expect(await thief.me(), 401, { fixed: 'logout ends this device at once: its row is gone' })
    n.say('No gap left to show. What each step costs: npm run bench.')
  },
}
