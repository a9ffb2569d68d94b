// Every browser check finds Chromium here and follows one rule (README.md → "The app in a browser"): without a browser it
// is skipped, with the reason and how to get one; under CI=true the same missing browser is a failure.
import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, BrowserContext } from 'puppeteer-core'
import { get } from 'node:http'
import { createRequire } from 'node:module'

/**
 * puppeteer-core, loaded when a browser check first needs it (never in the learner's loop, where the browser
 * checks are skipped), and through its CommonJS build: its ES modules are a few hundred files that tsx's loader
 * hooks resolve one by one, about 0.9 s of CPU under Node 20 here, against 0.35 s for require().
 */
const loadPuppeteer = () => createRequire(import.meta.url)('puppeteer-core') as typeof import('puppeteer-core')

const DEBIAN_PATHS = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome']
/**
 * Debian's chromium-headless-shell: the same Blink and V8 without the browser's window layer, made for automated
 * checks. The browser suite costs half the CPU in it (15-16 s against 22 s here, Chromium's own part 7 s against
 * 13-14 s). Used when it is installed beside a Chromium found above; a machine without Chromium has none.
 */
const HEADLESS_SHELL = '/usr/bin/chromium-headless-shell'

/** Where Chromium is, or why there is none. CHROME_PATH, when set, is the only place looked at. */
export function findChromium(env: NodeJS.ProcessEnv = process.env): { path: string } | { missing: string } {
  if (env.CHROME_PATH) {
    return existsSync(env.CHROME_PATH) ? { path: env.CHROME_PATH } : { missing: `CHROME_PATH=${env.CHROME_PATH} does not exist.` }
  }
  const path = DEBIAN_PATHS.find((candidate) => existsSync(candidate))
  if (!path) return { missing: `No Chromium found (looked at ${DEBIAN_PATHS.join(', ')}).` }
  return { path: existsSync(HEADLESS_SHELL) ? HEADLESS_SHELL : path }
}

/** The headless shell is started as one (puppeteer's 'shell' mode); a full Chromium in its new headless mode. */
const isHeadlessShell = (path: string) => /headless[-_]shell/.test(path)

export const HOW_TO_GET_ONE = 'Install it (Debian/Ubuntu: apt-get install -y chromium, and chromium-headless-shell beside it for checks at half the CPU) or set CHROME_PATH to a Chrome or Chromium.'

const found = findChromium()
export const CHROMIUM = 'path' in found ? found.path : undefined
const inCI = process.env.CI === 'true'

/**
 * The `skip` option for a browser suite: a sentence outside CI when there is no browser, else false. Under
 * CI the suite runs and `launchBrowser` fails it, so a missing browser never passes silently there.
 */
export const skipWithoutBrowser: string | false =
  'missing' in found && !inCI ? `needs a browser: ${found.missing} ${HOW_TO_GET_ONE} (Under CI=true this is a failure.)` : false

/**
 * Headless Chromium, offline and quiet, with a fresh profile that is removed on close. Under the whole
 * `npm test`, the Chromium that the runner started once for every suite (WORKSHOP_BROWSER_BROKER), seen
 * through browser contexts of this process's own: see sharedBrowser.
 */
export async function launchBrowser(): Promise<Browser> {
  assert.ok(CHROMIUM, `${'missing' in found ? found.missing : ''} ${HOW_TO_GET_ONE} CI must run the browser checks.`)
  if (process.env.WORKSHOP_BROWSER_BROKER) return sharedBrowser(process.env.WORKSHOP_BROWSER_BROKER)
  return startChromium()
}

/** A Chromium of this process's own (the broker's too). */
export async function startChromium(): Promise<Browser> {
  assert.ok(CHROMIUM, `${'missing' in found ? found.missing : ''} ${HOW_TO_GET_ONE} CI must run the browser checks.`)
  // Loaded here, not at the top: every step suite that declares a browser gap test imports this file.
  const puppeteer = loadPuppeteer()
  const profile = mkdtempSync(join(tmpdir(), 'workshop-chromium-'))
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: isHeadlessShell(CHROMIUM) ? 'shell' : true,
    args: [
      '--headless',
      '--no-sandbox', // as root (CI), Chromium refuses to start with its sandbox
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking', // no calls home: this machine's network is closed
      '--disable-component-update',
      '--disable-sync',
      // One renderer process for many sites, not one per site: site isolation defends a desktop browser against
      // Spectre-style reads across sites, which no check here is about; the same-origin policy, cookies and the
      // CSP behave the same. Each browser context still has its own cookies and storage. 2-4 s less CPU and a
      // quarter less wall for the browser suite here.
      '--disable-site-isolation-trials',
      '--disable-features=site-per-process,IsolateOrigins',
      `--user-data-dir=${profile}`,
    ],
  })
  // Chromium's helper processes may still be writing into the profile when the connection closes: retry, and
  // never let a leftover temporary folder throw out of an event handler (it would fail whichever test runs then).
  browser.once('disconnected', () => {
    try {
      rmSync(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 })
    } catch {}
  })
  return browser
}

/** Asks the runner's broker for its Chromium (started at the first question), and answers its DevTools address. */
function askBroker(broker: string): Promise<string> {
  return new Promise((resolve, reject) => {
    get(broker, (reply) => {
      let body = ''
      reply.setEncoding('utf8')
      reply.on('data', (chunk) => (body += chunk))
      reply.on('end', () => (reply.statusCode === 200 ? resolve(body) : reject(new Error(`the runner could not start Chromium: ${body}`))))
    }).on('error', reject)
  })
}

/**
 * The runner's one Chromium, as if this process had launched its own: every page and context it opens is in
 * a browser context of its own (separate cookies and storage, like a fresh profile), and close() closes
 * those and disconnects, leaving the browser to the other suites. A launch is about 1.3 s of CPU here, and
 * the whole run has a browser check in seven processes.
 */
async function sharedBrowser(broker: string): Promise<Browser> {
  const puppeteer = loadPuppeteer()
  const browser = await puppeteer.connect({ browserWSEndpoint: await askBroker(broker) })
  const mine: BrowserContext[] = []
  const create = browser.createBrowserContext.bind(browser)
  browser.createBrowserContext = async (options) => {
    const context = await create(options)
    mine.push(context)
    return context
  }
  let own: Promise<BrowserContext> | undefined
  browser.newPage = async (options) => (await (own ??= browser.createBrowserContext())).newPage(options)
  browser.close = async () => {
    await Promise.all(mine.map((context) => context.close().catch(() => {})))
    await browser.disconnect()
  }
  return browser
}
