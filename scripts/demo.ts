// npm run demo -- step-02 [--pause]: a narrated walk through the step's story against its solution, for a
// presenter to run live. In-process app, in-memory database, a clock that jumps; it runs in seconds.
import { STEPS } from '../lib/steps.ts'
import { CommandError, folderOf, hasFolder, type Io, palette, parseCommand, processIo, runCommand, say, startedDirectly, stepArgument, workshopRoot } from './cli.ts'
import type { Demo } from './demos/narrator.ts'

const USAGE = `Usage: npm run demo -- <step> [--pause]      e.g. npm run demo -- step-02   (or 02, 2, the folder name)

Plays the step's story against solutions/<step>: each request and its answer, the clock moving ahead, and
the moment the gap shows (⚠). --pause waits for Enter between scenes, for presenting.
In a browser instead: npm start -- <step> --solution, then open http://localhost:3000 (the laptop) and
http://127.0.0.1:3000 (the phone) side by side, and click through the same story on the app's own page.
The steps: ${STEPS.map((name) => name.slice(5, 7)).join(', ')}.`

/**
 * The command, on its arguments; a wrong argument throws a UsageError and a missing folder a CommandError before
 * anything loads. It reads io.env (WORKSHOP_ROOT, colour), waits for Enter on io.input and tells the story on
 * io.out: tests/tools.test.ts calls it so, with its own.
 */
export async function runDemo(args = process.argv.slice(2), io: Io = processIo()): Promise<number> {
  const root = workshopRoot(io.env)
  const { bold, dim, red } = palette(io)
  const { values, positionals } = parseCommand({ usage: USAGE, options: { pause: { type: 'boolean', default: false } }, positionals: { min: 1, max: 1 } }, args)
  const step = stepArgument(positionals[0])
  if (!hasFolder(step, 'solutions', root)) throw new CommandError(`solutions/${step} is not there yet, so there is nothing to demo.`)
  let pause = values.pause
  if (pause && !io.input.isTTY) {
    say(io.out, dim('(--pause needs a terminal to press Enter in; running straight through)'))
    pause = false
  }

  // The app and its libraries (koa, knex) load only now: a wrong argument is answered before they are.
  const [{ startApp }, { Narrator }] = await Promise.all([import('../tests/harness/app.ts'), import('./demos/narrator.ts')])
  const { demo }: { demo: Demo } = await import(`./demos/${step}.ts`)
  const app = await startApp(undefined, step, { dir: folderOf(step, 'solutions', root) }).catch((err: Error) => {
    throw new CommandError(`solutions/${step} does not load: ${err.message.split('\n')[0]}`)
  })
  const narrator = new Narrator(app, pause, io)
  say(io.out, bold(demo.title) + dim(`   (solutions/${step}, an in-memory database, a clock the demo moves)`))
  try {
    await demo.run(narrator)
  } finally {
    narrator.close()
    await app.close()
  }
  say(io.out, `\n${bold('Next:')} ${demo.next}`)
  say(
    io.out,
    dim(`In a browser: npm start -- ${step.slice(0, 7)} --solution, then http://localhost:3000 (the laptop) and http://127.0.0.1:3000 (the phone) side by side.`),
  )
  if (narrator.surprises > 0) {
    say(io.out, red(`\n${narrator.surprises} beat${narrator.surprises === 1 ? '' : 's'} of the story did not happen as written (✖ above).`))
    return 1
  }
  return 0
}

if (startedDirectly(import.meta.url)) {
  await runCommand(() => runDemo())
  // The HTTP client may keep idle sockets open for a moment; the demo is over.
  process.exit()
}
