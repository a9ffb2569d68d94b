/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// The app in a browser (README.md → "The app in a browser"): every step's page driven in headless Chromium through its
// labels and buttons only, as a person would use it, with two devices side by side: the laptop at
// http://localhost:PORT and the phone at http://127.0.0.1:PORT, which keep separate cookies and storage.
//
// Run: npm test -- browser [step-04] [--solution]   (or: node --import tsx/esm --test tests/browser.test.ts)
// Needs Chromium (tests/harness/browser.ts): without one it is skipped with the reason, except under CI=true.
// SCREENSHOTS=1 (npm run screenshots) also saves the laptop and the phone side by side into slides/images/page/,
// for the deck and the READMEs; without it the suite writes nothing, so a plain `npm test` leaves the repo clean.
import assert from 'node:assert/strict'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { after, afterEach, before, beforeEach, describe, test } from 'node:test'
import type { Browser, BrowserContext, ElementHandle, HTTPRequest, Page } from 'puppeteer-core'
import { ROOT } from '../lib/steps.ts'
import { startService, type TestService } from './harness/service.ts'
import { startApp, type TestApp } from './harness/app.ts'
import { flavour, targets, type Target } from './harness/attacks/targets.ts'
import { launchBrowser, skipWithoutBrowser } from './harness/browser.ts'

const TARGETS = targets()
const SHOTS = process.env.SCREENSHOTS ? join(ROOT, 'slides', 'images', 'page') : undefined
const PASSWORD = 'correct horse battery staple'
const MINUTES = 60_000
const BUTTONS = ['Register', 'Log in', 'Who am I?', 'Log out', 'Log out everywhere', 'Change password']

let browser: Browser

/** One window of the browser: a device at one origin, used only through the page's labels and buttons. */
class Window {
  /** Every request the page made, as `METHOD url`. */
  readonly requests: string[] = []

  private constructor(
    readonly page: Page,
    readonly origin: string,
    readonly name: string,
  ) {}

  /** The window of `slot` (the laptop, the phone, or a second window of the laptop) at `origin`. */
  static async open(slot: Slot, origin: string, name: string): Promise<Window> {
    const window = new Window(await pooledPage(slot), origin, name)
    window.page.on('request', (request) => void window.requests.push(`${request.method()} ${request.url()}`))
    await window.load()
    return window
  }

  async load() {
    this.found.clear()
    const response = await this.page.goto(`${this.origin}/`, { waitUntil: 'load' })
    assert.equal(response?.status(), 200, `GET ${this.origin}/ answered ${response?.status()}: does lib/app.ts serve the page?`)
    await this.page.waitForSelector('body[data-ready]')
  }

  /** The form's fields and buttons stay put, so each is looked up once per load (an ARIA query is not cheap). */
  private found = new Map<string, ElementHandle>()

  private async element(selector: string, what: string) {
    const known = this.found.get(selector)
    if (known) return known
    const found = await this.page.$(selector)
    assert.ok(found, `the page has no ${what}: README.md → "The app in a browser" names it, and the tests find it by that name`)
    this.found.set(selector, found)
    return found
  }

  button(name: string) {
    return this.element(`::-p-aria([name="${name}"][role="button"])`, `button named "${name}"`)
  }

  /** Fills the field with that label (the keyboard test types key by key; here it would only be slow). */
  async fill(label: string, value: string) {
    const input = await this.element(`::-p-aria([name="${label}"][role="textbox"])`, `field labelled "${label}"`)
    await input.evaluate((el, text) => {
      ;(el as HTMLInputElement).value = text
      el.dispatchEvent(new Event('input', { bubbles: true }))
    }, value)
  }

  /** Clicks a button and waits until the page has finished what it started (it counts its actions). */
  async click(name: string) {
    const before = await this.actionsDone()
    await (await this.button(name)).click()
    await this.finished(before)
  }

  /** Waits until the page has finished more actions than `before`. */
  finished(before: number) {
    return this.page.waitForFunction((n) => Number(document.body.dataset.actions ?? 0) > n, { polling: 'mutation' }, before)
  }

  actionsDone() {
    return this.page.evaluate(() => Number(document.body.dataset.actions ?? 0))
  }

