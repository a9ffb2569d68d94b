// The bad-input and attack suite (JSON in and out, bad input a clear 4xx: lib/http.ts and lib/validate.ts), run against every step that exists:
// `npm test -- attacks` against your work in steps/, `--solution` against solutions/, and `npm test` too.
// Every refused request must get its status, a JSON error that leaks nothing, and change no stored row.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, describe, test } from 'node:test'
import { CHEAP_SCRYPT_FOR_TESTS, createPasswords, NO_HASH_LIMITS, type Passwords, type ScryptParams } from '../lib/passwords.ts'
import { startApp, type TestApp } from './harness/app.ts'
import { snapshot, expectUnchanged } from './harness/attacks/snapshot.ts'
import { flavour, targets, type Target } from './harness/attacks/targets.ts'
import type { Device, Reply, RequestOptions } from './harness/device.ts'
import { decodeJwt, describeReply, expectJsonError, expectStatus } from './harness/expect.ts'
import { BAD_TOKEN_NAMES, badTokens, wrongKindNames } from './harness/tokens.ts'
import { newAccount, signUp, type Account } from './harness/users.ts'

type Signed = Account & { device: Device }

interface Scene {
  app: TestApp
  alice: Signed
  bob: Signed
}

const json = (text: string): RequestOptions => ({ rawBody: text, headers: { 'Content-Type': 'application/json' } })

/** Sends an attack and checks the refusal: its status, a clean JSON error, and every table as it was. */
async function expectRefused(app: TestApp, send: () => Promise<Reply>, status: number, hint?: string): Promise<Reply> {
  const before = await snapshot(app.db)
  const reply = await send()
  expectJsonError(reply, status, hint)
  await expectUnchanged(app.db, before, describeReply(reply))
  return reply
}

const TARGETS = targets()

describe(`the attack suite against ${flavour()}/`, { concurrency: true }, () => {
  if (TARGETS.length === 0) test(`${flavour()}/ has no step yet`, { skip: true })
  for (const target of TARGETS) describe(`attacks on ${target.name}`, { concurrency: false }, () => attacksOn(target))
})

