/// <reference lib="dom" />
// What a script running in the app's page (an XSS, a compromised dependency) can read and carry away: it
// logs in through the page as its user would, then reads what the page keeps, as any script there can.
import assert from 'node:assert/strict'
import type { Page } from 'puppeteer-core'
import { launchBrowser, skipWithoutBrowser } from './browser.ts'

/**
 * The browser gap tests are part of the whole `npm test` (and CI); the per-step loop stays fast without them.
 * `npm test` sets WORKSHOP_BROWSER_GAPS=1 where it runs them. Read when a suite declares its tests, so that one
 * process can load a suite for a solution (with them) and for a starter (without).
 */
export const skipUnlessBrowserGaps = (): string | false =>
  skipWithoutBrowser ||
  (process.env.WORKSHOP_BROWSER_GAPS === '1' ? false : 'checked in a real browser by the whole `npm test`, not by the per-step loop')

export interface Loot {
  /** Every JWT-shaped string the script found in localStorage, sessionStorage and document.cookie. */
  tokens: string[]
  /** What document.cookie showed it. */
  cookie: string
}

/** The kind a token's header says it is: `access+jwt`, `refresh+jwt`, or whatever else. */
export function tokenType(token: string): string {
  return String(JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString()).typ ?? '')
}

async function click(page: Page, name: string) {
  const before = await page.evaluate(() => Number(document.body.dataset.actions ?? 0))
  const button = await page.$(`::-p-aria([name="${name}"][role="button"])`)
  assert.ok(button, `the page has no button named "${name}" (README.md → "The app in a browser")`)
  await button.click()
  await page.waitForFunction((n) => Number(document.body.dataset.actions ?? 0) > n, { polling: 'mutation' }, before)
}

async function fill(page: Page, label: string, value: string) {
  const input = await page.$(`::-p-aria([name="${label}"][role="textbox"])`)
  assert.ok(input, `the page has no field labelled "${label}" (README.md → "The app in a browser")`)
  await input.evaluate((el, text) => {
    ;(el as HTMLInputElement).value = text
    el.dispatchEvent(new Event('input', { bubbles: true }))
  }, value)
}

/** Registers and logs in through the page at `url`, then runs the thief's script in it. */
export async function stealFromThePage(url: string, email: string, password: string): Promise<Loot> {
  const browser = await launchBrowser()
  try {
    const page = await browser.newPage()
    await page.goto(`${url}/`, { waitUntil: 'load' })
    await page.waitForSelector('body[data-ready]')
    await fill(page, 'Email', email)
    await fill(page, 'Password', password)
    await click(page, 'Register')
    await click(page, 'Log in')
    const status = await page.$eval('[role="status"]', (el) => (el.textContent ?? '').trim())
    assert.match(status, /signed in/i, `the page should say who is signed in after Log in; it says "${status}"`)
    // The thief's script: everything the page keeps where a script can read it.
    return await page.evaluate(() => {
      const kept: string[] = [document.cookie]
      for (const store of [localStorage, sessionStorage]) {
        for (let i = 0; i < store.length; i++) kept.push(store.getItem(store.key(i)!) ?? '')
      }
      return { tokens: [...new Set(kept.join(' ').match(/[\w-]{10,}\.[\w-]{10,}\.[\w-]{10,}/g) ?? [])], cookie: document.cookie }
    })
  } finally {
    await browser.close()
  }
}
