// Step 06's story: sessions again, done right. One query, only a hash stored, sliding expiry, a list of devices.
// Then the closing ledger, by cause (README.md → "The ledger, by cause"), each group played where the code can
// show it: step 05 against step 06, the JWT-in-a-cookie variant, and sessions' own costs.
import { dirname, join } from 'node:path'
import { DAY, MINUTE, SECOND } from '../../lib/clock.ts'
import { ROOT, type StepName } from '../../lib/steps.ts'
import { startApp, type TestApp } from '../../tests/harness/app.ts'
import { follow, forgeAccessToken, newKey, SESSION_COOKIE_BYTES, startOnFile, type AppOnFile } from '../../tests/harness/jwt-costs.ts'
import type { Demo, Narrator } from './narrator.ts'

type Side = '05' | '06'
const SIDES: Side[] = ['05', '06']
const STEPS: Record<Side, StepName> = { '05': 'step-05-blacklist', '06': 'step-06-sessions-revisited' }
const LABELS: Record<Side, string> = { '05': 'step 05, blacklist', '06': 'step 06, sessions' }

const GROUP_1 = '1 · What a self-contained signed token costs, wherever it is kept'
const GROUP_2 = '2 · What keeping it within the page’s reach costs'
const GROUP_3 = '3 · What rotating refresh tokens costs, opaque or JWT alike'
const GROUP_4 = '4 · What sessions cost'

/** The server of each side that is running now: a restart with new secrets replaces it. */
const live = {} as Record<Side, TestApp>

/** Both solutions on SQLite files, so that each can restart with new secrets. Step 05's folder sits next to step 06's. */
async function startBoth(n: Narrator): Promise<Record<Side, AppOnFile>> {
  const solutions = dirname(n.app.dir)
  const start = (side: Side) => startOnFile(undefined, STEPS[side], { dir: join(solutions, STEPS[side]) })
  const apps = { '05': await start('05'), '06': await start('06') }
  for (const side of SIDES) live[side] = apps[side].app
  return apps
}