function attacksOn(target: Target) {
  const { label } = target
  // One app per step, set up on first use so that a starter's unfinished TODO fails each test with its name.
  let started: Promise<TestApp> | undefined
  let ready: Promise<Scene> | undefined
  const scene = () =>
    (ready ??= (async () => {
      const app = await (started ??= startApp(undefined, target.name, { dir: target.dir }))
      return { app, alice: await signUp(app, 'alice'), bob: await signUp(app, 'bob') }
    })())
  after(async () => (await started?.catch(() => undefined))?.close())

  /** A device that holds exactly alice's credential: a thief's copy, so alice's own device never changes. */
  const asAlice = (s: Scene) => s.alice.device.copy('attacker holding alice’s credential')

  // ---- Bodies that are not what an endpoint takes -------------------------------------------------------

  interface BodyRoute {
    path: string
    /** A body the route would accept: every bad variant is built from it, so a lax parser would act on it. */
    body(s: Scene): Record<string, unknown>
    device(s: Scene): Device
  }
  const bodyRoutes: BodyRoute[] = [
    { path: '/register', body: () => ({ email: newAccount('mallory').email, password: 'a fine long password' }), device: (s) => s.app.device('attacker') },
    { path: '/login', body: (s) => ({ email: s.alice.email, password: s.alice.password }), device: (s) => s.app.device('attacker') },
    { path: '/password', body: (s) => ({ currentPassword: s.alice.password, newPassword: 'a brand new passphrase' }), device: asAlice },
  ]
  if (target.refresh) bodyRoutes.push({ path: '/refresh', body: (s) => ({ refreshToken: s.alice.device.refreshToken }), device: (s) => s.app.device('attacker') })
  // Step 07: alice's session asks for a token; a lax parser would mint one from a bad body.
  if (target.number === 7) bodyRoutes.push({ path: '/token', body: () => ({ audience: 'reports' }), device: asAlice })

  const badBodies: Array<[string, number, (body: Record<string, unknown>) => RequestOptions]> = [
    ['malformed JSON', 400, (body) => json(JSON.stringify(body).slice(0, -1) + ',')],
    ['a 2 MiB body', 413, (body) => json(JSON.stringify({ ...body, padding: 'x'.repeat(2 * 1024 * 1024) }))],
    ['a text/plain body', 415, (body) => ({ rawBody: JSON.stringify(body), headers: { 'Content-Type': 'text/plain' } })],
    ['a form body', 415, (body) => ({ rawBody: new URLSearchParams(body as Record<string, string>).toString(), headers: { 'Content-Type': 'application/x-www-form-urlencoded' } })],
    ['a form body with operator injection (email[$ne]=)', 415, () => ({ rawBody: 'email[$ne]=x&password[$ne]=x&refreshToken[$ne]=x', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } })],
    ['a JSON body without a Content-Type', 415, (body) => ({ rawBody: JSON.stringify(body), headers: { 'Content-Type': '' } })],
    ['a top-level array', 400, (body) => json(JSON.stringify([body]))],
    ['a top-level null', 400, () => json('null')],
    ['a bare JSON string', 400, () => json('"alice@example.com"')],
    ['an empty object', 400, () => json('{}')],
    ['no body at all', 400, () => ({})],
    ['its fields under a __proto__ key', 400, (body) => json(`{"__proto__": ${JSON.stringify(body)}}`)],
    ['JSON nested 5000 levels deep', 400, () => json('['.repeat(5000) + ']'.repeat(5000))],
  ]

  for (const route of bodyRoutes) {
    for (const [name, status, make] of badBodies) {
      test(`${label}: ${name} to POST ${route.path} gets ${status} and changes nothing`, async () => {
        const s = await scene()
        const options = make(route.body(s))
        await expectRefused(s.app, () => route.device(s).request('POST', route.path, options), status)
        assert.equal(({} as any).email, undefined, 'a __proto__ key must not reach Object.prototype')
      })
    }
  }

  // ---- Fields: missing, of the wrong type, too long, with control characters -----------------------------

  const fieldCases: Array<[string, number, (email: string, password: string) => string]> = [
    ['without an email', 400, (_e, p) => JSON.stringify({ password: p })],
    ['without a password', 400, (e) => JSON.stringify({ email: e })],
    ['with the email as a number', 400, (_e, p) => JSON.stringify({ email: 42, password: p })],
    ['with the email as an array', 400, (e, p) => JSON.stringify({ email: [e], password: p })],
    ['with the email as an object ({"$ne": null})', 400, (_e, p) => JSON.stringify({ email: { $ne: null }, password: p })],
    ['with the email null', 400, (_e, p) => JSON.stringify({ email: null, password: p })],
    ['with the email true', 400, (_e, p) => JSON.stringify({ email: true, password: p })],
    ['with the password as a number', 400, (e) => JSON.stringify({ email: e, password: 12345678 })],
    ['with the password as an array', 400, (e, p) => JSON.stringify({ email: e, password: [p] })],
    ['with the password as an object ({"$gt": ""})', 400, (e) => JSON.stringify({ email: e, password: { $gt: '' } })],
    ['with the password null', 400, (e) => JSON.stringify({ email: e, password: null })],
    ['with the email under a __proto__ key', 400, (e, p) => `{"email": {"__proto__": ${JSON.stringify({ toString: e })}}, "password": ${JSON.stringify(p)}}`],
    ['with an email of 255 characters', 400, (e, p) => JSON.stringify({ email: 'a'.repeat(255 - e.length) + e, password: p })],
    ['with a NUL byte after the email', 400, (e, p) => JSON.stringify({ email: `${e}\u0000`, password: p })],
    ['with a NUL byte inside the email', 400, (e, p) => JSON.stringify({ email: e.replace('@', '\u0000@'), password: p })],
    ['with a CR LF inside the email', 400, (e, p) => JSON.stringify({ email: `${e}\r\nBcc: victim@example.com`, password: p })],
    ['with an email without @', 400, (e, p) => JSON.stringify({ email: e.replace('@', ' at '), password: p })],
    ['with a password of 7 characters', 400, (e) => JSON.stringify({ email: e, password: 'seven77' })],
    ['with a password of 1025 characters', 400, (e) => JSON.stringify({ email: e, password: 'p'.repeat(1025) })],
    ['with a password of 100 000 characters (over 16 KiB)', 413, (e) => JSON.stringify({ email: e, password: 'p'.repeat(100_000) })],
  ]
  for (const path of ['/register', '/login']) {
    for (const [name, status, make] of fieldCases) {
      test(`${label}: POST ${path} ${name} gets ${status} and changes nothing`, async () => {
        const s = await scene()
        // Login gets alice's real email and password, so a lax check would let the attacker in.
        const { email, password } = path === '/login' ? s.alice : newAccount('mallory')
        await expectRefused(s.app, () => s.app.device('attacker').request('POST', path, json(make(email, password))), status)
        assert.equal(({} as any).toString, Object.prototype.toString, 'a __proto__ key must not reach Object.prototype')
      })
    }
  }

  test(`${label}: POST /password with wrong types, a short or an over-long new password gets 400 and changes nothing`, async () => {
    const s = await scene()
    const current = s.alice.password
    const bodies = [
      { newPassword: 'a brand new passphrase' },
      { currentPassword: current },
      { currentPassword: current, newPassword: 12345678 },
      { currentPassword: [current], newPassword: 'a brand new passphrase' },
      { currentPassword: current, newPassword: null },
      { currentPassword: current, newPassword: { $ne: '' } },
      { currentPassword: current, newPassword: 'seven77' },
      { currentPassword: current, newPassword: 'p'.repeat(1025) },
    ]
    for (const body of bodies) await expectRefused(s.app, () => asAlice(s).post('/password', body), 400)
  })

  // ---- SQL injection, duplicates, mass assignment ------------------------------------------------------

  const injections: Array<[string, (a: Account) => { email: string; password: string }]> = [
    ["alice's email followed by ' --", (a) => ({ email: `${a.email}' --`, password: a.password })],
    ["' OR '1'='1 in both fields", () => ({ email: "' OR '1'='1' --@example.com", password: "' OR '1'='1' --" })],
    ["alice's email and the password ' OR '1'='1", (a) => ({ email: a.email, password: "' OR '1'='1' --" })],
    ['a double-quoted OR in the email', (a) => ({ email: `${a.email}" OR ""="`, password: a.password })],
    ['a UNION SELECT in the email', (a) => ({ email: `x@x' UNION SELECT id, email, password_hash FROM users --`, password: a.password })],
  ]
  for (const [name, make] of injections) {
    test(`${label}: SQL injection at login (${name}) gets 401 and changes nothing`, async () => {
      const s = await scene()
      const { email, password } = make(s.alice)
      await expectRefused(s.app, () => s.app.device('attacker').login(email, password), 401)
    })
  }

  test(`${label}: an email full of SQL registers as plain text and drops no table`, async () => {
    const s = await scene()
    const before = await snapshot(s.app.db)
    const email = `robert'); drop table users; --${randomBytes(4).toString('hex')}@example.com`
    const reply = await s.app.device().register(email, 'little bobby tables')
    expectStatus(reply, 201, 'an odd but valid email is still an email')
    assert.equal(reply.body.user.email, email, 'the email is stored exactly, as data')
    const after = await snapshot(s.app.db)
    assert.deepEqual([...after.keys()], [...before.keys()], 'every table is still there')
    for (const [table, rows] of before) if (table !== 'users' && table !== 'sqlite_sequence') assert.deepEqual(after.get(table), rows, `${table} changed`)
    assert.equal(after.get('users')!.length, before.get('users')!.length + 1, 'exactly one user was added')
    expectStatus(await s.app.device().login(email, 'little bobby tables'), 200, 'the new account can log in')
  })

  const duplicates: Array<[string, (email: string) => string]> = [
    ['in upper case', (e) => e.toUpperCase()],
    ['with spaces around it', (e) => `  ${e} `],
    ['with a tab and mixed case', (e) => `\t${e[0].toUpperCase()}${e.slice(1)}`],
  ]
  for (const [name, spell] of duplicates) {
    test(`${label}: registering alice's email again ${name} gets 409 and changes nothing`, async () => {
      const s = await scene()
      await expectRefused(s.app, () => s.app.device('attacker').register(spell(s.alice.email), 'another fine password'), 409)
    })
  }

  test(`${label}: alice's email in other case and with spaces logs in to the same account`, async () => {
    const s = await scene()
    const device = s.app.device('alice again')
    expectStatus(await device.login(`  ${s.alice.email.toUpperCase()} `, s.alice.password), 200, 'emails are trimmed and lower-cased at login too')
    const me = await device.me()
    expectStatus(me, 200)
    assert.equal(me.body.user.email, s.alice.email)
  })

  test(`${label}: mass assignment at register (id, password_hash, refresh_token_version) is ignored`, async () => {
    const s = await scene()
    const aliceRow = await s.app.db('users').where({ email: s.alice.email }).first()
    const account = newAccount('mallory')
    const forgedHash = aliceRow.password_hash
    const reply = await s.app.device().post('/register', {
      ...account,
      id: aliceRow.id,
      password_hash: forgedHash,
      refresh_token_version: 42,
      is_admin: true,
    })
    expectStatus(reply, 201)
    assert.notEqual(reply.body.user.id, String(aliceRow.id), 'the id comes from the database, never from the body')
    assert.deepEqual(await s.app.db('users').where({ id: aliceRow.id }).first(), aliceRow, "alice's row must not change")
    const row = await s.app.db('users').where({ email: account.email }).first()
    assert.notEqual(row.password_hash, forgedHash, 'password_hash comes from hashing the password, never from the body')
    if ('refresh_token_version' in row) assert.notEqual(row.refresh_token_version, 42, 'refresh_token_version is the server’s, never the body’s')
    assert.equal(row.is_admin, undefined)
    expectStatus(await s.app.device().login(account.email, account.password), 200, 'the new account logs in with its own password')
    expectJsonError(await s.app.device().login(account.email, s.alice.password), 401, "alice's password must not open mallory's account")
  })

  test(`${label}: mass assignment at login (id, sub of another user) still logs in as yourself`, async () => {
    const s = await scene()
    const bobId = (await s.app.db('users').where({ email: s.bob.email }).first()).id
    const device = s.app.device('alice, tampering')
    expectStatus(await device.post('/login', { email: s.alice.email, password: s.alice.password, id: bobId, sub: String(bobId), user_id: bobId }), 200)
    const me = await device.me()
    expectStatus(me, 200)
    assert.equal(me.body.user.email, s.alice.email, 'the body chose the user: only email and password may')
  })

  test(`${label}: mass assignment at POST /password (id, email, password_hash of another user) touches only your own password`, async () => {
    const s = await scene()
    const carol = await signUp(s.app, 'carol')
    const others = await s.app.db('users').whereNot({ email: carol.email }).orderBy('id')
    const bobRow = others.find((row: any) => row.email === s.bob.email)
    const reply = await carol.device.post('/password', {
      currentPassword: carol.password,
      newPassword: 'carol’s new passphrase',
      id: bobRow.id,
      user_id: bobRow.id,
      email: s.bob.email,
      password_hash: bobRow.password_hash,
    })
    assert.ok(reply.status === 200 || reply.status === 204, `the change itself is fine, but ${describeReply(reply)}`)
    assert.deepEqual(await s.app.db('users').whereNot({ email: carol.email }).orderBy('id'), others, 'no other user may change')
    const carolRow = await s.app.db('users').where({ email: carol.email }).first()
    assert.ok(carolRow, "carol's email must not change")
    expectStatus(await s.app.device().login(carol.email, 'carol’s new passphrase'), 200, 'the new password works')
  })

  if (target.refresh) {
    test(`${label}: mass assignment at POST /refresh (sub of another user) still refreshes as yourself`, async () => {
      const s = await scene()
      const device = s.alice.device.copy('alice, tampering')
      const bobId = (await s.app.db('users').where({ email: s.bob.email }).first()).id
      const aliceId = decodeJwt(device.refreshToken).sub
      const reply = await device.post('/refresh', { refreshToken: device.refreshToken, sub: String(bobId), id: bobId })
      expectStatus(reply, 200)
      assert.equal(decodeJwt(reply.body.accessToken).sub, aliceId, 'the body chose the user: only the refresh token may')
      s.alice.device.accessToken = device.accessToken
      s.alice.device.refreshToken = device.refreshToken // the old one is consumed in step 05
    })
  }

  // ---- Unknown routes --------------------------------------------------------------------------------

  const unknown: Array<[string, string]> = [
    ['GET', '/admin'],
    ['POST', '/admin'],
    ['GET', '/users'],
    ['GET', '/.env'],
    ['GET', '/%2e%2e/%2e%2e/etc/passwd'],
    ['GET', '/%E0%A4%A'],
    ['GET', '/me/anything'],
    ['POST', '/login%00'],
    ['POST', '/register/..%2fadmin'],
  ]
  for (const [method, path] of unknown) {
    test(`${label}: ${method} ${path} (an unknown route) gets 404 and changes nothing`, async () => {
      const s = await scene()
      await expectRefused(s.app, () => asAlice(s).request(method, path, method === 'POST' ? { body: {} } : {}), 404)
    })
  }

  test(`${label}: a known route with the wrong method gets a JSON 404 or 405 and changes nothing`, async () => {
    const s = await scene()
    for (const [method, path] of [['DELETE', '/me'], ['GET', '/login'], ['PUT', '/register'], ['PATCH', '/password']]) {
      const before = await snapshot(s.app.db)
      const reply = await asAlice(s).request(method, path)
      expectJsonError(reply, reply.status === 405 ? 405 : 404)
      await expectUnchanged(s.app.db, before, describeReply(reply))
    }
  })

  if (target.cookies) cookieAttacks(target, scene, asAlice)
  else tokenAttacks(target, scene, asAlice)

  enumeration(target)
}

