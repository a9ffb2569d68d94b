// A node:test reporter for the workshop's own scripts: one JSON line per finished test, so `npm test` and
// `npm run progress` can count results without parsing human output. Suites are left out, except a suite
// that was skipped as a whole (a browser check without a browser: one line, with its reason, so a skip is
// never mistaken for "no test ran") and a suite whose own hook failed (the cause, which its cancelled tests
// do not carry).

// Each line also names its top-level suite (`top`), so that one process may run several suites: a test
// declared in a shared helper file still belongs to the suite that called the helper. Top-level suites run
// one after another, and a suite's own event comes after its tests', so the lines wait for it.
export default async function* results(source) {
  let waiting = []
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue
    const data = event.data
    const line = resultLine(event)
    if (line) waiting.push(line)
    if (data.nesting === 0) {
      yield waiting.map((result) => JSON.stringify({ ...result, top: data.name }) + '\n').join('')
      waiting = []
    }
  }
  yield waiting.map((result) => JSON.stringify(result) + '\n').join('')
}

function resultLine(event) {
  const data = event.data
  {
    const skipped = data.skip !== undefined || data.todo !== undefined
    const error = data.details?.error
    const ownFailure = event.type === 'test:fail' && error?.failureType !== 'subtestsFailed'
    if (data.details?.type === 'suite' && !skipped && !ownFailure) return undefined
    const cause = error?.cause ?? error
    return {
      name: data.name,
      file: data.file,
      status: skipped ? 'skip' : event.type === 'test:pass' ? 'pass' : 'fail',
      reason: skipped ? reasonOf(data.skip ?? data.todo) : undefined,
      message: event.type === 'test:fail' ? String(cause?.message ?? cause ?? 'failed') : undefined,
      ms: data.details?.duration_ms, // for `npm test -- --profile`
    }
  }
}

function reasonOf(value) {
  return typeof value === 'string' && value !== '' ? value : 'skipped, with no reason given'
}
