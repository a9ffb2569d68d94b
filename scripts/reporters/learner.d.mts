// Types for what tests import from the learner's reporter (learner.mjs stays plain JavaScript: node:test loads it).
/** `TODO(3)` in a suite's message becomes `step-05 TODO(3)`, and the first TODO named gets its README pointer. */
export function explain(message: string, file: string | undefined): string
declare const learner: (source: AsyncIterable<unknown>) => AsyncGenerator<string>
export default learner
