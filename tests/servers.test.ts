// More than one server (README.md → "When you outgrow one machine"): two real `npm start` processes of a step,
// started together on one database (a SQLite file, or a PostgreSQL schema when DATABASE_URL is set), behave
// as one app. What one server changes holds at the very next request to the other, a race across them has
// the outcome it has on one, and nothing either keeps in its own memory decides whether a credential is valid.
// Step 02 also shows what JWT really buys here: a service that shares nothing but the secret, no database at
// all, can check its tokens. And what it cannot do.
// Restarts lose nothing, and SIGTERM stops cleanly: last, server A of each pair stops with SIGTERM and starts
// again on the same database (a rolling restart), and must find every user, session, version and revocation.
// First, while A is as fresh as a learner's `npm start`, each step README's shell block runs against it
// (harness/readme-shell.ts): the README's commands need a server of the step, and this one is already running.
import assert from 'node:assert/strict'
import { createSecretKey } from 'node:crypto'
import { createServer, request as httpRequest, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import type { AppDeps } from '../lib/app.ts'
import { systemClock } from '../lib/clock.ts'
import { decodeKey } from '../lib/config.ts'
import { openDatabase, type Database } from '../lib/db.ts'
import { CHEAP_SCRYPT_FOR_TESTS, createPasswords, NO_HASH_LIMITS } from '../lib/passwords.ts'
import { newPrivateJwk } from '../lib/signing-keys.ts'
import { loadStep } from '../lib/steps.ts'
import { startServer, TEST_SECRETS, type ChildServer, type Exit } from './harness/attacks/server.ts'
import { flavour, targets, type Target } from './harness/attacks/targets.ts'
import { DATABASE_KIND, freshDatabase, type TestDatabase } from './harness/database.ts'
import { Device, type Reply } from './harness/device.ts'
import { describeReply, expectJsonError, expectStatus } from './harness/expect.ts'
import { readmeShellTests } from './harness/readme-shell.ts'
import { startService } from './harness/service.ts'

const PEOPLE = 8 // each logs in on both servers and works on both at once: 50-odd requests per step
const RACERS = 10

interface Pair {
  /** Step 07: the one public URL of both servers (ISSUER), a round-robin balancer in front of them. */
  issuer?: string
  balancer?: Server
  a: ChildServer
  b: ChildServer
  /** Stops A with SIGTERM and starts it again on the same database, with the same environment (step 07: the app alone, as B): answers its exit. */
  restartA(): Promise<Exit>
  db: Database
  database: TestDatabase
  /** Puts a user straight into the database with a cheap hash: one insert, not a registration over HTTP. */
  seed(email: string, password: string): Promise<void>
}

/** Both servers start at the same moment on one empty database: their migrations race too. */
async function startPair(target: Target): Promise<Pair> {
  const database = await freshDatabase('file', `servers-${target.label}`)
  const env: Record<string, string> = { ...TEST_SECRETS, ...database.env }
  // Step 07: both servers sign with one SIGNING_KEYS and are one issuer, behind one URL. A is `npm start` as the
  // README runs it, with its reports service beside it (its README block calls that service); B is the app alone
  // (--app). The pair's own test starts a service of its own: a token from either server must verify there.
  const balancer = target.number === 7 ? await startBalancer() : undefined
  if (balancer) Object.assign(env, { SIGNING_KEYS: JSON.stringify([newPrivateJwk('servers-key')]), ISSUER: balancer.url })
  const extra = balancer ? ['--app'] : []
  const started = await Promise.allSettled([startServer(target.name, flavour() === 'solutions', env), startServer(target.name, flavour() === 'solutions', env, extra)])
  const servers = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []))
  const failed = started.find((result) => result.status === 'rejected')
  if (failed) {
    balancer?.server.close()
    await Promise.all(servers.map((server) => server.stop('SIGKILL')))
    await database.drop()
    throw (failed as PromiseRejectedResult).reason
  }
  const db = await openDatabase(database.location, (await loadStep(target.dir)).migrations, { poolSize: 2 })
  const cheap = createPasswords(CHEAP_SCRYPT_FOR_TESTS, NO_HASH_LIMITS)
  balancer?.upstreams.push(servers[0].url, servers[1].url)
  const pair: Pair = {
    issuer: balancer?.url,
    balancer: balancer?.server,
    a: servers[0],
    b: servers[1],
    async restartA() {
      const exit = await pair.a.stop('SIGTERM')
      // Step 07: the restarted A is the app alone, as B is; its README block, the one reader of A's service, ran first.
      pair.a = await startServer(target.name, flavour() === 'solutions', env, extra)
      if (balancer) balancer.upstreams[0] = pair.a.url
      return exit
    },
    db,
    database,
    async seed(email, password) {
      await db('users').insert({ email, password_hash: await cheap.hash(password) })
    },
  }
  return pair
}

