// A node:test reporter for the workshop's own scripts: one JSON line per finished test, so `npm test` and
// `npm run progress` can count results without parsing human output. Suites are left out, except a suite
// that was skipped as a whole (a browser check without a browser: one line, with its reason, so a skip is
// never mistaken for "no test ran") and a suite whose own hook failed (the cause, which its cancelled tests
// do not carry).

export default async function* results(source) {
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue
    const data = event.data
    const skipped = data.skip !== undefined || data.todo !== undefined
    const error = data.details?.error
    const ownFailure = event.type === 'test:fail' && error?.failureType !== 'subtestsFailed'
    if (data.details?.type === 'suite' && !skipped && !ownFailure) continue
    const cause = error?.cause ?? error
    yield JSON.stringify({
      name: data.name,
      file: data.file,
      status: skipped ? 'skip' : event.type === 'test:pass' ? 'pass' : 'fail',
      reason: skipped ? reasonOf(data.skip ?? data.todo) : undefined,
      message: event.type === 'test:fail' ? String(cause?.message ?? cause ?? 'failed') : undefined,
    }) + '\n'
  }
}

function reasonOf(value) {
  return typeof value === 'string' && value !== '' ? value : 'skipped, with no reason given'
}