  status() {
    return this.page.$eval('[role="status"]', (el) => (el.textContent ?? '').trim())
  }

  text(selector: string) {
    return this.page.$eval(selector, (el) => (el as HTMLElement).innerText.trim())
  }

  async register(email: string) {
    await this.fill('Email', email)
    await this.fill('Password', PASSWORD)
    await this.click('Register')
    const status = await this.status()
    assert.match(status, /Registered/, `${this.name}: after Register the status should say so; it says: "${status}"`)
  }

  async logIn(email: string) {
    await this.fill('Email', email)
    await this.fill('Password', PASSWORD)
    await this.click('Log in')
    const status = await this.status()
    assert.ok(status.includes(`Signed in as ${email}`), `${this.name}: after Log in the status names the signed-in email; it says: "${status}"`)
  }

  /** Asserts who the page says is signed in, after asking the server (Who am I?). */
  async expectSignedIn(email: string, why: string) {
    await this.click('Who am I?')
    const status = await this.status()
    assert.ok(status.includes(email), `${this.name}: ${why}; expected the status to name ${email}, it says: "${status}"`)
  }

  async expectSignedOut(why: string) {
    await this.click('Who am I?')
    const status = await this.status()
    assert.doesNotMatch(status, /Signed in as/, `${this.name}: ${why}; the status says: "${status}"`)
    assert.match(await this.text('#who'), /nobody/, `${this.name}: ${why}; the page still shows someone signed in`)
  }

  /**
   * Nothing the page asked for went to another origin (README.md → "The app in a browser": nothing from the network), or was refused by the CSP;
   * `service`: step 07's reports service, the one other origin its page calls.
   */
  async assertStayedHome(service?: string) {
    const home = [this.origin, ...(service ? [new URL(service).origin] : [])]
    const away = this.requests.filter((line) => !home.some((origin) => line.split(' ')[1].startsWith(`${origin}/`)))
    assert.deepEqual(away, [], `${this.name}: the page made requests outside ${this.origin}`)
    const refused = await this.page.evaluate(() => (globalThis as any).refused as string[])
    assert.deepEqual(refused, [], `${this.name}: the page tried something its Content-Security-Policy refused (another origin, an inline script or style)`)
  }

  localStorage() {
    return this.page.evaluate(() => JSON.stringify({ ...localStorage }))
  }

  async screenshot() {
    await this.page.evaluate(() => window.scrollTo(0, 0))
    return this.page.screenshot({ encoding: 'base64' })
  }

  /** Hands the window back for the next test: no listener, no interception, no page, no cookie left. */
  async release() {
    this.page.removeAllListeners('request')
    await this.page.setRequestInterception(false)
    await this.page.goto('about:blank')
    const context = this.page.browserContext()
    await context.deleteCookie(...(await context.cookies()))
  }
}

type Slot = 'laptop' | 'phone' | 'second window'
const pool = new Map<Slot, Page>()

/**
 * A browser window takes a second or two to open on a busy machine, so each device's window opens once and
 * every test reuses it. Each test's app listens on a new port: a new origin, so empty storage and no lock held;
 * release() clears the cookies, which do not care about ports. The laptop and the phone each have a browser
 * context (their own cookies and storage, like two machines); the second window shares the laptop's.
 */
async function pooledPage(slot: Slot): Promise<Page> {
  const pooled = pool.get(slot)
  if (pooled) return pooled
  const context: BrowserContext = slot === 'second window' ? (await pooledPage('laptop')).browserContext() : await browser.createBrowserContext()
  // A window of its own, not a background tab: a hidden tab renders nothing, and a click there would wait forever.
  const page = await context.newPage({ type: 'window' })
  // tsx compiles this file with esbuild, which wraps named functions in __name(); functions sent to the page need it.
  await page.evaluateOnNewDocument('globalThis.__name = (fn) => fn')
  // What the Content-Security-Policy refused: a request it stops never shows up as a request.
  await page.evaluateOnNewDocument(
    "globalThis.refused = []; document.addEventListener('securitypolicyviolation', (e) => refused.push(e.violatedDirective + ' ' + e.blockedURI))",
  )
  await page.setViewport({ width: 560, height: 820 })
  pool.set(slot, page)
  return page
}