async function stopPair(pair: Pair | undefined) {
  if (!pair) return
  pair.balancer?.closeAllConnections()
  pair.balancer?.close()
  const exits = await Promise.all([pair.a.stop('SIGTERM'), pair.b.stop('SIGTERM')])
  await pair.db.destroy()
  await pair.database.drop()
  for (const exit of exits) assert.doesNotMatch(exit.stderr, /SQLITE_|\bat .+:\d+:\d+/, `a server logged an error:\n${exit.stderr.slice(0, 2000)}`)
}

/** A load balancer that sends each request to the next server in turn: the one URL of a step-07 issuer. */
async function startBalancer(): Promise<{ url: string; upstreams: string[]; server: Server }> {
  const upstreams: string[] = []
  let next = 0
  const server = createServer((request, response) => {
    const upstream = upstreams[next++ % upstreams.length]
    if (!upstream) return void response.writeHead(503).end()
    const forwarded = httpRequest(upstream + request.url, { method: request.method, headers: request.headers }, (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.headers)
      answer.pipe(response)
    })
    forwarded.on('error', () => response.writeHead(502).end())
    request.pipe(forwarded)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, upstreams, server }
}

/** A device whose requests go to server `server`: the load balancer sent it there. */
const on = (server: { url: string }, device: Device): Device => Object.assign(device.copy(device.name), { url: server.url })
const at = (server: ChildServer, name: string) => new Device(server.url, name)

const CLOSING_LINE = /SIGTERM: closing the server and the database/

function expectCleanExit(exit: Exit, what: string) {
  assert.equal(exit.code, 0, `${what}: SIGTERM should end the server with exit code 0, got ${exit.code ?? exit.signal}\n${exit.stderr}`)
  assert.match(exit.stdout, CLOSING_LINE, `${what}: SIGTERM should print its closing line`)
  assert.doesNotMatch(exit.stderr, /\bat .+:\d+:\d+|SQLITE_/, `${what}: stopping printed an error:\n${exit.stderr}`)
}

/** No reply may be a 5xx, or name the database. */
function expectNoServerError(replies: Reply[], what: string) {
  const broken = replies.filter((reply) => (reply.status >= 500 && reply.status !== 501) || /SQLITE|23505|duplicate key|relation/i.test(reply.text))
  assert.equal(broken.length, 0, `${what}: ${broken.length} of ${replies.length} failed, e.g. ${broken.slice(0, 3).map(describeReply).join('; ')}`)
}

let counter = 0
const account = (name: string) => ({ email: `${name}${++counter}@example.com`, password: `correct horse battery ${name}` })

const TARGETS = targets()

describe(`two servers on one ${DATABASE_KIND} database, against ${flavour()}/`, { concurrency: 2 }, () => {
  if (TARGETS.length === 0) test(`${flavour()}/ has no step yet`, { skip: true })
  else describe('their migrations on a new database', () => firstStart(TARGETS[TARGETS.length - 1]))
  for (const target of TARGETS) describe(`two servers of ${target.name}`, { concurrency: false }, () => twoServers(target))
})

/**
 * knex's migration lock is one row, which knex inserts after it found the lock table empty (knex#3538). Two
 * servers that both look before either inserts leave two rows, and then no migrator can take the lock: not
 * theirs, not any later server's. The moment between the look and the insert is set up here, not waited for.
 */