async function theToken(n: Narrator, apps: Record<Side, AppOnFile>) {
  await n.scene(`${GROUP_1} · the key mints any account`)
  for (const side of SIDES) {
    await n.against(live[side], async () => {
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

  await n.scene(`${GROUP_1} · a leaked key must be rotated, and rotation ends what it signed`)
  for (const side of SIDES) {
    const before = live[side]
    const bob = await n.against(before, () => n.signUp('bob', `bob (${side})`))
    const secrets = side === '05' ? { access: before.secrets.access, refresh: newKey() } : { access: newKey(), refresh: newKey() }
    const rotated = await apps[side].restart({ secrets })
    live[side] = rotated // the restarted server, on the same database: the scenes after this one talk to it
    await n.against(rotated, async () => {
      follow(bob, rotated)
      if (side === '05') {
        n.say(`${LABELS[side]}: restarted on the same database with a new REFRESH_TOKEN_SECRET, after a leak`)
        n.later(15 * MINUTE + SECOND, '15 minutes later: the access token of before has expired')
        n.expect(await bob.me(), 401)
        n.expect(await bob.refresh(), 401, { gap: 'the refresh key ends every login of every user; a new access key alone costs each device one refresh (in step 02, every login)' })
      } else {
        n.say(`${LABELS[side]}: restarted on the same database with new secrets`)
        n.expect(await bob.me(), 200, { fixed: 'the sessions are rows, not signatures: new secrets log nobody out' })
      }
    })
  }

  await n.scene(`${GROUP_1} · the bytes on every request`)
  for (const side of SIDES) {
    await n.against(live[side], async () => {
      const alice = await n.signUp('alice', `alice (${side})`)
      const bytes = alice.credentialBytes()
      n.say(`${LABELS[side]}: the ${Object.keys(alice.credentialHeaders()).join(', ')} line of every request is ${bytes} bytes`)
      if (side === '05') n.check(bytes > 2 * SESSION_COOKIE_BYTES, 'hundreds of bytes', { gap: `${bytes} bytes on every request: header, claims (sub, jti, ver, sid) and signature` })
      else n.check(bytes === SESSION_COOKIE_BYTES, `${SESSION_COOKIE_BYTES} bytes`, { fixed: `${bytes} bytes: a name and 256 random bits` })
    })
  }

  await n.scene(`${GROUP_1} · revocation needs a lookup on every request`)
  await n.against(live['05'], async () => {
    const carol = await n.signUp('carol', 'carol (05)')
    await n.queries(async () => n.expect(await carol.me(), 200), 2, { gap: 'step 05 revokes at once with a lookup of the login on every request, then the user: we rebuilt sessions' })
  })
  n.say('Stale claims: what a token says was true when it was signed. No test shows it: every step reloads the user,')
  n.say('and no token says more than who. The bench’s claims-only JWT trusts its claims: a stolen copy works until it expires.')
}

async function thePage(n: Narrator) {
  await n.scene(`${GROUP_2} · a script in the page takes it away`)
  n.say('Steps 02–05 keep the tokens where the page’s scripts can read them: an XSS or a compromised dependency')
  n.say('takes them, the refresh token included, and uses them from anywhere (step 02’s gap test, in Chromium).')

  await n.scene(`${GROUP_2} · the same token in an HttpOnly cookie: a variant, not a step`)
  const variant = await startApp(undefined, 'step-02-jwt', { dir: join(ROOT, 'scripts', 'bench', 'jwt-cookie') })
  try {
    await n.against(variant, async () => {
      const alice = await n.signUp('alice', "alice's browser")
      n.claims('the HttpOnly cookie holds step 02’s token', alice.cookie)
      n.say('no script in the page can read it (tests/jwt-cookie.test.ts, in Chromium); but the browser sends it on its own:')
      const evil = { headers: { Origin: 'https://evil.example' } }
      n.expect(await alice.post('/password', { currentPassword: 'x'.repeat(8), newPassword: 'chosen by the attacker' }, evil), 403, { fixed: 'so it needs the Origin check of steps 01 and 06, and has it' })
      const registered = await n.device('mallory').register('mallory@example.com', 'correct horse battery mallory')
      const forger = n.device('forger')
      forger.cookie = forgeAccessToken(n.app.secrets.access, n.app.clock, String(registered.body?.user?.id))
      n.expect(await forger.me(), 200, { gap: 'still a JWT: the access secret mints a cookie for any account' })
      const thief = alice.copy('thief')
      n.expect(await alice.logout(), 204)
      n.expect(await thief.me(), 200, { gap: 'still a JWT: a copy of the cookie’s token outlives the logout, as in step 02' })
    })
  } finally {
    await variant.close()
  }
}

async function rotation(n: Narrator) {
  await n.scene(`${GROUP_3} · two tabs race`)
  for (const side of SIDES) {
    await n.against(live[side], async () => {
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
  n.say('An opaque rotating refresh token races the same way. A grace window of 10 s (tests/grace-window.test.ts):')
  n.say('of 10 racing refreshes, strict rotation logs the device out, the window does not; of 3 replays by a thief')
  n.say('inside the window, strict accepts none and ends the login, the window accepts all 3 and detects nothing.')
}

async function sessions(n: Narrator) {
  await n.scene(`${GROUP_4}: a lookup, CSRF defence, a store that answers, one origin`)
  await n.against(live['06'], async () => {
    const dave = await n.signUp('dave', 'dave (06)')
    await n.queries(async () => n.expect(await dave.me(), 200), 1, { gap: 'a lookup on every request: one query, but one' })
    n.expect(await dave.post('/logout', undefined, { headers: { Origin: 'https://evil.example' } }), 403, { gap: 'the browser sends the cookie on its own: every state-changing request needs the Origin check' })
    n.say('the database goes away (the pool is closed under the app):')
    await n.app.db.destroy()
    n.expect(await dave.me(), 503, { gap: 'the session store must answer every request; a claims-only token would keep verifying (tests/database-down.test.ts)' })
  })
  n.say('And the cookie works for this origin only: another service cannot tell who is calling. Step 07 answers that.')
}

async function ledger(n: Narrator) {
  const apps = await startBoth(n)
  try {
    await theToken(n, apps)
    await thePage(n)
    await rotation(n)
    await sessions(n)
  } finally {
    await apps['05'].close()
    await apps['06'].close()
  }
}

export const demo: Demo = {
  title: 'Step 06 · sessions revisited: a cookie, a hashed row, one query; and the ledger, by cause',
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

    await ledger(n)
    n.say('Both sides pay a lookup: the whole ledger is in README.md → "The ledger, by cause".')
  },
}