/** Laptop and phone side by side, as one PNG, when SCREENSHOTS is set: the deck and the README show it. */
async function sideBySide(target: Target, laptop: Window, phone: Window, caption: string) {
  if (!SHOTS) return
  mkdirSync(SHOTS, { recursive: true })
  const [left, right] = [await laptop.screenshot(), await phone.screenshot()]
  const page = await browser.newPage()
  try {
    await page.setViewport({ width: 1160, height: 900 })
    const figure = (png: string, title: string) =>
      `<figure><figcaption>${title}</figcaption><img src="data:image/png;base64,${png}" width="560" height="820"></figure>`
    await page.setContent(
      `<style>body{margin:0;padding:12px 14px;background:#2d333b;font:16px sans-serif;color:#fff}
      main{display:flex;gap:12px}figure{margin:0}figcaption{margin:0 0 6px}img{display:block;border-radius:4px}
      p{margin:10px 0 0}</style>
      <main>${figure(left, `laptop · ${laptop.origin}`)}${figure(right, `phone · ${phone.origin}`)}</main><p>${caption}</p>`,
    )
    await page.screenshot({ path: join(SHOTS, `${target.name}.png`), fullPage: true })
  } finally {
    await page.close()
  }
}

interface Scene {
  app: TestApp
  laptop: Window
  phone: Window
  target: Target
}