function firstStart(target: Target) {
  const LOCK = 'knex_migrations_lock'
  /** A database as a first server leaves it between knex's two statements: the tables made, no lock row yet. */
  async function halfStarted(rows: number) {
    const database = await freshDatabase('file', 'lock-race')
    const db = await openDatabase(database.location, [])
    await db.schema.dropTable(LOCK)
    await db.schema.createTable(LOCK, (table) => {
      table.increments('index').primary()
      table.integer('is_locked')
    })
    for (let i = 0; i < rows; i++) await db(LOCK).insert({ is_locked: 0 })
    await db.destroy()
    return database
  }
  const migrations = async () => (await loadStep(target.dir)).migrations

  test('two servers reaching the lock table at the same moment both start, and leave one lock row (knex#3538)', async () => {
    const database = await halfStarted(0)
    try {
      const opened = await Promise.allSettled([openDatabase(database.location, await migrations()), openDatabase(database.location, await migrations())])
      const failures = opened.flatMap((result) => (result.status === 'rejected' ? [String(result.reason?.message ?? result.reason)] : []))
      const dbs = opened.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []))
      const rows = dbs.length ? await dbs[0](LOCK).select('*') : []
      await Promise.all(dbs.map((db) => db.destroy()))
      assert.deepEqual(failures, [], `a server could not migrate: with two rows in ${LOCK}, no migrator can take the lock. Does lib/db.ts claim the lock row by its key before knex looks?`)
      assert.equal(rows.length, 1, `${LOCK} should hold exactly one row, it holds ${rows.length}`)
    } finally {
      await database.drop()
    }
  })

  test('a database that this race left with two lock rows starts again', async () => {
    const database = await halfStarted(2)
    try {
      const db = await openDatabase(database.location, await migrations()).catch((err) => assert.fail(`the server could not migrate: ${err.message}`))
      const rows = await db(LOCK).select('*')
      await db.destroy()
      assert.deepEqual(rows.map((row) => row.is_locked), [0], `one unlocked row should be left in ${LOCK}`)
    } finally {
      await database.drop()
    }
  })
}