// ---- Cookie steps (01, 06): forged session ids and cross-site requests ------------------------------------

interface Protected {
  method: string
  path: string
  options(s: Scene): Promise<RequestOptions> | RequestOptions
}

function protectedRoutes(target: Target): Protected[] {
  const routes: Protected[] = [
    { method: 'GET', path: '/me', options: () => ({}) },
    { method: 'POST', path: '/logout', options: (s) => ({ body: s.alice.device.refreshToken ? { refreshToken: s.alice.device.refreshToken } : undefined }) },
    { method: 'POST', path: '/logout-all', options: () => ({}) },
    { method: 'POST', path: '/password', options: (s) => ({ body: { currentPassword: s.alice.password, newPassword: 'stolen and changed' } }) },
  ]
  if (target.number >= 6) {
    routes.push({ method: 'GET', path: '/sessions', options: () => ({}) })
    routes.push({ method: 'DELETE', path: '/sessions/:id of alice', options: () => ({}) })
  }
  if (target.number === 7) routes.push({ method: 'POST', path: '/token', options: () => ({ body: { audience: 'reports' } }) })
  return routes
}

/** alice's own session id as GET /sessions shows it (step 06), for DELETE /sessions/:id. */
async function aliceSessionId(s: Scene): Promise<string> {
  const reply = await s.alice.device.get('/sessions')
  expectStatus(reply, 200, 'GET /sessions lists my sessions')
  return reply.body.sessions.find((session: any) => session.current).id
}

