// Which steps the attack and reliability suites run against, and what kind of credential each one uses.
import { STEPS, stepDir, stepExists, stepNumber, type Flavour, type StepName } from '../../../lib/steps.ts'

export interface Target {
  name: StepName
  /** `step-04`: short enough to prefix a test name, so `npm test` says which step failed. */
  label: string
  dir: string
  number: number
  /** Steps 01, 06 and 07: a `sid` cookie. Steps 02–05: bearer tokens. */
  cookies: boolean
  /** Steps 03–05 have POST /refresh. */
  refresh: boolean
}

/** `npm test -- attacks` sets WORKSHOP_FLAVOUR=steps (the learner's work); `npm test` runs the solutions. */
export function flavour(): Flavour {
  return process.env.WORKSHOP_FLAVOUR === 'steps' ? 'steps' : 'solutions'
}

/**
 * Every step whose folder exists in this flavour: steps still being written join as soon as they land.
 * `npm test -- attacks step-02` sets WORKSHOP_ONLY_STEP, so a learner can attack the step just finished.
 */
export function targets(which: Flavour = flavour()): Target[] {
  const only = process.env.WORKSHOP_ONLY_STEP
  return STEPS.filter((name) => stepExists(name, which) && (!only || name === only)).map((name) => {
    const number = stepNumber(name)
    return {
      name,
      label: name.slice(0, 7),
      dir: stepDir(name, which),
      number,
      cookies: number === 1 || number >= 6,
      refresh: number >= 3 && number <= 5,
    }
  })
}
