// A learner's suite in a child process (`--watch`, or a runner started without the learner's reporter):
// WORKSHOP_SUITE_FILE, with the step folder's typecheck beside it, as `npm test -- step-NN` runs it in-process.
import { runSuiteWithTypecheck } from './learner.ts'

await runSuiteWithTypecheck(process.env.WORKSHOP_SUITE_FILE!, process.env.WORKSHOP_TARGET)