/** The step's own story, told with two devices; it returns the caption of the screenshot. */
const stories: Record<number, { name: string; run(scene: Scene): Promise<string> }> = {
  1: {
    name: 'step-01: logging out the laptop leaves the phone signed in (each device has its own session)',
    async run({ laptop, phone }) {
      await laptop.click('Log out')
      await laptop.expectSignedOut('the laptop logged out')
      await phone.expectSignedIn('alice@example.com', 'logging out the laptop deletes only its session row')
      return 'Step 01: the laptop logged out; the phone, with its own session cookie, is still signed in.'
    },
  },
  2: {
    name: 'step-02: Log out everywhere is impossible, and the page shows why; logging out the laptop leaves the phone signed in',
    async run({ laptop, phone }) {
      await laptop.click('Log out everywhere')
      assert.match(await laptop.status(), /impossible/i, 'step 02 answers 501 to logout-all, and the status shows its sentence')
      await laptop.click('Log out')
      await phone.expectSignedIn('alice@example.com', 'the phone keeps its own 7-day token')
      return 'Step 02: Log out everywhere is impossible (501); the laptop forgot its token, the phone still has its own.'
    },
  },
  3: {
    name: 'step-03: after 15 minutes the page refreshes the expired access token and retries, on the laptop and the phone',
    async run({ app, laptop, phone }) {
      app.clock.advance(16 * MINUTES)
      const from = laptop.requests.length
      await laptop.expectSignedIn('alice@example.com', 'an expired access token is refreshed, and Who am I? retried once')
      const path = (line: string) => `${line.split(' ')[0]} ${new URL(line.split(' ')[1]).pathname}`
      assert.deepEqual(laptop.requests.slice(from).map(path), ['GET /me', 'POST /refresh', 'GET /me'], 'GET /me got 401, then one refresh, then one retry')
      await phone.click('Refresh')
      assert.match(await phone.status(), /Refreshed[\s\S]*old refresh token still works/, 'Refresh gets a new pair, and the page says what step 03 does: the old refresh token still works')
      await laptop.click('Log out')
      await phone.expectSignedIn('alice@example.com', 'the phone refreshes on its own')
      return 'Step 03: fifteen minutes later both devices refreshed their access tokens; the laptop then logged out.'
    },
  },
  4: {
    name: "step-04: logging out the laptop signs the phone out at the phone's next refresh",
    async run({ app, laptop, phone }) {
      await laptop.click('Log out')
      await phone.expectSignedIn('alice@example.com', "the phone's access token lives on until it expires (step 04's gap)")
      app.clock.advance(16 * MINUTES)
      await phone.click('Who am I?')
      const status = await phone.status()
      assert.match(status, /Signed out/, `the phone's refresh is refused (the version was bumped) and the page signs out; it says: "${status}"`)
      assert.match(await phone.text('#who'), /nobody/, 'the page shows nobody signed in on the phone')
      assert.doesNotMatch(await phone.localStorage(), /eyJ/, 'the phone forgot its refused tokens')
      return "Step 04: the laptop logged out; at its next refresh the phone was refused (stale ver) and signed out."
    },
  },
  5: {
    name: 'step-05: logging out the laptop leaves the phone signed in, through its next refresh',
    async run({ app, laptop, phone }) {
      await laptop.click('Log out')
      await laptop.expectSignedOut('the laptop logged out')
      app.clock.advance(16 * MINUTES)
      await phone.expectSignedIn('alice@example.com', "logout ends the laptop's family only; the phone's refresh still works")
      return "Step 05: the laptop logged out (its family is on the blacklist); the phone refreshed and is still signed in."
    },
  },
  7: {
    name: 'step-07: Call the reports service: the page mints a token, calls the service on its own origin, and shows the header, the claims and the answer; the token stays in memory',
    async run({ app, laptop, phone }) {
      const connect = /connect-src ([^;]*)/.exec((await fetch(`${app.url}/`)).headers.get('content-security-policy') ?? '')?.[1] ?? ''
      assert.deepEqual(connect.split(' '), ["'self'", new URL(app.issuer.serviceUrl!).origin], `the CSP lets the page connect to its own origin and the service's, nothing else: connect-src ${connect}`)
      await laptop.click('Call the reports service')
      const id = String((await app.db('users').where({ email: 'alice@example.com' }).first()).id)
      assert.match(await laptop.status(), new RegExp(`reports service says you are user ${id}\\b`), 'the status gives the service\u2019s answer')
      const shown = await laptop.text('#service')
      assert.match(shown, /"typ": "at\+jwt"/, 'the page shows the token\u2019s header')
      assert.match(shown, /"aud": "reports"/, 'the page shows the token\u2019s claims')
      assert.match(shown, /"service": "reports"/, 'the page shows the service\u2019s answer')
      const token = laptop.requests.find((line) => line.includes('/me') && line.includes(new URL(app.issuer.serviceUrl!).port))
      assert.ok(token, `the page called the service at ${app.issuer.serviceUrl}/me: ${laptop.requests.join(', ')}`)
      assert.doesNotMatch(await laptop.localStorage(), /eyJ/, 'the token is kept in memory, never in localStorage')
      assert.equal(await laptop.page.evaluate(() => sessionStorage.length), 0, 'nor in sessionStorage')
      await phone.click('Call the reports service')
      assert.match(await phone.status(), /reports service says you are user/, 'the phone, on 127.0.0.1, may call the service too (CORS)')
      return 'Step 07: each device asked the app for a token and called the reports service with it; the service knew who was calling from the token alone.'
    },
  },
  6: {
    name: 'step-06: the laptop lists both devices, the current one marked, and ends the phone with End',
    async run({ laptop, phone }) {
      await laptop.click('Who am I?') // loads the device list
      const items = await laptop.page.$$eval('#devices li', (lis) => lis.map((li) => ({ current: li.getAttribute('aria-current') === 'true', text: li.textContent ?? '' })))
      assert.equal(items.length, 2, `the laptop's device list shows alice's two devices, it shows: ${JSON.stringify(items)}`)
      assert.equal(items.filter((item) => item.current).length, 1, 'exactly one device is marked as this one (aria-current)')
      const ends = await laptop.page.$$('::-p-aria([name="End"][role="button"])')
      assert.equal(ends.length, 1, 'every other device has a button named End, the current one none')
      await phone.expectSignedIn('alice@example.com', 'the phone is signed in before the laptop ends it')
      await laptop.click('End')
      assert.match(await laptop.status(), /Ended/, 'the status says the device was ended')
      assert.equal(await laptop.page.$$eval('#devices li', (lis) => lis.length), 1, 'the list now shows the laptop alone')
      await phone.expectSignedOut('the laptop ended the phone: its next request is refused')
      await laptop.expectSignedIn('alice@example.com', 'ending the phone leaves the laptop signed in')
      return 'Step 06: the laptop ended the phone from its device list; the phone\u2019s next request was refused.'
    },
  },
}

