// The reporter a learner sees: each test as a sentence, and for a failure only what to look at,
// not a stack trace through the test runner. Every TODO it mentions has one form, `step-04 TODO(2)`,
// and points at the README exercise that explains it.

const tty = process.stdout.isTTY && !process.env.NO_COLOR
const paint = (code) => (text) => (tty ? `\x1b[${code}m${text}\x1b[0m` : text)
const green = paint(32)
const red = paint(31)
const yellow = paint(33)
const dim = paint(2)
const bold = paint(1)

/** `tests/step-05-blacklist.test.ts` → `step-05`: the step a bare `TODO(3)` in that suite belongs to. */
function stepOf(file) {
  return /(step-\d\d)-[^/\\]*\.test\.ts$/.exec(String(file ?? ''))?.[1]
}

/** `TODO(3)` becomes `step-05 TODO(3)`, and the first TODO named gets its README pointer. */
export function explain(message, file) {
  const step = stepOf(file)
  let text = step ? message.replace(/(?<!step-\d+ )\bTODO\((\d+)\)/g, `${step} TODO($1)`) : message
  const todo = /step-\d+ TODO\((\d+)\)/.exec(text)
  if (todo && !/Exercise \d/.test(text)) text += `\n  → README.md → "Exercise ${todo[1]}"`
  return text
}

const GAP = /^gap \(closed in step-\d+\)/
/** `cost (stays): …`: a price that no later step removes (step 07). Shown as a cost, never as a failure or a gap. */
export const COST = /^cost \(stays\): /

export default async function* learner(source) {
  let gaps = 0
  let costs = 0
  let passed = 0
  let failed = 0
  let skipped = 0
  const todos = new Set()
  const shown = new Map() // a failure message already printed → the test that printed it
  for await (const event of source) {
    const data = event.data
    const indent = '  '.repeat(data?.nesting ?? 0)
    switch (event.type) {
      case 'test:start':
        if (data.nesting === 0) yield `${bold(data.name)}\n`
        break
      case 'test:pass':
        if (data.skip !== undefined || data.todo !== undefined) {
          skipped++
          yield `${indent}${yellow('–')} ${data.name} ${dim(`(skipped: ${data.skip ?? data.todo})`)}\n`
          break
        }
        if (data.details?.type === 'suite') break
        passed++
        // A passing gap test shows a weakness of this step, on purpose; a cost that stays is shown, never failed.
        if (GAP.test(data.name)) {
          gaps++
          yield `${indent}${yellow('⚠')} ${data.name}\n`
          break
        }
        if (COST.test(data.name)) {
          costs++
          yield `${indent}${yellow('◆')} ${data.name}\n`
          break
        }
        yield `${indent}${green('✔')} ${data.name}\n`
        break
      case 'test:fail': {
        const error = data.details?.error
        // A suite fails on its own only when its hook did; its tests then say "cancelled", and this says why.
        if (data.details?.type === 'suite' && error?.failureType === 'subtestsFailed') break
        if (error?.failureType === 'cancelledByParent') {
          failed++
          yield `${indent}${red('✖')} ${data.name}\n${indent}    ${dim('(not run: its suite failed to start, see below)')}\n`
          break
        }
        if (data.details?.type !== 'suite') failed++
        const cause = error?.cause ?? error
        const message = explain(String(cause?.message ?? cause ?? 'failed'), data.file)
        for (const match of message.matchAll(/step-\d+ TODO\(\d+\)/g)) todos.add(match[0])
        yield `${indent}${red('✖')} ${data.name}\n`
        if (shown.has(message)) {
          const todo = /step-\d+ TODO\(\d+\)/.exec(message)?.[0]
          yield `${indent}    ${dim(todo ? `(again ${todo}, shown above)` : `(the same failure as “${shown.get(message)}” above)`)}\n`
          break
        }
        shown.set(message, data.name)
        yield message
          .split('\n')
          .slice(0, 6)
          .map((line) => `${indent}    ${dim(line)}\n`)
          .join('')
        break
      }
      case 'test:stderr':
      case 'test:stdout':
        yield dim(data.message)
        break
    }
  }
  yield '\n'
  if (todos.size > 0) yield `${bold('Look at:')} ${[...todos].sort().join(', ')} (the failing tests point there)\n`
  else if (failed > 0) yield `${bold('Look at:')} the first failure above: it names no TODO, so start from what it says (a file and line, if it gives one)\n`
  if (gaps) yield `${yellow('⚠')} ${gaps} gap${gaps === 1 ? '' : 's'} shown (the weakness is there, as the test says; the step it names closes it): passing, and counted as passed\n`
  if (costs > 0) yield `${yellow('◆')} ${costs} cost${costs > 1 ? 's' : ''} that stay${costs > 1 ? '' : 's'}: shown by passing tests, the price of the design, not failures\n`
  const counts = `${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`
  yield `${failed === 0 ? green(counts) : `${passed} passed, ${red(`${failed} failed`)}${skipped ? `, ${skipped} skipped` : ''}`}\n`
}
