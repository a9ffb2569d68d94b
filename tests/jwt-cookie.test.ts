// A variant, not a step: step 02's token kept in an HttpOnly, SameSite cookie (scripts/bench/jwt-cookie).
// It answers the newcomer's question "why not keep the JWT where no script can read it?" with tests: a script
// in the page finds nothing to take; the cookie then needs the Origin and Fetch-Metadata defence of steps 01
// and 06; and every cost of the self-contained token itself is still there (README → "The answer, in numbers").
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { describe, test, type TestContext } from 'node:test'
import { ROOT } from '../lib/steps.ts'
import { startApp, type TestApp } from './harness/app.ts'
import { skipWithoutBrowser } from './harness/browser.ts'
import { cookieTransportTests } from './harness/cookies.ts'
import { decodeJwt, expectJsonError, expectSessionCookie, expectStatus } from './harness/expect.ts'
import { follow, forgeAccessToken, newKey, SESSION_COOKIE_BYTES, startOnFile, stillSignedIn } from './harness/jwt-costs.ts'
import { stealFromThePage } from './harness/page-thief.ts'
import { expectPasswordUnchanged, newAccount, signUp } from './harness/users.ts'

const VARIANT = join(ROOT, 'scripts', 'bench', 'jwt-cookie')
// Its token is step 02's: the harness starts it as that step, from the variant's folder.
const STEP = 'step-02-jwt'
const start = (t: TestContext): Promise<TestApp> => startApp(t, STEP, { dir: VARIANT })

describe("a variant · step 02's JWT in an HttpOnly cookie", () => {
  describe('what the cookie changes: nothing for a script in the page to take', () => {
    test("login sets an HttpOnly, SameSite=Lax cookie that holds step 02's token, and the body holds no token", async (t) => {
      const app = await start(t)
      const account = newAccount()
      const device = app.device()
      expectStatus(await device.register(account.email, account.password), 201)
      const reply = await device.login(account.email, account.password)
      expectStatus(reply, 200, 'POST /login should set the token cookie and answer {"user"}')
      expectSessionCookie(reply, 'the variant keeps the token in the cookie of steps 01 and 06')
      assert.equal(reply.body.accessToken, undefined, 'the page must never be handed the token: it goes into the HttpOnly cookie only')
      assert.equal(decodeJwt(device.cookie).sub, reply.body.user.id, "the cookie's value is step 02's signed token, naming the user")
      expectStatus(await device.me(), 200, 'the browser sends the cookie, and the server verifies the token in it')
    })

    test('in Chromium, a script in the page finds nothing to take: no token in storage, and document.cookie is empty', { skip: skipWithoutBrowser }, async (t) => {
      const app = await start(t)
      app.clock.advance(Date.now() - app.clock.now()) // the browser keeps cookies by its own clock
      const { email, password } = newAccount()
      const loot = await stealFromThePage(app.url, email, password)
      assert.equal(loot.cookie, '', 'the token cookie is HttpOnly: document.cookie must not show it')
      assert.deepEqual(loot.tokens, [], 'the script found a token to carry away: the page must not keep the token where scripts can read it')
    })
  })

  describe('what the cookie costs: the defence every cookie needs', () => {
    test('a request from another site (foreign Origin) gets 403 and changes nothing', async (t) => {
      const app = await start(t)
      const alice = await signUp(app)
      const evil = { headers: { Origin: 'https://evil.example' } }
      const change = await alice.device.post('/password', { currentPassword: alice.password, newPassword: 'chosen by the attacker' }, evil)
      expectJsonError(change, 403, 'the browser sends the cookie on a cross-site POST too: the Origin check (lib/cookies.ts sameOriginOnly) must refuse it')
      expectJsonError(await alice.device.post('/logout', undefined, evil), 403, 'a cross-site logout is refused the same way')
      assert.ok(alice.device.cookie, 'a refused logout must not clear the cookie')
      expectStatus(await alice.device.me(), 200)
      await expectPasswordUnchanged(app, alice)
    })

    describe('how the cookie travels: Secure over HTTPS, refused from another origin', () => cookieTransportTests(STEP, { dir: VARIANT }))
  })

  // Group 1 of the ledger: what a self-contained signed token costs wherever it is kept. The same tools as
  // step 02's gap tests (tests/harness/jwt-costs.ts), with the token in the cookie.
  describe('what the cookie does not change: every cost of the token itself', () => {
    test('still a JWT: the access secret alone mints a working cookie for a user who never logged in', async (t) => {
      const app = await start(t)
      const victim = newAccount('victim')
      const registered = await app.device('victim').register(victim.email, victim.password)
      expectStatus(registered, 201, 'the victim registers, and never logs in')
      const forger = app.device('forger')
      forger.cookie = forgeAccessToken(app.secrets.access, app.clock, registered.body.user.id)
      const me = await forger.me()
      expectStatus(me, 200, 'a token signed with the access secret is believed wherever it travels: HttpOnly keeps scripts out, not forgers')
      assert.equal(me.body.user.email, victim.email)
    })

    test('still a JWT: rotating the access secret, the cure for a leaked one, logs everybody out', async (t) => {
      const { app, restart } = await startOnFile(t, STEP, { dir: VARIANT })
      const alice = await signUp(app, 'alice')
      const rotated = await restart({ secrets: { access: newKey(), refresh: app.secrets.refresh } })
      const after = await stillSignedIn(follow(alice.device, rotated))
      assert.equal(after.signedIn, false, `alice is still signed in after the access key changed (${after.statuses.join(', ')}): only the key vouches for the cookie's token`)
    })

    test(`still a JWT: every request carries the token: more than twice the ${SESSION_COOKIE_BYTES} bytes of a session cookie`, async (t) => {
      const app = await start(t)
      const { device } = await signUp(app)
      expectStatus(await device.me(), 200)
      const bytes = device.credentialBytes()
      assert.ok(bytes > 2 * SESSION_COOKIE_BYTES, `GET /me carried ${bytes} bytes of cookie; a \`sid\` cookie of 256 bits is ${SESSION_COOKIE_BYTES}`)
    })

    test("still a JWT: after logout, and after a password change, the cookie's token still works when replayed", async (t) => {
      const app = await start(t)
      const alice = await signUp(app)
      const thief = alice.device.copy('thief') // a copy of the cookie's value: a proxy log, a stolen disk, malware
      expectStatus(await alice.device.changePassword(alice.password, 'a brand new passphrase'), 204)
      expectStatus(await alice.device.logout(), 204)
      assert.equal(alice.device.cookie, undefined, 'logout clears the cookie in the browser')
      expectStatus(await thief.me(), 200, 'the server keeps nothing to end: a copy of the token works until its exp, as in step 02')
    })
  })
})