async function sendTo(s: Scene, device: Device, route: Protected, extra: RequestOptions = {}): Promise<Reply> {
  const options = await route.options(s)
  const path = route.path === '/sessions/:id of alice' ? `/sessions/${encodeURIComponent(await aliceSessionId(s))}` : route.path
  return device.request(route.method, path, { ...options, ...extra, headers: { ...options.headers, ...extra.headers } })
}

function cookieAttacks(target: Target, scene: () => Promise<Scene>, asAlice: (s: Scene) => Device) {
  const { label } = target
  const forged: Array<[string, (s: Scene) => Promise<string | undefined> | string | undefined]> = [
    ['no sid cookie', () => undefined],
    ['a junk sid', () => 'junk'],
    ['a well-formed sid the server never issued', () => randomBytes(32).toString('base64url')],
    ["a sid of ' OR '1'='1", () => "'%20OR%20'1'%3D'1"],
    ['a sid of 4000 characters', () => 'a'.repeat(4000)],
    ["alice's sid with one character changed", (s) => s.alice.device.cookie!.slice(0, -1) + (s.alice.device.cookie!.endsWith('A') ? 'B' : 'A')],
  ]
  if (target.number >= 6) forged.push(["alice's public session id from GET /sessions", aliceSessionId])

  for (const route of protectedRoutes(target)) {
    for (const [name, make] of forged) {
      test(`${label}: ${name} at ${route.method} ${route.path} gets 401 and changes nothing`, async () => {
        const s = await scene()
        const attacker = s.app.device('attacker')
        attacker.cookie = await make(s)
        await expectRefused(s.app, () => sendTo(s, attacker, route), 401, 'a sid that the server did not issue is never accepted')
      })
    }
  }

  test(`${label}: session fixation: a sid planted before login is replaced, and never works`, async () => {
    const s = await scene()
    const planted = `planted-by-attacker-${randomBytes(16).toString('base64url')}`
    const victim = s.app.device('victim')
    victim.cookie = planted
    expectStatus(await victim.login(s.alice.email, s.alice.password), 200)
    assert.ok(victim.cookie && victim.cookie !== planted, 'login must issue a new random sid, never keep the one the browser offered')
    const attacker = s.app.device('attacker')
    attacker.cookie = planted
    expectJsonError(await attacker.me(), 401, 'the planted sid must not become a session')
    expectStatus(await victim.me(), 200)
  })

  // Another site, an opaque origin, this host on another port, a look-alike host, and this host:port under https.
  const origins = (s: Scene) => ['https://evil.example', 'null', 'http://127.0.0.1:1', 'http://127.0.0.1.evil.example', s.app.url.replace(/^http:/, 'https:')]
  const stateChanging: Protected[] = [
    ...protectedRoutes(target).filter((route) => route.method !== 'GET'),
    { method: 'POST', path: '/login', options: (s) => ({ body: { email: s.alice.email, password: s.alice.password } }) },
    { method: 'POST', path: '/register', options: () => ({ body: newAccount('csrf') }) },
  ]
  for (const route of stateChanging) {
    test(`${label}: a cross-site ${route.method} ${route.path} (foreign Origin) gets 403 and changes nothing`, async () => {
      const s = await scene()
      for (const origin of origins(s)) {
        await expectRefused(s.app, () => sendTo(s, asAlice(s), route, { headers: { Origin: origin } }), 403, `Origin: ${origin} is another origin than ${s.app.url}`)
      }
      expectStatus(await s.alice.device.me(), 200, "alice's session survives the attempts")
    })

    test(`${label}: a ${route.method} ${route.path} that says Sec-Fetch-Site: cross-site gets 403 and changes nothing`, async () => {
      const s = await scene()
      // Fetch Metadata: the browser itself says where the request comes from, even where it sends no Origin.
      await expectRefused(s.app, () => sendTo(s, asAlice(s), route, { headers: { 'Sec-Fetch-Site': 'cross-site' } }), 403, 'the browser says this request comes from another site')
      expectStatus(await s.alice.device.me(), 200, "alice's session survives the attempt")
    })
  }

  test(`${label}: a POST with neither Origin nor Sec-Fetch-Site (curl, a script: no browser sends one) is served, as lib/cookies.ts says why`, async () => {
    const s = await scene()
    // A deliberate choice, not an oversight: every current browser sends Origin on a POST, so a request without
    // one carries no victim's cookie. Blocking it instead would ask every README curl line for an Origin.
    const other = s.app.device('curl')
    expectStatus(await other.login(s.alice.email, s.alice.password), 200, 'a login without Origin or Sec-Fetch-Site is not a cross-site browser request')
    expectStatus(await other.logout(), 204, 'and neither is a logout with the session it holds')
  })

  if (target.number === 7) {
    test(`${label}: a token for the reports service, sent to the app as a bearer token or a cookie, is no session: 401 and changes nothing`, async () => {
      const s = await scene()
      const minted = await s.alice.device.post('/token', { audience: 'reports' })
      expectStatus(minted, 200, 'POST /token mints a token for the reports service')
      const attacker = s.app.device('attacker')
      for (const route of protectedRoutes(target)) {
        await expectRefused(s.app, () => sendTo(s, attacker, route, { headers: { Authorization: `Bearer ${minted.body.token}` } }), 401, 'the app knows callers by their session only')
        attacker.cookie = minted.body.token
        await expectRefused(s.app, () => sendTo(s, attacker, route), 401, 'a token in the sid cookie is not a session id the server issued')
        attacker.cookie = undefined
      }
    })
  }

  if (target.number >= 6) {
    test(`${label}: DELETE /sessions/:id of another user's session gets 404 and changes nothing`, async () => {
      const s = await scene()
      const bobs = await s.bob.device.get('/sessions')
      expectStatus(bobs, 200)
      await expectRefused(s.app, () => asAlice(s).delete(`/sessions/${encodeURIComponent(bobs.body.sessions[0].id)}`), 404)
    })

    test(`${label}: DELETE /sessions/:id with a malformed or absurd id gets 404 and changes nothing`, async () => {
      const s = await scene()
      for (const id of ['%E0%A4%A', 'x'.repeat(2000), "'%20OR%201%3D1%20--", '..%2f..%2fetc%2fpasswd', '%00']) {
        await expectRefused(s.app, () => asAlice(s).delete(`/sessions/${id}`), 404)
      }
    })
  }
}

