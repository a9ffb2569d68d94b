// The words a learner sees when a test fails: every TODO named in one form, `step-04 TODO(2)`, so that the
// failing test, the starter's marker, the README's exercise and the runner's "Look at:" line all agree.
import assert from 'node:assert/strict'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import { ROOT, stepNumber, STEPS } from '../lib/steps.ts'

const read = (...path: string[]) => readFileSync(join(ROOT, ...path), 'utf8')
const code = (folder: string) =>
  readdirSync(join(ROOT, folder))
    .filter((file) => file.endsWith('.ts'))
    .map((file) => ({ file: `${folder}/${file}`, text: read(folder, file) }))
const two = (step: string) => String(stepNumber(step)).padStart(2, '0')

/** Every `TODO(n)` in the text that is not written `step-NN TODO(n)` with the given step. */
function offForm(text: string, step: string): string[] {
  return [...text.matchAll(/(step-\d+ )?TODO\((\d+)\)/g)].filter((match) => match[1] !== `step-${two(step)} `).map((match) => match[0])
}

describe('TODO messages, one form everywhere', () => {
  for (const step of STEPS) {
    const suite = `tests/${step}.test.ts`
    if (!existsSync(join(ROOT, suite)) || !existsSync(join(ROOT, 'steps', step))) continue
    const starter = code(`steps/${step}`)
    const markers = new Set(starter.flatMap(({ text }) => [...text.matchAll(/\/\/ TODO\((\d+)\)/g)].map((match) => Number(match[1]))))

    test(`${step}: the suite names each TODO as step-${two(step)} TODO(n), and only TODOs its starter has`, () => {
      const source = read(suite)
      assert.deepEqual(offForm(source, step), [], `${suite}: write these as step-${two(step)} TODO(n), the form the runner collects`)
      const named = [...source.matchAll(/step-\d+ TODO\((\d+)\)/g)].map((match) => Number(match[1]))
      const unknown = [...new Set(named.filter((n) => !markers.has(n)))]
      assert.deepEqual(unknown, [], `${suite} points at TODOs that steps/${step} has no marker for`)
    })

    test(`${step}: every message the starter throws starts with step-${two(step)} TODO(n) and a marker of that file`, () => {
      const problems: string[] = []
      for (const { file, text } of starter) {
        const own = new Set([...text.matchAll(/\/\/ TODO\((\d+)\)/g)].map((match) => match[1]))
        for (const match of text.matchAll(/new NotImplemented\(\s*(['"`])(.*?)\1/g)) {
          const form = new RegExp(`^step-${two(step)} TODO\\((\\d+)\\): `).exec(match[2])
          if (!form) problems.push(`${file}: "${match[2]}" should start with "step-${two(step)} TODO(n): "`)
          else if (!own.has(form[1])) problems.push(`${file}: "${match[2]}" names TODO(${form[1]}), which has no marker in this file`)
        }
      }
      assert.deepEqual(problems, [], problems.join('\n'))
    })
  }

  test('every function a suite names for a 500 (serverErrorsPointAt) holds that TODO in its starter', () => {
    const problems: string[] = []
    for (const step of STEPS) {
      const suite = `tests/${step}.test.ts`
      if (!existsSync(join(ROOT, suite)) || !existsSync(join(ROOT, 'steps', step))) continue
      const call = /serverErrorsPointAt\(STEP, \{([^}]*)\}\)/.exec(read(suite))
      if (!call) {
        problems.push(`${suite} does not say which TODO each starter function belongs to (serverErrorsPointAt)`)
        continue
      }
      for (const [, file, fn, n] of call[1].matchAll(/'([\w.-]+\.ts)(?:#(\w+))?': 'step-\d+ TODO\((\d+)\)'/g)) {
        const path = join(ROOT, 'steps', step, file)
        if (!existsSync(path)) {
          problems.push(`${suite}: steps/${step}/${file} does not exist`)
          continue
        }
        const text = readFileSync(path, 'utf8')
        const start = fn ? text.search(new RegExp(`function ${fn}\\b`)) : 0
        // A function runs to the next top-level declaration.
        const body = fn ? text.slice(start).split(/\n(?=export |function |async function )/)[0] : text
        if (start === -1) problems.push(`${suite}: steps/${step}/${file} has no function ${fn}`)
        else if (!new RegExp(`// TODO\\(${n}\\)`).test(body)) problems.push(`${suite}: ${file}${fn ? `#${fn}` : ''} holds no TODO(${n}) marker`)
      }
    }
    assert.deepEqual(problems, [], problems.join('\n'))
  })

  test('the shared test helpers name no TODO number: the numbers differ from step to step', () => {
    // Comments may speak of TODO(1) in general; what a test says (its strings) may not name one.
    const said = (text: string) => text.split('\n').filter((line) => !/^\s*(\/\/|\/?\*)/.test(line)).join('\n')
    const found = code('tests/harness').flatMap(({ file, text }) => [...said(text).matchAll(/TODO\(\d+\)/g)].map((match) => `${file}: ${match[0]}`))
    assert.deepEqual(found, [], 'a hint in tests/harness/ says what to do in words; the suite that calls it names the TODO')
  })
})
