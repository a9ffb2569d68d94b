// The deck: built with `npm run slides`, checked without a browser (tests/slides-browser.test.ts renders it).
// Run: node --import tsx/esm --test tests/slides.test.ts
import assert from 'node:assert/strict'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { before, describe, test } from 'node:test'
import { ROOT, STEPS } from '../lib/steps.ts'
import { buildDeck } from './harness/deck.ts'

const SLIDES = join(ROOT, 'slides')
const DIST = join(SLIDES, 'dist')
const deck = () => readFileSync(join(SLIDES, 'deck.md'), 'utf8')

let html = ''

/** Each slide of the built HTML: its number, its title (first heading or image alt) and its notes. */
function slides() {
  const sections = [...html.matchAll(/<section id="(\d+)"[\s\S]*?<\/section>/g)]
  return sections.map(([section, id]) => {
    const index = Number(id) - 1
    const heading = /<h[1-6][^>]*>([\s\S]*?)<\/h[1-6]>/.exec(section)?.[1] ?? /alt="([^"]*)"/.exec(section)?.[1] ?? ''
    const note = new RegExp(`<div class="bespoke-marp-note" data-index="${index}"[^>]*>([\\s\\S]*?)</div>`).exec(html)?.[1] ?? ''
    const text = (s: string) => s.replace(/<[^>]+>/g, '').trim()
    return { number: index + 1, title: text(heading), notes: text(note) }
  })
}

/** Every place an HTML, CSS or SVG text makes the browser fetch something. */
function loads(text: string): string[] {
  const found = [
    ...text.matchAll(/\b(?:src|href|xlink:href|poster|data)\s*=\s*["']?([^"'\s>]+)/gi),
    ...text.matchAll(/url\(\s*["']?([^"')]+)/gi),
    ...text.matchAll(/@import\s+["']([^"']+)/gi),
  ]
  return found.map((match) => match[1])
}

const isRemote = (url: string) => /^(https?:)?\/\//i.test(url)

describe('the slide deck', () => {
  before(async () => {
    const build = await buildDeck()
    assert.equal(build.status, 0, `npm run slides failed:\n${build.output}`)
    html = readFileSync(join(DIST, 'index.html'), 'utf8')
  })

  test('npm run slides builds slides/dist/index.html', () => {
    assert.ok(slides().length > 10, `slides/dist/index.html has ${slides().length} slides: did the build read slides/deck.md?`)
  })

  test('every step folder has a section whose id is the folder name', () => {
    const folders = ['steps', 'solutions'].flatMap((dir) =>
      existsSync(join(ROOT, dir)) ? readdirSync(join(ROOT, dir)).filter((name) => name.startsWith('step-')) : [],
    )
    for (const step of new Set([...STEPS, ...folders])) {
      assert.ok(
        html.includes(`id="${step}"`),
        `the deck has no section for ${step}: start its divider slide in slides/deck.md with the heading "###### ${step}"`,
      )
    }
  })

  test('every step has its diagram, named after the step folder', () => {
    for (const step of STEPS) {
      const image = `images/${step}.svg`
      assert.ok(existsSync(join(SLIDES, image)), `slides/${image} is missing: the step's README and its slide embed it`)
      assert.ok(deck().includes(`(${image})`), `slides/deck.md does not show slides/${image} on ${step}'s diagram slide`)
    }
  })

  test('every image the deck names exists', () => {
    const named = [...deck().matchAll(/!\[[^\]]*\]\(([^)\s]+)/g)].map((match) => match[1])
    assert.ok(named.length > 0, 'slides/deck.md names no images at all')
    for (const image of named) {
      assert.ok(existsSync(join(SLIDES, image)), `slides/deck.md shows ${image}, but slides/${image} does not exist`)
    }
    // The markup and styles, not the viewer's inline JavaScript, whose code would read as URLs here.
    const markup = html.replace(/<script[\s\S]*?<\/script>/g, '')
    for (const url of loads(markup).filter((url) => !isRemote(url) && !/^(data:|#|javascript:)/.test(url))) {
      assert.ok(existsSync(join(DIST, url)), `slides/dist/index.html loads ${url}, but slides/dist/${url} does not exist: does the build copy it?`)
    }
  })

  test('every slide has speaker notes', () => {
    for (const slide of slides()) {
      assert.ok(
        slide.notes.length > 20,
        `slide ${slide.number} ("${slide.title}") has no speaker notes: add a <!-- … --> comment to it in slides/deck.md`,
      )
    }
  })

  test('the HTML loads nothing remote', () => {
    const remote = loads(html).filter(isRemote)
    assert.deepEqual(remote, [], `slides/dist/index.html loads remote files; it must work offline:\n${remote.join('\n')}`)
  })

  test('the theme and the diagrams load nothing remote and use generic font families only', () => {
    const files = [
      'theme.css',
      'bench.svg',
      ...readdirSync(join(SLIDES, 'images'))
        .filter((name) => name.endsWith('.svg'))
        .map((name) => `images/${name}`),
    ]
    for (const file of files) {
      const text = readFileSync(join(SLIDES, file), 'utf8')
      const remote = loads(text).filter(isRemote)
      assert.deepEqual(remote, [], `slides/${file} loads remote files: ${remote.join(', ')}`)
      assert.doesNotMatch(text, /@font-face/, `slides/${file} declares a web font: use sans-serif or monospace`)
      for (const [, family] of text.matchAll(/font-family\s*[:=]\s*["']?([^;"'}]+)/g)) {
        assert.match(family.trim(), /^(sans-serif|monospace)$/, `slides/${file} uses the font family "${family.trim()}": use sans-serif or monospace`)
      }
    }
  })
})