// ---- Token steps (02–05): forged, broken and confused tokens ----------------------------------------------

function tokenAttacks(target: Target, scene: () => Promise<Scene>, _asAlice: (s: Scene) => Device) {
  const { label } = target
  const TOKEN_NAMES = [...BAD_TOKEN_NAMES, ...wrongKindNames('access')]
  const withBearer = (token: string) => ({ headers: { Authorization: `Bearer ${token}` } })

  for (const route of protectedRoutes(target)) {
    for (const name of TOKEN_NAMES) {
      test(`${label}: an access token ${name} at ${route.method} ${route.path} gets 401 and changes nothing`, async () => {
        const s = await scene()
        const forged = badTokens(s.app, s.alice.device.accessToken!, 'access')[name]
        assert.ok(forged, `badTokens has no "${name}"`)
        const attacker = s.app.device('attacker')
        const reply = await expectRefused(s.app, () => sendTo(s, attacker, route, withBearer(forged)), 401)
        assert.match(reply.headers.get('www-authenticate') ?? '', /^Bearer/, 'a 401 must carry WWW-Authenticate: Bearer')
      })
    }

    const headers: Array<[string, (s: Scene) => Record<string, string>]> = [
      ['no Authorization header', () => ({})],
      ['Authorization: Basic', () => ({ Authorization: 'Basic YWxpY2U6cGFzc3dvcmQ=' })],
      ['Authorization: Bearer and no token', () => ({ Authorization: 'Bearer' })],
      ['two tokens in one Authorization header', (s) => ({ Authorization: `Bearer ${s.alice.device.accessToken} ${s.alice.device.accessToken}` })],
      ['the token under another scheme (Token …)', (s) => ({ Authorization: `Token ${s.alice.device.accessToken}` })],
      ['the token in a cookie instead of the header', (s) => ({ Cookie: `accessToken=${s.alice.device.accessToken}; sid=${s.alice.device.accessToken}` })],
    ]
    if (target.refresh) headers.push(['the refresh token sent as the access token', (s) => ({ Authorization: `Bearer ${s.alice.device.refreshToken}` })])
    test(`${label}: ${route.method} ${route.path} with no, a malformed or the wrong kind of bearer credential gets 401 and changes nothing`, async () => {
      const s = await scene()
      for (const [name, make] of headers) {
        const attacker = s.app.device('attacker')
        const reply = await expectRefused(s.app, () => sendTo(s, attacker, route, { headers: make(s) }), 401, name)
        assert.match(reply.headers.get('www-authenticate') ?? '', /^Bearer/, `${name}: a 401 must carry WWW-Authenticate: Bearer`)
      }
    })
  }

  if (!target.refresh) return

  const REFRESH_NAMES = [...BAD_TOKEN_NAMES, ...wrongKindNames('refresh')]
  for (const name of REFRESH_NAMES) {
    test(`${label}: a refresh token ${name} at POST /refresh gets 401 and changes nothing`, async () => {
      const s = await scene()
      const forged = badTokens(s.app, s.alice.device.refreshToken!, 'refresh')[name]
      assert.ok(forged, `badTokens has no "${name}"`)
      await expectRefused(s.app, () => s.app.device('attacker').post('/refresh', { refreshToken: forged }), 401)
    })
  }

  test(`${label}: an access token sent as the refresh token gets 401 and changes nothing`, async () => {
    const s = await scene()
    await expectRefused(s.app, () => s.app.device('attacker').post('/refresh', { refreshToken: s.alice.device.accessToken }), 401)
  })

  test(`${label}: POST /refresh with the refresh token missing or of the wrong type gets 400 and changes nothing`, async () => {
    const s = await scene()
    const token = s.alice.device.refreshToken
    for (const body of [{}, { refreshToken: '' }, { refreshToken: 42 }, { refreshToken: [token] }, { refreshToken: { token } }, { refreshToken: null }, { refresh_token: token }]) {
      await expectRefused(s.app, () => s.app.device('attacker').post('/refresh', body), 400, JSON.stringify(body))
    }
  })
}

