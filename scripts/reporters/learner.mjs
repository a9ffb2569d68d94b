// The reporter a learner sees: each test as a sentence, and for a failure only what to look at,
// not a stack trace through the test runner.


const tty = process.stdout.isTTY && !process.env.NO_COLOR
const paint = (code) => (text) => (tty ? `\x1b[${code}m${text}\x1b[0m` : text)
const green = paint(32)
const red = paint(31)
const dim = paint(2)
const bold = paint(1)

export default async function* learner(source) {
  let passed = 0
  let failed = 0
  const todos = new Set()
  const shown = new Set() // a failure message already printed: say so instead of repeating it
  for await (const event of source) {
    const data = event.data
    const indent = '  '.repeat(data?.nesting ?? 0)
    switch (event.type) {
      case 'test:start':
        if (data.nesting === 0) yield `${bold(data.name)}\n`
        break
      case 'test:pass':
        if (data.skip !== undefined || data.details?.type === 'suite') break
        passed++
        yield `${indent}${green('✔')} ${data.name}\n`
        break
      case 'test:fail': {
        if (data.details?.type === 'suite') break
        failed++
        const cause = data.details?.error?.cause ?? data.details?.error
        const message = String(cause?.message ?? cause ?? 'failed')
        for (const match of message.matchAll(/step-\d+ TODO\(\d+\)/g)) todos.add(match[0])
        yield `${indent}${red('✖')} ${data.name}\n`
        if (shown.has(message)) {
          yield `${indent}    ${dim('(the same failure as above)')}\n`
          break
        }
        shown.add(message)
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
  yield `${failed === 0 ? green(`${passed} passed, ${failed} failed`) : `${passed} passed, ${red(`${failed} failed`)}`}\n`
}
