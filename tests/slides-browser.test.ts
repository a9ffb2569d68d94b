/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// Renders every slide of the built deck in headless Chromium and fails on a blank, clipped or overflowing one.
// Run: node --import tsx/esm --test tests/slides-browser.test.ts
// Needs Chromium (tests/harness/browser.ts): without one it is skipped with the reason, except under CI=true,
// where it fails. SLIDES_SCREENSHOTS=/some/dir also saves a PNG of every slide.
import assert from 'node:assert/strict'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { after, before, describe, test } from 'node:test'
import type { Browser, Page } from 'puppeteer-core'
import { ROOT } from '../lib/steps.ts'
import { launchBrowser, skipWithoutBrowser } from './harness/browser.ts'
import { buildDeck } from './harness/deck.ts'

const HTML = join(ROOT, 'slides', 'dist', 'index.html')

/** What one slide looks like once rendered: measured inside the page, in CSS pixels of the 1280×720 slide. */
interface Measure {
  title: string
  text: string
  scroll: { width: number; height: number; clientWidth: number; clientHeight: number }
  outside: string[] // elements that stick out of the slide's content box (into its padding, or beyond)
  brokenImages: string[]
  images: number
  wideCode: string[]
}

function measureActiveSlide(): Measure {
  const section = document.querySelector('svg.bespoke-marp-active section') as HTMLElement
  const box = section.getBoundingClientRect()
  const style = getComputedStyle(section)
  const inner = {
    top: box.top + parseFloat(style.paddingTop) - 1,
    left: box.left + parseFloat(style.paddingLeft) - 1,
    bottom: box.bottom - parseFloat(style.paddingBottom) + 1,
    right: box.right - parseFloat(style.paddingRight) + 1,
  }
  const describe = (el: Element) => `<${el.tagName.toLowerCase()}> "${(el.textContent || el.getAttribute('src') || '').trim().slice(0, 50)}"`
  const outside = [...section.querySelectorAll('h1, h2, h3, h4, h5, h6, p, li, pre, table, img, blockquote')]
    .filter((el) => {
      const r = el.getBoundingClientRect()
      return r.width > 0 && (r.top < inner.top || r.left < inner.left || r.bottom > inner.bottom || r.right > inner.right)
    })
    .map(describe)
  const images = [...section.querySelectorAll('img')]
  return {
    title: (section.querySelector('h1, h2, h6')?.textContent || images[0]?.alt || '').trim(),
    text: section.innerText.trim(),
    scroll: { width: section.scrollWidth, height: section.scrollHeight, clientWidth: section.clientWidth, clientHeight: section.clientHeight },
    outside,
    brokenImages: images.filter((img) => !img.complete || img.naturalWidth === 0).map((img) => img.getAttribute('src') || ''),
    images: images.length,
    wideCode: [...section.querySelectorAll('pre')]
      .filter((pre) => pre.scrollWidth > pre.clientWidth + 1)
      .map((pre) => (pre.textContent || '').split('\n').reduce((a, b) => (b.length > a.length ? b : a)).trim()),
  }
}

describe('the slide deck in a browser', { skip: skipWithoutBrowser }, () => {
  let browser: Browser
  let page: Page
  let count = 0
  const shots = process.env.SLIDES_SCREENSHOTS

  before(async () => {
    browser = await launchBrowser() // first: without a browser (under CI=true) nothing is built for nothing
    // The build tests/slides.test.ts made, when the runner loads both suites into one process.
    const build = await buildDeck()
    assert.equal(build.status, 0, `npm run slides failed:\n${build.output}`)
    page = await browser.newPage()
    // tsx compiles this file with esbuild, which wraps named functions in a __name() helper; functions
    // sent to the page need it there too.
    await page.evaluateOnNewDocument('globalThis.__name = (fn) => fn')
    // The slide's own size, so one CSS pixel of the slide is one pixel of the screenshot.
    await page.setViewport({ width: 1280, height: 720 })
    await page.goto(pathToFileURL(HTML).href, { waitUntil: 'load' })
    count = await page.$$eval('svg.bespoke-marp-slide', (slides) => slides.length)
    if (shots) {
      mkdirSync(shots, { recursive: true })
      // The viewer's floating buttons would cover part of every screenshot.
      await page.addStyleTag({ content: '.bespoke-marp-osc { display: none !important; }' })
    }
  })

  after(async () => {
    await browser?.close()
  })

  test('every slide has something to show, and nothing clipped or overflowing', async () => {
    assert.ok(count > 10, `slides/dist/index.html shows ${count} slides: did the build read slides/deck.md?`)
    const problems: string[] = []
    for (let number = 1; number <= count; number++) {
      // The viewer shows one slide at a time; its URL hash is the slide number.
      await page.evaluate((n) => (location.hash = `#${n}`), number)
      await page.waitForFunction((n) => document.querySelectorAll('svg.bespoke-marp-slide')[n - 1]?.classList.contains('bespoke-marp-active'), {}, number)
      await page.evaluate(() => Promise.all([...document.querySelectorAll('img')].map((img) => img.decode().catch(() => undefined))))
      const m = await page.evaluate(measureActiveSlide)
      if (shots) await page.screenshot({ path: join(shots, `slide-${String(number).padStart(2, '0')}.png`) })
      const slide = `slide ${number} ("${m.title}")`
      if (!m.text && m.images === 0) problems.push(`${slide} is blank: give it text or an image`)
      for (const src of m.brokenImages) problems.push(`${slide} shows ${src}, which did not load: check the path in slides/deck.md`)
      if (m.scroll.height > m.scroll.clientHeight + 1 || m.scroll.width > m.scroll.clientWidth + 1) {
        problems.push(`${slide} overflows: its content is ${m.scroll.width}×${m.scroll.height} px on a ${m.scroll.clientWidth}×${m.scroll.clientHeight} slide; shorten it or split it`)
      }
      for (const el of m.outside) problems.push(`${slide} is clipped: ${el} reaches past the slide's margins; shorten it or split the slide`)
      for (const line of m.wideCode) problems.push(`${slide} has code wider than its box; break lines such as: ${line}`)
    }
    assert.deepEqual(problems, [], `Fix these slides in slides/deck.md:\n${problems.join('\n')}`)
  })
})
