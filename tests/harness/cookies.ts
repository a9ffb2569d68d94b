// How the `sid` cookie travels, shared by the cookie steps 01 and 06 (steps/step-01-sessions/README.md → "The idea"): Secure
// whenever the request came over HTTPS, directly or through a proxy trusted with TRUST_PROXY=1, and always
// under NODE_ENV=production; a POST or DELETE from another origin, or one that says it is cross-site, is refused.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { StepName } from '../../lib/steps.ts'
import { startApp, type StartOptions } from './app.ts'
import type { Device, Reply } from './device.ts'
import { describeReply, expectJsonError, expectSessionCookie, expectStatus } from './expect.ts'
import { newAccount, signUp } from './users.ts'

const isSecure = (cookie: string) => /;\s*secure(;|$)/i.test(cookie)

/**
 * Where the cookie is Secure it is `__Host-sid` (Path=/, no Domain), and only that name is read: a `sid` that a
 * sibling subdomain or a plain-HTTP page planted, even holding a real session id, opens nothing.
 */
/** `sessions`: where the suite's starter makes and finds sessions, named when a fresh session does not work. */
export function hostPrefixTest(STEP: StepName, { dir, sessions = 'the routes that make and find sessions' }: Pick<StartOptions, 'dir'> & { sessions?: string } = {}) {
  test('over HTTPS the cookie is __Host-sid, Secure with Path=/ and no Domain, and a plain `sid` beside it opens nothing', async (t) => {
    const app = await startApp(t, STEP, { dir, trustProxy: true })
    const https = { 'X-Forwarded-Proto': 'https' }
    const device = app.device('browser over https')
    const cookie = expectSessionCookie(await logIn(device, https), 'login must set the session cookie')
    assert.match(cookie, /^__Host-sid=/, `over HTTPS the Secure cookie is named __Host-sid (lib/cookies.ts), got: ${cookie}`)
    expectStatus(await device.get('/me', { headers: https }), 200, `the __Host-sid cookie is the one the server reads over HTTPS; if every fresh session is refused, look at ${sessions}`)
    const planted = device.copy('the same id, planted as sid')
    planted.cookieName = 'sid'
    expectJsonError(await planted.get('/me', { headers: https }), 401, 'over HTTPS only __Host-sid is read: a `sid` cookie can be planted by a subdomain or over HTTP')
    const plain = app.device('browser over http')
    const plainCookie = expectSessionCookie(await logIn(plain, {}), 'login must set the session cookie')
    assert.match(plainCookie, /^sid=/, `over plain HTTP the cookie cannot be Secure, so it is plain sid, got: ${plainCookie}`)
  })
}

async function logIn(device: Device, headers: Record<string, string>): Promise<Reply> {
  const account = newAccount()
  expectStatus(await device.register(account.email, account.password), 201, 'does POST /register create the user?')
  const reply = await device.post('/login', account, { headers })
  expectStatus(reply, 200, 'POST /login should create a session and set the `sid` cookie')
  return reply
}