describe(`the page in a browser, against ${flavour()}/`, { skip: skipWithoutBrowser }, () => {
  before(async () => {
    browser = await launchBrowser()
  })
  after(async () => {
    pool.clear()
    await browser?.close()
  })

  if (TARGETS.length === 0) test(`${flavour()}/ has no step yet`, { skip: true })
  for (const target of TARGETS) describe(`the page of ${target.name}`, () => pageOf(target, target === TARGETS[0]))
})

/** The tests of one step's page; `first`: also what is the same page on every step (keyboard, CSP at work). */
function pageOf(target: Target, first: boolean) {
  const { label } = target
  let app: TestApp
  const windows: Window[] = []
  // The phone is 127.0.0.1, the laptop localhost: one server, two origins, two cookie jars and two storages.
  const phoneOrigin = () => app.url
  const laptopOrigin = () => app.url.replace('127.0.0.1', 'localhost')
  const open = async (origin: string, name: string, slot: Slot = origin === laptopOrigin() ? 'laptop' : 'phone') => {
    const window = await Window.open(slot, origin, name)
    windows.push(window)
    return window
  }

  // A fresh app for every test. Its clock starts at the browser's now: a cookie or a token that expired by the
  // browser's clock would otherwise be dropped at once. The tests then move it ahead by hand.
  let service: TestService | undefined
  beforeEach(async () => {
    app = await startApp(undefined, target.name, { dir: target.dir })
    app.clock.advance(Date.now() - app.clock.now())
    if (target.number === 7) {
      // Step 07: the reports service beside the app. The issuer is the laptop's origin (localhost), whose
      // 127.0.0.1 twin, the phone, the service's CORS lets in too.
      app.issuer.url = laptopOrigin()
      service = await startService(undefined, { dir: target.dir, issuer: app.issuer.url, clock: app.clock })
      app.issuer.serviceUrl = service.url
    }
  })
  afterEach(async () => {
    for (const window of windows.splice(0)) await window.release()
    await service?.close()
    service = undefined
    await app?.close()
  })

  test(`${label}: register, log in, who am I and log out, all through the page's labels and buttons`, async () => {
    const laptop = await open(laptopOrigin(), 'the laptop')
    for (const name of BUTTONS) await laptop.button(name)
    const refresh = await laptop.page.$('::-p-aria([name="Refresh"][role="button"])')
    assert.equal(!!refresh, target.refresh, target.refresh ? 'steps 03–05 have a Refresh button' : 'only steps 03–05 have a Refresh button')
    const statuses = await laptop.page.$$('[role="status"]')
    assert.equal(statuses.length, 1, 'the page needs exactly one element with role="status", which says the outcome of the last action')

    await laptop.register('alice@example.com')
    await laptop.fill('Password', 'not the password')
    await laptop.click('Log in')
    const refusal = (await app.device().request('POST', '/login', { body: { email: 'alice@example.com', password: 'x'.repeat(8) } })).error
    assert.equal(await laptop.status(), refusal, "a refused login shows the server's own sentence in the status")
    await laptop.logIn('alice@example.com')
    assert.match(await laptop.text('#who'), /alice@example\.com/, 'after Log in the page shows who is signed in')
    await laptop.expectSignedIn('alice@example.com', 'Who am I? asks the server with the credential login gave')
    await laptop.load()
    assert.match(await laptop.status(), /Signed in as alice@example\.com/, 'a reload keeps the device signed in')
    await laptop.click('Log out')
    assert.match(await laptop.status(), /Logged out/, 'after Log out the status says so')
    await laptop.expectSignedOut('after Log out the server no longer knows this device')
    await laptop.assertStayedHome()
  })

  if (target.cookies) {
    test(`${label}: the credential is an HttpOnly cookie that the page cannot read, and the page says so`, async () => {
      const laptop = await open(laptopOrigin(), 'the laptop')
      await laptop.register('carol@example.com')
      await laptop.logIn('carol@example.com')
      const cookies = await laptop.page.browserContext().cookies()
      const sid = cookies.find((cookie) => cookie.name === 'sid')
      assert.ok(sid?.httpOnly, 'the browser holds an HttpOnly sid cookie after Log in')
      assert.equal(await laptop.page.evaluate(() => document.cookie), '', 'document.cookie must not show the sid: it is HttpOnly')
      assert.ok(!(await laptop.localStorage()).includes(sid.value), 'the page must not copy the session id into localStorage')
      assert.match(await laptop.text('#credential'), /an HttpOnly cookie this page cannot read/, 'the page says where the credential is')
    })
  } else {
    test(`${label}: the tokens live in localStorage, and the page shows their header, claims and time left`, async () => {
      const laptop = await open(laptopOrigin(), 'the laptop')
      await laptop.register('carol@example.com')
      const sent: string[] = []
      laptop.page.on('request', (request) => void sent.push(request.headers().authorization ?? ''))
      await laptop.logIn('carol@example.com')
      await laptop.click('Who am I?')
      const bearer = sent.filter(Boolean).at(-1) ?? ''
      assert.match(bearer, /^Bearer /, 'Who am I? sends Authorization: Bearer <accessToken>')
      const accessToken = bearer.slice('Bearer '.length)
      assert.ok((await laptop.localStorage()).includes(accessToken), 'the access token the page sends must be the one kept in localStorage (README.md → "The app in a browser": steps 02–05 keep their tokens there)')
      assert.equal(await laptop.page.evaluate(() => sessionStorage.length), 0, 'the tokens belong in localStorage, shared by the tabs of this device, not in sessionStorage')
      const shown = await laptop.text('#credential')
      const claims = JSON.parse(Buffer.from(accessToken.split('.')[1], 'base64url').toString())
      assert.ok(shown.includes(`"sub": "${claims.sub}"`), `the page shows the decoded claims (sub ${claims.sub}):\n${shown}`)
      assert.match(shown, /"alg": "HS256"/, 'the page shows the decoded header')
      assert.match(shown, /expires in \d/, 'the page shows the time left before exp')
      if (target.refresh) assert.match(shown, /Refresh token/, 'the page shows the refresh token too')
    })
  }

  test(`${label}: the page's responses forbid inline script and framing and say nosniff; an unknown path is still the JSON 404`, async () => {
    const response = await fetch(`${app.url}/`)
    const html = await response.text()
    const csp = response.headers.get('content-security-policy') ?? ''
    assert.match(csp, /script-src 'self'(;|$)/, `scripts only from the app itself; the CSP is: ${csp}`)
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*/, `no inline script, no eval, no wildcard; the CSP is: ${csp}`)
    assert.match(csp, /frame-ancestors 'none'/, 'no other site may frame the page (clickjacking)')
    assert.equal(response.headers.get('x-content-type-options'), 'nosniff')
    assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/i, 'the HTML has a <script> without src: inline scripts are refused by the CSP, move it to lib/page/page.js')
    assert.doesNotMatch(html, /\son[a-z]+\s*=|javascript:/i, 'the HTML has an inline event handler or a javascript: URL; use addEventListener in lib/page/page.js')
    assert.doesNotMatch(html, /\b(?:src|href)=["']?(?:https?:)?\/\//i, 'the page loads nothing from another origin (no CDN)')
    for (const path of ['/page/page.js', '/page/page.css']) {
      const asset = await fetch(app.url + path)
      assert.equal(asset.status, 200, `GET ${path}`)
      assert.equal(asset.headers.get('x-content-type-options'), 'nosniff', `GET ${path} says nosniff`)
    }
    for (const path of ['/page/nope.js', '/nope', '/page/']) {
      const missing = await fetch(app.url + path)
      assert.equal(missing.status, 404, `GET ${path}`)
      assert.match(missing.headers.get('content-type') ?? '', /application\/json/, `GET ${path} answers JSON`)
      assert.match((await missing.json()).error, /Not found/, `GET ${path} answers the JSON 404`)
    }
  })

  test(stories[target.number]?.name ?? `${label}: (no story)`, async () => {
    const story = stories[target.number]
    assert.ok(story, `no browser story for step ${target.number}`)
    const laptop = await open(laptopOrigin(), 'the laptop')
    const phone = await open(phoneOrigin(), 'the phone')
    await laptop.register('alice@example.com')
    await laptop.logIn('alice@example.com')
    await phone.logIn('alice@example.com')
    const caption = await story.run({ app, laptop, phone, target })
    await sideBySide(target, laptop, phone, caption)
    await laptop.assertStayedHome(app.issuer.serviceUrl)
    await phone.assertStayedHome(app.issuer.serviceUrl)
  })

  if (target.refresh) {
    test(`${label}: two windows of one device refresh at the same moment and both stay signed in (the page takes turns with navigator.locks)`, async () => {
      const first = await open(laptopOrigin(), 'the first window')
      const second = await open(laptopOrigin(), 'the second window', 'second window')
      await first.register('dana@example.com')
      await first.logIn('dana@example.com')
      await second.expectSignedIn('dana@example.com', 'the second window shares the tokens in localStorage')
      app.clock.advance(16 * MINUTES) // both windows hold one expired access token and one refresh token

      // Hold the first POST /refresh until the other window is waiting too: for the lock, or (without one) with
      // its own POST /refresh of the same refresh token, which strict rotation counts as reuse.
      const refreshes: HTTPRequest[] = []
      let held: HTTPRequest | undefined
      for (const window of [first, second]) {
        await window.page.setRequestInterception(true)
        window.page.on('request', (request) => {
          if (request.method() === 'POST' && new URL(request.url()).pathname === '/refresh') {
            refreshes.push(request)
            if (!held) return void (held = request)
          }
          void request.continue()
        })
      }
      const before = await Promise.all([first.actionsDone(), second.actionsDone()])
      await Promise.all([first, second].map(async (window) => (await window.button('Who am I?')).click()))
      const waiting = () => first.page.evaluate(async () => ((await navigator.locks?.query())?.pending ?? []).length)
      for (let polls = 0; !(held && (refreshes.length > 1 || (await waiting()) > 0)); polls++) {
        assert.ok(polls < 3000, 'neither window got as far as refreshing: did Who am I? send GET /me and get 401?')
        await new Promise((resolve) => setTimeout(resolve, 10))
      }
      await held!.continue()
      await Promise.all([first.finished(before[0]), second.finished(before[1])])
      for (const window of [first, second]) {
        assert.match(await window.status(), /Signed in as dana/, `${window.name}: both windows must stay signed in; with strict rotation a second POST /refresh of one token logs the device out, so refresh under navigator.locks.request() and take the pair another window just got`)
      }
      assert.equal(refreshes.length, 1, 'one refresh for the device: the window that waited found the new pair in localStorage')
    })
  }

  if (first) {
    test('the keyboard alone registers and logs in (Tab, type, Enter), on any step', async () => {
      const laptop = await open(laptopOrigin(), 'the laptop')
      const { keyboard } = laptop.page
      const focused = () => laptop.page.evaluate(() => document.activeElement?.id ?? '')
      await keyboard.press('Tab')
      assert.equal(await focused(), 'email', 'the first Tab lands in Email')
      await keyboard.type('kim@example.com')
      await keyboard.press('Tab')
      assert.equal(await focused(), 'password', 'the next Tab lands in Password')
      await keyboard.type(PASSWORD)
      await keyboard.press('Tab') // New password
      await keyboard.press('Tab')
      assert.equal(await laptop.page.evaluate(() => document.activeElement?.textContent), 'Register', 'then New password, then the Register button')
      let before = await laptop.actionsDone()
      await keyboard.press('Enter')
      await laptop.finished(before)
      assert.match(await laptop.status(), /Registered kim@example\.com/, `Enter on the focused Register button registers; the status says: "${await laptop.status()}"`)
      await keyboard.down('Shift')
      await keyboard.press('Tab')
      await keyboard.press('Tab')
      await keyboard.up('Shift')
      before = await laptop.actionsDone()
      await keyboard.press('Enter') // in the Password field: submits the form, which is Log in
      await laptop.finished(before)
      assert.match(await laptop.status(), /Signed in as kim@example\.com/, `Enter in the Password field logs in; the status says: "${await laptop.status()}"`)
    })

    test('a script injected into the page does not run: the browser enforces the CSP, on any step', async () => {
      const laptop = await open(laptopOrigin(), 'the laptop')
      const ran = await laptop.page.evaluate(() => {
        const script = document.createElement('script')
        script.textContent = 'window.injected = true'
        document.body.append(script) // an inline script runs, or is refused, as it is inserted
        return (window as any).injected === true
      })
      assert.equal(ran, false, 'an inline script injected into the page ran: the Content-Security-Policy must refuse it')
    })
  }
}
