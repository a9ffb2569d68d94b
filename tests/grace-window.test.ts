// Strict rotation (step 05) against a grace window (scripts/bench/grace-window, a variant, not a step), side by
// side with the test clock: what each policy does to one device that refreshes N times at once (two tabs, a
// retry after a lost answer), and to a thief who replays a refresh token the owner has just used. The same
// numbers are the table of steps/step-05-blacklist/README.md → "Strict rotation, or a grace window?", and the
// last test checks that the table says what this suite measures.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, test, type TestContext } from 'node:test'
import { SECOND } from '../lib/clock.ts'
import { ROOT, stepDir } from '../lib/steps.ts'
import { GRACE_WINDOW } from '../scripts/bench/grace-window/routes.ts'
import { startApp } from './harness/app.ts'
import { expectStatus } from './harness/expect.ts'
import { signUp } from './harness/users.ts'

const STEP = 'step-05-blacklist'
const POLICIES = {
  strict: stepDir(STEP, 'solutions'),
  grace: join(ROOT, 'scripts', 'bench', 'grace-window'),
}
type Policy = keyof typeof POLICIES

/** How many refreshes of one device race, and how many times the thief replays. */
const RACERS = 10
const REPLAYS = 3

interface Measured {
  /** Of RACERS concurrent refreshes with one refresh token, how many were refused: each one is "reuse". */
  racersRefused: number
  /** Of the RACERS tabs, how many are signed in afterwards (GET /me 200, with the pair each one got, or kept). */
  tabsSignedIn: number
  /** Of REPLAYS replays of the owner's used refresh token, inside the window, how many got a new pair. */
  replaysAccepted: number
  /** After those replays, is the owner still signed in? If so, nothing detected the theft. */
  ownerSignedInAfterReplays: boolean
  /** One more replay, after the window: refused? */
  replayAfterWindowRefused: boolean
}

async function measure(t: TestContext, policy: Policy): Promise<Measured> {
  const app = await startApp(t, STEP, { dir: POLICIES[policy] })

  // One device, N tabs, one refresh token in their shared storage, all refreshing at the same instant.
  const { device } = await signUp(app, 'alice', 'browser')
  const tabs = Array.from({ length: RACERS }, (_, i) => device.copy(`tab ${i + 1}`))
  const raced = await Promise.all(tabs.map((tab) => tab.refresh()))
  const signedIn = await Promise.all(tabs.map((tab) => tab.me()))

  // A thief holds a copy of bob's refresh token. Bob refreshes (using it up); the thief replays it, 2 s later.
  const bob = (await signUp(app, 'bob')).device
  const stolen = bob.copy('thief')
  app.clock.advance(SECOND)
  expectStatus(await bob.refresh(), 200, 'the owner refreshes first: the stolen refresh token is used up')
  app.clock.advance(2 * SECOND)
  const replays = []
  for (let i = 0; i < REPLAYS; i++) replays.push(await stolen.copy(`thief, replay ${i + 1}`).refresh())
  const owner = await bob.me()
  app.clock.advance(GRACE_WINDOW)
  const late = await stolen.copy('thief, after the window').refresh()

  return {
    racersRefused: raced.filter((reply) => reply.status === 401).length,
    tabsSignedIn: signedIn.filter((reply) => reply.status === 200).length,
    replaysAccepted: replays.filter((reply) => reply.status === 200).length,
    ownerSignedInAfterReplays: owner.status === 200,
    replayAfterWindowRefused: late.status === 401,
  }
}

describe(`strict rotation against a grace window of ${GRACE_WINDOW / SECOND} s: ${RACERS} concurrent refreshes by one device, ${REPLAYS} replays by a thief`, () => {
  test(`strict rotation (step 05): ${RACERS - 1} of ${RACERS} concurrent refreshes count as reuse and log the device out; the thief's replays: 0 accepted, and the theft ends the login`, async (t) => {
    const measured = await measure(t, 'strict')
    assert.deepEqual(measured, {
      racersRefused: RACERS - 1,
      tabsSignedIn: 0,
      replaysAccepted: 0,
      ownerSignedInAfterReplays: false,
      replayAfterWindowRefused: true,
    }, 'strict rotation: one racer wins, the others present a used token, which is reuse: the login ends, the winner included; a replay is refused and ends the login, the owner with the thief')
  })

  test(`a grace window: 0 of ${RACERS} concurrent refreshes log the device out; the thief's replays inside the window: ${REPLAYS} of ${REPLAYS} accepted, and nothing detects them`, async (t) => {
    const measured = await measure(t, 'grace')
    assert.deepEqual(measured, {
      racersRefused: 0,
      tabsSignedIn: RACERS,
      replaysAccepted: REPLAYS,
      ownerSignedInAfterReplays: true,
      replayAfterWindowRefused: true,
    }, 'a grace window: every racer inside the window gets a pair; so does every replay inside it, and the owner never learns; after the window a replay is reuse again')
  })

  test("step 05's README table says what this suite measures", async (t) => {
    const readme = readFileSync(join(ROOT, 'steps', STEP, 'README.md'), 'utf8')
    const row = (label: string) => readme.split('\n').find((line) => line.startsWith(`| ${label}`)) ?? ''
    const strict = row('strict rotation')
    const grace = row('grace window')
    assert.ok(strict && grace, 'steps/step-05-blacklist/README.md has a table with a "strict rotation" row and a "grace window" row')
    for (const [line, measured] of [[strict, await measure(t, 'strict')], [grace, await measure(t, 'grace')]] as const) {
      const cells = line.split('|').map((cell) => cell.trim())
      assert.equal(cells[2], `${measured.racersRefused} of ${RACERS}`, `${line}: the racers refused`)
      assert.equal(cells[3], `${measured.tabsSignedIn} of ${RACERS}`, `${line}: the tabs still signed in`)
      assert.equal(cells[4], `${measured.replaysAccepted} of ${REPLAYS}`, `${line}: the replays accepted`)
    }
  })
})