// ---- Enumeration: an unknown email must look and cost like a wrong password ---------------------------------

/** A Passwords that counts how many password checks (each one a hash) the app asks for. */
function countingPasswords(params: ScryptParams) {
  const inner = createPasswords(params, NO_HASH_LIMITS)
  const counts = { verify: 0, dummy: 0 }
  const passwords: Passwords = {
    hash: inner.hash,
    verify: (stored, password) => (counts.verify++, inner.verify(stored, password)),
    verifyAgainstDummy: (password) => (counts.dummy++, inner.verifyAgainstDummy(password)),
  }
  return { passwords, counts }
}

function enumeration(target: Target) {
  const { label } = target

  test(`${label}: enumeration: an unknown email and a wrong password get the same 401, and each pays for one hash`, async (t) => {
    const { passwords, counts } = countingPasswords(CHEAP_SCRYPT_FOR_TESTS)
    const app = await startApp(t, target.name, { dir: target.dir, passwords })
    const { email } = await signUp(app)
    counts.verify = counts.dummy = 0
    const wrongPassword = await app.device().login(email, 'not the password at all')
    const afterWrong = { ...counts }
    const unknownEmail = await app.device().login('nobody-here@example.com', 'not the password at all')
    expectJsonError(wrongPassword, 401)
    expectJsonError(unknownEmail, 401)
    assert.deepEqual(unknownEmail.body, wrongPassword.body, 'the two answers must not tell which emails exist')
    assert.equal(afterWrong.verify + afterWrong.dummy, 1, 'a wrong password costs one password check')
    assert.equal(counts.verify + counts.dummy - 1, 1, 'an unknown email must cost a password check too (verifyAgainstDummy)')
  })

  test(`${label}: enumeration: with a real-ish hash cost, an unknown email takes about as long as a wrong password`, async (t) => {
    // About 20 ms a hash: far above the noise of a lookup, far below OWASP's cost.
    const app = await startApp(t, target.name, { dir: target.dir, passwords: createPasswords({ N: 2 ** 13, r: 8, p: 1 }, NO_HASH_LIMITS) })
    const { email } = await signUp(app)
    await app.device().login('warm-up@example.com', 'not the password at all') // a first request warms the route up
    const time = async (who: string) => {
      const started = performance.now()
      expectJsonError(await app.device().login(who, 'not the password at all'), 401)
      return performance.now() - started
    }
    // Noise only ever adds time, so the fastest of five tries is the truest. A busy machine can still spoil a
    // round; a missing dummy hash spoils every round (an unknown email answers some 20 times faster).
    const rounds: string[] = []
    for (let round = 0; round < 3; round++) {
      const wrong: number[] = []
      const unknown: number[] = []
      for (let i = 0; i < 5; i++) {
        wrong.push(await time(email))
        unknown.push(await time(`nobody-${round}-${i}@example.com`))
      }
      const [w, u] = [Math.min(...wrong), Math.min(...unknown)]
      if (u >= 0.5 * w) return
      rounds.push(`an unknown email took ${u.toFixed(1)} ms, a wrong password ${w.toFixed(1)} ms`)
    }
    assert.fail(`${rounds.join('; ')}: the timing tells which emails exist (does login call verifyAgainstDummy?)`)
  })
}
