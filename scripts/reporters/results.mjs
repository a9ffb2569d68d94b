// A node:test reporter for the workshop's own scripts: one JSON line per finished test (suites left out),
// so `npm test` and `npm run progress` can count results without parsing human output.


export default async function* results(source) {
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue
    const data = event.data
    if (data.details?.type === 'suite') continue
    const error = data.details?.error
    const cause = error?.cause ?? error
    yield JSON.stringify({
      name: data.name,
      file: data.file,
      status: data.skip !== undefined || data.todo !== undefined ? 'skip' : event.type === 'test:pass' ? 'pass' : 'fail',
      message: event.type === 'test:fail' ? String(cause?.message ?? cause ?? 'failed') : undefined,
    }) + '\n'
  }
}
