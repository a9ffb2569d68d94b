// npm start -- step-04 [--solution]
// Step 07 starts two processes: the app here, and its reports service as a child (--app or --service: one alone).
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { readPort, redactedUrl, refuseUnusableEnvironment, usesTokenSecrets } from '../lib/config.ts'
import { readIssuer, readServiceName } from '../lib/signing-keys.ts'
import { hasService as stepHasService, resolveStep, stepDir, stepExists, UnknownStepError } from '../lib/steps.ts'
// The server and the database (koa, knex, the step's code) load only once the environment is known to be
// usable (lib/config.ts → refuseUnusableEnvironment): a start that must be refused is refused before any of
// them loads, in half the CPU of a start. The app loads no service, and the service no database.

/** The reports service as a second process: this script again, with --service, told where the app is. */
function startServiceChild(args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), ...args, '--service'], {
    env,
    stdio: ['inherit', 'inherit', 'inherit', 'ipc'], // the channel: the service stops when this process goes
  })
  child.on('exit', (code, signal) => {
    if (stopping) return
    console.error(`The service stopped on its own (${signal ?? `exit code ${code}`}); stopping the app too.`)
    process.exit(1)
  })
  return child
}

let stopping = false
// Ctrl-C reaches the whole process group, the service too, which may be gone before the app's handler asks it:
// from the signal on, its exit is expected.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => (stopping = true))

/** SIGTERM to the service, and wait until it has finished its requests in flight (it gives them 8 s). */
function stopChild(child: ChildProcess): Promise<void> {
  stopping = true
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 9_000)
    child.once('exit', () => {
      clearTimeout(timer)
      resolve()
    })
    child.kill('SIGTERM')
  })
}

try {
  const { values, positionals } = parseArgs({
    options: { solution: { type: 'boolean', default: false }, app: { type: 'boolean', default: false }, service: { type: 'boolean', default: false } },
    allowPositionals: true,
  })
  if (positionals.length !== 1) throw new UnknownStepError('Usage: npm start -- <step> [--solution]   e.g. npm start -- step-02 --solution')
  const name = resolveStep(positionals[0])
  const flavour = values.solution ? 'solutions' : 'steps'
  if (!stepExists(name, flavour)) throw new UnknownStepError(`${flavour}/${name} does not exist yet.`)
  const dir = stepDir(name, flavour)
  const hasService = stepHasService(dir)
  if ((values.app || values.service) && !hasService) throw new UnknownStepError(`--app and --service are for step 07, whose app has a service beside it; ${name} has none.`)
  if (values.app && values.service) throw new UnknownStepError('--app starts the app alone, --service the service alone: give one of them, or neither for both.')
  // A bad environment is refused before anything else is read; quietly: the server reads it again and warns then.
  refuseUnusableEnvironment(name, { role: values.service ? 'service' : 'app', issues: hasService }, process.env)
  const port = readPort('PORT', 3000)

  if (values.service) {
    const servicePort = readPort('SERVICE_PORT', port === 0 ? 0 : port + 1)
    const { serveService } = await import('../lib/service/server.ts')
    await serveService({ dir, port: servicePort, issuer: readIssuer(process.env, port), name: readServiceName() })
  } else {
    const databaseUrl = process.env.DATABASE_URL || undefined
    console.log(`serving ${flavour}/${name}${databaseUrl ? ` on PostgreSQL (${redactedUrl(databaseUrl)})` : ''}`)
    let child: ChildProcess | undefined
    const { serve } = await import('../lib/server.ts')
    const started = await serve({
      dir,
      port,
      databaseFile: process.env.DATABASE_FILE || undefined,
      databaseUrl,
      tokenSecrets: usesTokenSecrets(name),
      onStop: async () => {
        if (child) await stopChild(child)
      },
    })
    // Step 07: serve() read the issuer's settings (after the secrets, so a missing secret is named first).
    const issuer = started.issuer
    // --app: the service runs elsewhere, by default on PORT+1 of this host, where the page will call it.
    if (issuer && values.app && port !== 0) issuer.serviceUrl = `http://localhost:${readPort('SERVICE_PORT', port + 1)}`
    if (issuer && !values.app) {
      // Started once the app listens: the service's first fetch of the keys finds them.
      const servicePort = readPort('SERVICE_PORT', port === 0 ? 0 : started.port + 1)
      const args = [positionals[0], ...(values.solution ? ['--solution'] : [])]
      child = startServiceChild(args, { ...process.env, PORT: String(started.port), ISSUER: issuer.url, SERVICE_PORT: String(servicePort) })
      child.on('message', (message: { serviceListening?: number }) => {
        if (message.serviceListening) issuer.serviceUrl = `http://localhost:${message.serviceListening}`
      })
    }
  }
} catch (err: any) {
  if (err instanceof UnknownStepError || err?.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    console.error(err.message)
  } else if (err?.code === 'EADDRINUSE') {
    console.error(`Port ${err.port ?? process.env.PORT ?? 3000} is already in use. Stop the other server, or run with PORT=3001 npm start -- …`)
  } else if (err instanceof Error && /Refusing to start/.test(err.message)) {
    console.error(err.message)
  } else {
    console.error(err)
  }
  process.exit(1)
}
