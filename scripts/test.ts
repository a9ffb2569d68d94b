// npm test                          the whole workshop check (what CI and maintainers run)
// npm test -- step-04               step 04's suite against your work in steps/
// npm test -- step-04 --solution    the same suite against solutions/
// npm test -- step-04 --watch       reruns on every save
// npm test -- attacks [step] [--solution]  the bad-input and attack suite, against every step (or one)
// npm test -- browser [step] [--solution]  the page of every step (or one) in headless Chromium
// npm test -- --profile             the whole check, then the ten most expensive jobs, processes and checks
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { resolveStep, ROOT, stepDir, UnknownStepError } from '../lib/steps.ts'
import { checkNode } from './doctor.ts'
import { reportsAsLearner, runLearnerSuite, runLearnerSuiteHere, watch } from './test/learner.ts'
// The whole-workshop check (and with it knex, for the PostgreSQL pass) loads only when it runs: a learner's
// `npm test -- step-04` starts its suite as soon as it can.
const checkWorkshop = async (profile: boolean) => (await import('./test/workshop.ts')).checkWorkshop({ profile })

const USAGE = `Usage:
  npm test                              check the whole workshop
  npm test -- --profile                 the same, then what each job cost (CPU and wall): the ten dearest
  npm test -- <step> [--solution] [--watch]   one step's suite, e.g. npm test -- step-04
  npm test -- attacks [<step>] [--solution]   the attack suite against every step, or one
  npm test -- browser [<step>] [--solution]   the page of every step, or one, in a real browser`

function parse() {
  try {
    return parseArgs({
      options: { solution: { type: 'boolean', default: false }, watch: { type: 'boolean', default: false }, profile: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
    })
  } catch (err: any) {
    throw new UnknownStepError(`${err.message}\n\n${USAGE}`)
  }
}

// A Node outside the supported lines runs, but the doctor would warn: so does every test run, in one line at the top.
{
  const node = checkNode()
  if (node.status !== 'ok') console.log(`⚠ ${node.label}. npm run doctor says what to do.\n`)
}

try {
  const { values, positionals } = parse()
  if (values.help) {
    console.log(USAGE)
    process.exit(0)
  }
  // The suites that take every step at once, or one: `attacks` and `browser` (the page in Chromium).
  const across = positionals[0] === 'attacks' || positionals[0] === 'browser' ? positionals[0] : undefined
  if (positionals.length > (across ? 2 : 1)) throw new UnknownStepError(`Give one step at a time.\n\n${USAGE}`)
  const flavour = values.solution ? 'solutions' : 'steps'

  if (positionals.length === 0) {
    if (values.solution || values.watch) throw new UnknownStepError(`--solution and --watch go with a step.\n\n${USAGE}`)
    process.exit(await checkWorkshop(values.profile))
  }
  if (values.profile) throw new UnknownStepError(`--profile goes with the whole check: npm test -- --profile\n\n${USAGE}`)

  const suite =
    across
      ? {
          file: join(ROOT, 'tests', `${across}.test.ts`),
          env: { WORKSHOP_FLAVOUR: flavour, ...(positionals[1] ? { WORKSHOP_ONLY_STEP: resolveStep(positionals[1]) } : {}) },
          label: `${across === 'attacks' ? 'attacks against' : 'the page in a browser, on'} ${flavour}/${positionals[1] ? resolveStep(positionals[1]) : ''}`,
        }
      : (() => {
          const name = resolveStep(positionals[0])
          const dir = stepDir(name, flavour)
          if (!existsSync(dir)) throw new UnknownStepError(`${flavour}/${name} does not exist yet.`)
          return { file: join(ROOT, 'tests', `${name}.test.ts`), env: { WORKSHOP_TARGET: dir }, label: `${flavour}/${name}` }
        })()
  if (!existsSync(suite.file)) throw new UnknownStepError(`There is no suite ${suite.file} yet.`)

  if (values.watch) await watch(suite)
  else if (reportsAsLearner()) await runLearnerSuiteHere(suite)
  else process.exit(await runLearnerSuite(suite))
} catch (err) {
  if (!(err instanceof UnknownStepError)) throw err
  console.error(err.message)
  process.exit(2)
}
