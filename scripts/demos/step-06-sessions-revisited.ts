// Step 06's story: sessions again, done right. One query, only a hash stored, sliding expiry, a list of devices.
// Then what JWT still costs once invalidation is solved, each cost played against step 05 and then step 06:
// the costs that the gap tests of step 02's and step 03's suites show.
import { dirname, join } from 'node:path'
import { DAY } from '../../lib/clock.ts'
import type { StepName } from '../../lib/steps.ts'
import { follow, forgeAccessToken, newKey, SESSION_COOKIE_BYTES, startOnFile, type AppOnFile } from '../../tests/harness/jwt-costs.ts'
import type { Demo, Narrator } from './narrator.ts'

type Side = '05' | '06'
const SIDES: Side[] = ['05', '06']
const STEPS: Record<Side, StepName> = { '05': 'step-05-blacklist', '06': 'step-06-sessions-revisited' }
const LABELS: Record<Side, string> = { '05': 'step 05, blacklist', '06': 'step 06, sessions' }

/** Both solutions on SQLite files, so that each can restart with new secrets. Step 05's folder sits next to step 06's. */
async function startBoth(): Promise<Record<Side, AppOnFile>> {
  const solutions = dirname(process.env.WORKSHOP_TARGET!)
  const start = (side: Side) => startOnFile(undefined, STEPS[side], { dir: join(solutions, STEPS[side]) })
  return { '05': await start('05'), '06': await start('06') }
}

async function jwtCosts(n: Narrator) {
  const apps = await startBoth()
  try {
    await n.scene('What JWT still costs, invalidation solved · the signing secret is every account’s key')
    for (const side of SIDES) {
      await n.against(apps[side].app, async () => {
        n.say(`${LABELS[side]}: Mallory registers and never logs in; a forger holds ACCESS_TOKEN_SECRET and her user id`)
        const registered = await n.device('mallory').register('mallory@example.com', 'correct horse battery mallory')
        n.expect(registered, 201)
        const forger = n.device('forger')
        forger.accessToken = forgeAccessToken(n.app.secrets.access, n.app.clock, String(registered.body?.user?.id))
        if (side === '05') {
          n.claims('forged token', forger.accessToken)
          n.expect(await forger.me(), 200, { gap: 'a token nobody issued, of a login that never happened: the blacklist knows only the logins that ended' })
        } else {
          n.expect(await forger.me(), 401, { fixed: 'no key makes a session: the server signs nothing, it looks the cookie up' })
        }
      })
    }

    await n.scene('Every request carries the token')
    for (const side of SIDES) {
      await n.against(apps[side].app, async () => {
        const alice = await n.signUp('alice', `alice (${side})`)
        const bytes = alice.credentialBytes()
        n.say(`${LABELS[side]}: the ${Object.keys(alice.credentialHeaders()).join(', ')} line of every request is ${bytes} bytes`)
        if (side === '05') n.check(bytes > 2 * SESSION_COOKIE_BYTES, 'hundreds of bytes', { gap: `${bytes} bytes on every request: header, claims (sub, jti, ver, sid) and signature` })
        else n.check(bytes === SESSION_COOKIE_BYTES, `${SESSION_COOKIE_BYTES} bytes`, { fixed: `${bytes} bytes: a name and 256 random bits` })
      })
    }

    await n.scene('Two tabs of one browser act at the same moment')
    for (const side of SIDES) {
      await n.against(apps[side].app, async () => {
        const browser = await n.logIn('alice', `browser (${side})`)
        const tabs = [browser.copy('tab 1'), browser.copy('tab 2')]
        if (side === '05') {
          n.say('both tabs refresh at once, with the one refresh token their browser keeps')
          const raced = await Promise.all(tabs.map((tab) => tab.refresh()))
          const wins = raced.filter((reply) => reply.status === 200).length
          n.check(wins === 1, 'one 200 and one 401', { gap: 'one tab wins; the other presented a used refresh token, which is reuse' })
          const winner = tabs[Math.max(0, raced.findIndex((reply) => reply.status === 200))]
          n.expect(await winner.me(), 401, { gap: 'so the login ended, the winner’s new pair included: the client must make its tabs take turns' })
        } else {
          const both = await Promise.all(tabs.map((tab) => tab.me()))
          n.check(both.every((reply) => reply.status === 200), 'two 200s', { fixed: 'nothing rotates, nothing to race for: both tabs send the same cookie' })
        }
      })
    }

    await n.scene('The secret leaked: each server restarts on its database with new secrets')
    for (const side of SIDES) {
      const before = apps[side].app
      const bob = await n.against(before, () => n.signUp('bob', `bob (${side})`))
      const rotated = await apps[side].restart({ secrets: { access: newKey(), refresh: newKey() } })
      await n.against(rotated, async () => {
        n.say(`${LABELS[side]}: restarted on the same database, new ACCESS_TOKEN_SECRET and REFRESH_TOKEN_SECRET`)
        follow(bob, rotated)
        if (side === '05') {
          n.expect(await bob.me(), 401)
          n.expect(await bob.refresh(), 401, { gap: 'every login of every user ended with the old key: the cure for a leak logs everybody out' })
          n.say('a new access secret alone would cost each device one refresh; a two-key overlap would keep the leaked key working')
        } else {
          n.expect(await bob.me(), 200, { fixed: 'the sessions are rows, not signatures: a restart with new secrets logs nobody out' })
        }
      })
    }

    await n.scene('And in a browser: a script in the page')
    n.say('Steps 02–05 keep the tokens where the page’s scripts can read them (they must send them): an XSS or a')
    n.say('compromised dependency can take them, the refresh token included, and use them from anywhere.')
    n.say('Step 06’s cookie is HttpOnly: a script can act while the page is open, but cannot take the login away.')
  } finally {
    await apps['05'].close()
    await apps['06'].close()
  }
}

export const demo: Demo = {
  title: 'Step 06 · sessions revisited: a cookie, a hashed row, one query; and what JWT still costs',
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

    await jwtCosts(n)
    n.say('Every gap of steps 01–05 is closed here. What each step costs, side by side: npm run bench.')
  },
}
