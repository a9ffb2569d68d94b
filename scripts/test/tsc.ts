// How to run tsc, for the whole check's typecheck and the step loop's.
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { ROOT } from '../../lib/steps.ts'

/**
 * The command that runs tsc. TypeScript 7's `tsc` is a native program; its bin script is a Node process that only
 * starts it (a tenth of a second of CPU here, on every run of the loop). So the program itself, from the package
 * npm installed for this platform; the bin script where it is not found.
 */
export function tscCommand(): [string, string[]] {
  const exe = join(ROOT, 'node_modules', '@typescript', `typescript-${process.platform}-${process.arch}`, 'lib', process.platform === 'win32' ? 'tsc.exe' : 'tsc')
  return existsSync(exe) ? [exe, []] : [process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc')]]
}