function twoServers(target: Target) {
  const { label } = target
  // Registration and password checks are lib/users.ts, the same in every step: they are shown across servers
  // once, on the first step.
  const first = target === TARGETS[0]
  let pair: Pair
  before(async () => {
    pair = await startPair(target)
  })
  after(() => stopPair(pair))
  if (flavour() === 'solutions') readmeShellTests(target.name, () => pair.a)
  const revokes = target.number !== 2 && target.number !== 3 // steps 02 and 03 keep nothing to revoke

  /** A seeded account with two devices: the laptop logged in on A, the phone on B. */
  async function laptopOnAPhoneOnB(name: string) {
    const user = account(name)
    await pair.seed(user.email, user.password)
    const laptop = at(pair.a, 'laptop')
    const phone = at(pair.b, 'phone')
    expectStatus(await laptop.login(user.email, user.password), 200, `${name} logs in on A`)
    expectStatus(await phone.login(user.email, user.password), 200, `${name} logs in on B`)
    return { ...user, laptop, phone }
  }

  if (first) test(`${label}: both start together on one empty database; a user registered on A logs in on B, and B refuses the same email again`, async () => {
    const alice = account('alice')
    expectStatus(await at(pair.a, 'laptop').register(alice.email, alice.password), 201, 'POST /register on server A')
    const onB = at(pair.b, 'phone')
    expectStatus(await onB.login(alice.email, alice.password), 200, 'the user registered on A must log in on B at once')
    expectStatus(await onB.me(), 200)
    expectJsonError(await at(pair.b, 'someone').register(alice.email.toUpperCase(), 'another long password'), 409, 'B must see the email that A registered')
  })

  test(`${label}: ${first ? '' : 'both start together on one empty database; '}a login on A is a credential on B at the very next request`, async () => {
    const bob = account('bob')
    await pair.seed(bob.email, bob.password)
    const laptop = at(pair.a, 'laptop')
    expectStatus(await laptop.login(bob.email, bob.password), 200)
    expectStatus(await on(pair.b, laptop).me(), 200, 'the credential from A must work on B')
  })

  if (revokes) {
    test(`${label}: a logout on A is in force on B at the very next request`, async () => {
      const carol = account('carol')
      await pair.seed(carol.email, carol.password)
      const laptop = at(pair.a, 'laptop')
      expectStatus(await laptop.login(carol.email, carol.password), 200)
      const copy = on(pair.b, laptop)
      expectStatus(await laptop.logout(), 204)
      if (target.refresh) expectJsonError(await copy.refresh(), 401, 'B must refuse the refresh token that a logout on A revoked')
      if (target.number !== 4) expectJsonError(await copy.me(), 401, 'B must refuse the credential that a logout on A ended: no server may trust its own memory')
    })

    test(`${label}: logout-all on B ends the device logged in on A, on both servers`, async () => {
      const dave = await laptopOnAPhoneOnB('dave')
      const { laptop, phone } = dave
      expectStatus(await phone.logoutAll(), 204)
      for (const device of [laptop, on(pair.b, laptop)]) {
        if (target.refresh) expectJsonError(await device.refresh(), 401, `${device.url === pair.a.url ? 'A' : 'B'} must refuse a refresh token that logout-all on B ended`)
        else expectJsonError(await device.me(), 401, 'logout-all on B must end the session made on A')
      }
    })
  }

  test(`${label}: a password change on A holds on B${first ? ': the old password fails there, the new one works' : ''}${revokes ? ', and the other device is ended' : ''}`, async () => {
    const erin = await laptopOnAPhoneOnB('erin')
    const { laptop, phone } = erin
    const next = 'a brand new passphrase'
    assert.ok((await laptop.changePassword(erin.password, next)).status < 300, 'POST /password on A')
    if (first) {
      expectJsonError(await at(pair.b, 'x').login(erin.email, erin.password), 401, 'B must refuse the old password at once')
      expectStatus(await at(pair.b, 'y').login(erin.email, next), 200, 'B must accept the new password at once')
    }
    if (revokes) {
      if (target.refresh) expectJsonError(await phone.refresh(), 401, "the phone's refresh token must be dead on B after a password change on A")
      else expectJsonError(await phone.me(), 401, "the phone's session must be ended on B after a password change on A")
      expectStatus(await on(pair.b, laptop).me(), 200, 'the caller stays logged in, on either server')
    }
  })

  if (target.number === 5) {
    test(`${label}: a refresh token used on A and replayed on B is refused there as reuse`, async () => {
      const frank = account('frank')
      await pair.seed(frank.email, frank.password)
      const laptop = at(pair.a, 'laptop')
      expectStatus(await laptop.login(frank.email, frank.password), 200)
      const thief = on(pair.b, laptop)
      expectStatus(await laptop.refresh(), 200, 'the owner refreshes on A')
      expectJsonError(await thief.refresh(), 401, 'B must know that A consumed this refresh token')
      expectJsonError(await laptop.refresh(), 401, "reuse detected on B ends the owner's family on A too")
    })

    test(`${label}: one refresh token raced ${RACERS} times across both servers: exactly one winner`, async () => {
      const grace = account('grace')
      await pair.seed(grace.email, grace.password)
      const device = at(pair.a, 'device')
      expectStatus(await device.login(grace.email, grace.password), 200)
      const replies = await Promise.all(Array.from({ length: RACERS }, (_, i) => on(i % 2 ? pair.b : pair.a, device).refresh()))
      expectNoServerError(replies, 'racing refreshes')
      const winners = replies.filter((reply) => reply.status === 200).length
      assert.equal(winners, 1, `one refresh token, one new pair, whichever server each request hit; got ${replies.map((reply) => reply.status).join(', ')}`)
    })
  }

  if (target.number === 7) {
    test(`${label}: both servers publish the same JWKS, and a token minted by either verifies at the reports service`, async (t) => {
      const jwksA = await at(pair.a, 'a service').get('/.well-known/jwks.json')
      const jwksB = await at(pair.b, 'a service').get('/.well-known/jwks.json')
      expectStatus(jwksA, 200)
      assert.deepEqual(jwksB.body, jwksA.body, 'one SIGNING_KEYS, one JWKS: a service may fetch it from either server')
      const service = await startService(t, { dir: target.dir, issuer: pair.issuer!, clock: systemClock })
      const ivan = await laptopOnAPhoneOnB('ivan')
      const id = String((await ivan.laptop.me()).body.user.id)
      for (const [device, server] of [[ivan.laptop, 'A'], [ivan.phone, 'B']] as const) {
        const minted = await device.post('/token', { audience: 'reports' })
        expectStatus(minted, 200, `POST /token on ${server}`)
        const reply = await service.caller(minted.body.token).me()
        expectStatus(reply, 200, `a token minted by ${server} must verify at the service: both servers are one issuer`)
        assert.equal(reply.body.user.id, id)
      }
    })
  }

  if (target.number >= 6) {
    test(`${label}: a device ended on A with DELETE /sessions/:id is refused on B`, async () => {
      const heidi = await laptopOnAPhoneOnB('heidi')
      const { laptop, phone } = heidi
      const list = await laptop.get('/sessions')
      const other = list.body.sessions.find((session: { current: boolean }) => !session.current)
      expectStatus(await laptop.delete(`/sessions/${other.id}`), 204)
      expectJsonError(await phone.me(), 401, 'B must refuse the session that A ended')
    })
  }

  test(`${label}: load spread over both servers: no 5xx, no SQLITE_BUSY, and no lost write`, async () => {
    const people = Array.from({ length: PEOPLE }, (_, i) => ({ ...account(`load${i}-`), i }))
    await Promise.all(people.map((person) => pair.seed(person.email, person.password)))
    const split = (i: number) => (i % 2 ? pair.b : pair.a)
    const laptops = people.map((person) => at(split(person.i), `laptop ${person.i}`))
    const phones = people.map((person) => at(split(person.i + 1), `phone ${person.i}`))
    const logins = await Promise.all(people.flatMap((person, i) => [laptops[i].login(person.email, person.password), phones[i].login(person.email, person.password)]))
    expectNoServerError(logins, 'parallel logins on both servers')
    for (const reply of logins) expectStatus(reply, 200, 'every login succeeds')
    const crossed = (device: Device, i: number) => on(split(i + 1), device)
    const mixed = await Promise.all(
      people.flatMap((person, i) => [
        crossed(laptops[i], person.i).me(),
        crossed(phones[i], person.i + 1).me(),
        ...(target.refresh ? [phones[i].refresh()] : []),
        at(split(i), `tablet ${i}`).login(person.email, person.password),
      ]),
    )
    expectNoServerError(mixed, 'requests, refreshes and logins on both servers at once')
    for (const reply of mixed) expectStatus(reply, 200, 'each request of the mix succeeds')
    if (target.cookies) {
      // Three logins each (laptop, phone, tablet), half of them on each server: three rows each, none lost.
      const rows = await pair.db('sessions').join('users', 'users.id', 'sessions.user_id').whereIn('users.email', people.map((p) => p.email)).count({ n: '*' })
      assert.equal(Number(rows[0].n), 3 * PEOPLE, 'every login on either server wrote its session row')
    }
    if (target.number === 4 || target.number === 5) {
      // Logout-all bumps refresh_token_version with an atomic increment: bumps on both servers at once all count.
      const bumper = people[0]
      const devices = await Promise.all(Array.from({ length: 6 }, async (_, i) => {
        const device = at(split(i), `bumper ${i}`)
        expectStatus(await device.login(bumper.email, bumper.password), 200)
        return device
      }))
      const bumps = await Promise.all(devices.map((device) => device.logoutAll()))
      expectNoServerError(bumps, 'parallel logout-alls')
      const done = bumps.filter((reply) => reply.status === 204).length
      const row = await pair.db('users').where({ email: bumper.email }).first()
      assert.equal(row.refresh_token_version, done, `${done} logout-alls answered 204 across both servers, so the version must have gone up ${done} times`)
      assert.ok(done >= 1, 'at least the first logout-all succeeds')
    }
  })

  if (target.number === 2) {
    // JWT's real advantage: verifying a token needs the secret, not the database. A service that shares nothing
    // else (another team's API, another region) checks it with the step's own verifyAccessToken and no query.
    let service: { server: Server; url: string } | undefined
    const startService = async () => {
      const tokens = await import(join(target.dir, 'tokens.ts'))
      const secrets = { access: createSecretKey(decodeKey(TEST_SECRETS.ACCESS_TOKEN_SECRET)!), refresh: createSecretKey(decodeKey(TEST_SECRETS.REFRESH_TOKEN_SECRET)!) }
      const deps = { secrets, clock: systemClock } as unknown as AppDeps // no db: this service has none
      const server = createServer((req, res) => {
        try {
          const claims = tokens.verifyAccessToken(deps, String(req.headers.authorization ?? '').replace(/^Bearer /i, ''))
          res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ sub: claims.sub }))
        } catch {
          res.writeHead(401, { 'Content-Type': 'application/json' }).end(JSON.stringify({ error: 'Not a valid access token.' }))
        }
      })
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
      return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }
    }
    after(() => service?.server.close())

    test(`${label}: a service that shares nothing but the secret, and has no database, accepts a token from A (JWT's real advantage)`, async () => {
      service ??= await startService()
      const ivan = account('ivan')
      await pair.seed(ivan.email, ivan.password)
      const laptop = at(pair.a, 'laptop')
      const login = await laptop.login(ivan.email, ivan.password)
      expectStatus(login, 200)
      const reply = await on(service, laptop).get('/')
      expectStatus(reply, 200, 'the signature alone proves who sent the token: no session store, no query')
      assert.equal(reply.body.sub, (await laptop.me()).body.user.id, 'the service knows the user id without asking anyone')
    })

    test(`${label}: ...and beside it the gap: after a password change on A, that service still accepts the old token (it cannot know)`, async () => {
      service ??= await startService()
      const judy = account('judy')
      await pair.seed(judy.email, judy.password)
      const stolen = at(pair.a, 'stolen laptop')
      expectStatus(await stolen.login(judy.email, judy.password), 200)
      const owner = at(pair.b, 'owner')
      expectStatus(await owner.login(judy.email, judy.password), 200)
      expectStatus(await owner.changePassword(judy.password, 'a brand new passphrase'), 204)
      expectStatus(await on(service, stolen).get('/'), 200, 'nothing reached the service: the old token works until it expires')
      expectStatus(await on(pair.b, stolen).me(), 200, 'step 02 itself has the same gap on every server: the token lives 7 days')
    })
  }

  test(`${label}: a restarted server keeps users, sessions, versions and revocations, and SIGTERM exits 0 both times`, async () => {
    // Alice's account goes straight into the database: a restart must find what no server wrote.
    const alice = account('alice')
    await pair.seed(alice.email, alice.password)
    const bob = account('Bob')

    // Before the restart, on A: a registration, two devices, a refresh, a logout.
    expectStatus(await at(pair.a, 'someone').register(` ${bob.email}`, bob.password), 201, 'POST /register')
    const laptop = at(pair.a, 'laptop')
    const phone = at(pair.a, 'phone')
    expectStatus(await laptop.login(alice.email, alice.password), 200)
    expectStatus(await phone.login(alice.email, alice.password), 200)
    const usedRefreshToken = phone.refreshToken
    if (target.refresh) expectStatus(await phone.refresh(), 200, 'POST /refresh before the restart')
    expectStatus(await laptop.logout(), 204, 'POST /logout before the restart')
    expectCleanExit(await pair.restartA(), 'server A')

    // After it: the same database, the same secrets, a new process.
    for (const device of [laptop, phone]) Object.assign(device, { url: pair.a.url })
    expectStatus(await at(pair.a, 'alice again').login(alice.email, alice.password), 200, 'alice can still log in after a restart')
    expectStatus(await phone.me(), 200, "the phone's credential survives a restart")
    if (target.cookies || target.number === 5) {
      expectJsonError(await laptop.me(), 401, 'a logged-out session or a revoked access token must stay dead after a restart')
    }
    if (target.number === 3) expectStatus(await phone.refresh(), 200, "the phone's refresh token still works after a restart")
    if (target.number === 4) {
      expectJsonError(await phone.refresh(), 401, 'the bumped refresh_token_version must survive a restart')
      expectJsonError(await laptop.refresh(), 401, 'the bumped refresh_token_version must survive a restart')
    }
    if (target.number === 5) {
      expectJsonError(await laptop.refresh(), 401, "the laptop's revoked refresh token must stay revoked after a restart")
      expectStatus(await phone.refresh(), 200, "the phone's current refresh token still works after a restart")
      const replay = phone.copy('a thief replaying')
      replay.refreshToken = usedRefreshToken
      expectJsonError(await replay.refresh(), 401, 'a consumed refresh token must stay consumed after a restart')
    }
    expectCleanExit(await pair.a.stop('SIGTERM'), 'the restarted server A')
    const emails = await pair.db('users').whereIn('email', [alice.email, bob.email.toLowerCase()]).orderBy('email').pluck('email')
    assert.deepEqual(emails, [alice.email, bob.email.toLowerCase()].sort(), 'both users are in the database')
  })
}