/** `dir`: another app than the step's own, which keeps its credential in the same cookie (the JWT-in-a-cookie variant). */
export function cookieTransportTests(STEP: StepName, { dir, sessions = 'the routes that make and find sessions' }: Pick<StartOptions, 'dir'> & { sessions?: string } = {}) {
  test('behind a TLS proxy trusted with TRUST_PROXY=1 the cookie is Secure; an X-Forwarded-Proto nobody trusts is ignored', async (t) => {
    const proxied = await startApp(t, STEP, { dir, trustProxy: true })
    const viaProxy = expectSessionCookie(await logIn(proxied.device(), { 'X-Forwarded-Proto': 'https' }), 'login must set a `sid` cookie')
    assert.ok(isSecure(viaProxy), `the browser spoke HTTPS to the proxy, so the cookie must be Secure (never sent over plain HTTP), got: ${viaProxy}`)

    const direct = await startApp(t, STEP, { dir })
    const spoofed = expectSessionCookie(await logIn(direct.device(), { 'X-Forwarded-Proto': 'https' }), 'login must set a `sid` cookie')
    assert.ok(!isSecure(spoofed), `without TRUST_PROXY, X-Forwarded-Proto is just a header any client can send: it must not decide, got: ${spoofed}`)
  })

  test('under NODE_ENV=production the cookie is always Secure, even on a plain HTTP request', async (t) => {
    const app = await startApp(t, STEP, { dir, production: true })
    const cookie = expectSessionCookie(await logIn(app.device(), {}), 'login must set a `sid` cookie')
    assert.ok(isSecure(cookie), `in production the cookie must never travel over plain HTTP (a proxy nobody told us about may be in front), got: ${cookie}`)
  })

  test('the Origin must be this whole origin: the same host under https:// or another port gets 403 and changes nothing', async (t) => {
    const app = await startApp(t, STEP, { dir })
    const { device } = await signUp(app)
    const { hostname, port } = new URL(app.url)
    for (const origin of [`https://${hostname}:${port}`, `http://${hostname}:${Number(port) === 65535 ? 1 : Number(port) + 1}`]) {
      const reply = await device.post('/logout', undefined, { headers: { Origin: origin } })
      expectJsonError(reply, 403, `Origin ${origin} is another origin than ${app.url} (scheme, host and port all count)`)
    }
    expectStatus(await device.me(), 200, 'the refused logouts must not have ended the session')
  })

  // The cost of any credential the browser sends on its own: every state-changing request needs this defence.
  test('every state-changing request from another origin gets 403 before its route runs, and changes nothing', async (t) => {
    const app = await startApp(t, STEP, { dir })
    const alice = await signUp(app)
    const newcomer = { email: 'newcomer@example.com', password: 'correct horse battery newcomer' }
    const evil = { headers: { Origin: 'https://evil.example' } }
    const requests: Array<[string, string, unknown]> = [
      ['POST', '/register', newcomer],
      ['POST', '/login', { email: alice.email, password: alice.password }],
      ['POST', '/password', { currentPassword: alice.password, newPassword: 'chosen by the attacker' }],
      ['POST', '/logout-all', undefined],
      ['POST', '/logout', undefined],
      ['DELETE', '/sessions/any-id', undefined],
    ]
    for (const [method, path, body] of requests) {
      const reply = await alice.device.request(method, path, { ...evil, body })
      expectJsonError(reply, 403, `${method} ${path} from another origin: a cookie rides along on it, so the Origin check (lib/cookies.ts sameOriginOnly) must refuse it`)
    }
    expectStatus(await alice.device.me(), 200, 'none of the refused requests may have ended the session')
    expectStatus(await app.device().login(alice.email, alice.password), 200, 'the refused password change must not have changed the password')
    expectStatus(await app.device().register(newcomer.email, newcomer.password), 201, 'the refused registration must not have created the account')
  })

  test('a POST that says Sec-Fetch-Site: cross-site gets 403 and changes nothing, even without an Origin header', async (t) => {
    const app = await startApp(t, STEP, { dir })
    const { device, email, password } = await signUp(app)
    const crossSite = { headers: { 'Sec-Fetch-Site': 'cross-site' } }
    expectJsonError(await device.post('/logout', undefined, crossSite), 403, 'the browser says this request comes from another site (Fetch Metadata): refuse it')
    const login = await app.device('victim').post('/login', { email, password }, crossSite)
    expectJsonError(login, 403, 'a cross-site login would log the victim in to the attacker’s account (login CSRF)')
    assert.equal(login.headers.getSetCookie().length, 0, `${describeReply(login)}: a refused login sets no cookie`)
    expectStatus(await device.post('/logout', undefined, { headers: { 'Sec-Fetch-Site': 'same-origin', Origin: app.url } }), 204, 'a same-origin logout must still work')
  })

  hostPrefixTest(STEP, { dir, sessions })

  test('behind a trusted proxy the origin is the public one: https://app.example passes, http://app.example gets 403', async (t) => {
    const app = await startApp(t, STEP, { dir, trustProxy: true })
    const device = app.device()
    const forwarded = { 'X-Forwarded-Proto': 'https', 'X-Forwarded-Host': 'app.example' }
    await logIn(device, forwarded)
    const plain = await device.post('/logout', undefined, { headers: { ...forwarded, Origin: 'http://app.example' } })
    expectJsonError(plain, 403, 'the page was served as https://app.example; http://app.example is another origin')
    const same = await device.post('/logout', undefined, { headers: { ...forwarded, Origin: 'https://app.example' } })
    expectStatus(same, 204, `with TRUST_PROXY=1 the origin is the one the browser asked the proxy for: https://app.example; if every fresh session is refused, look at ${sessions}`)
  })
}
