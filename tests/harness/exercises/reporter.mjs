// A node:test reporter for the proofs of the learner's path (tests/exercises.test.ts, tests/mistakes.test.ts):
// one JSON line per finished test, with the names of the describe groups around it, so that a README's "the
// group `…` passes" can be checked, and the copy it ran on (driver.ts runs a marker test `::copy N::` before
// each copy).
// node:test reports a suite after its children, in declaration order: the entries just before a suite,
// nested deeper than it, are its own.

export default async function* exerciseResults(source) {
  const entries = []
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue
    const data = event.data
    const cause = data.details?.error?.cause ?? data.details?.error
    const entry = {
      name: data.name,
      nesting: data.nesting,
      suite: data.details?.type === 'suite',
      groups: [],
      status: data.skip !== undefined || data.todo !== undefined ? 'skip' : event.type === 'test:pass' ? 'pass' : 'fail',
      message: event.type === 'test:fail' ? String(cause?.message ?? cause ?? 'failed') : undefined,
    }
    if (entry.suite) {
      for (let i = entries.length - 1; i >= 0 && entries[i].nesting > entry.nesting; i--) entries[i].groups.unshift(entry.name)
    }
    entries.push(entry)
  }
  let copy = 0
  for (const { name, groups, status, message, suite, nesting } of entries) {
    const marker = /^::copy (\d+)::$/.exec(name)
    if (marker && nesting === 0) copy = Number(marker[1])
    else if (!suite) yield JSON.stringify({ copy, name, groups, status, message }) + '\n'
  }
}
