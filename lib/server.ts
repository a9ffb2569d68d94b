// `npm start`: one step's app on a real port, with a SQLite file, until Ctrl-C or SIGTERM.
import { basename } from 'node:path'
import { createApp } from './app.ts'
import { systemClock } from './clock.ts'
import { loadSecrets } from './config.ts'
import { openDatabase } from './db.ts'
import { createPasswords } from './passwords.ts'
import { loadStep, ROOT } from './steps.ts'

export interface ServeOptions {
  dir: string
  port?: number
  databaseFile?: string
}

export async function serve({ dir, port = 3000, databaseFile }: ServeOptions) {
  const secrets = loadSecrets()
  const step = await loadStep(dir)
  const filename = databaseFile ?? `${ROOT}/.data/${basename(dir)}.sqlite`
  const db = await openDatabase(filename, step.migrations)
  const app = createApp(step, { db, clock: systemClock, passwords: createPasswords(), secrets })

  const server = app.listen(port)
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve)
    server.once('error', reject)
  })
  const address = server.address()
  const actualPort = typeof address === 'object' && address ? address.port : port
  console.log(`listening on http://localhost:${actualPort}`)

  const stop = async (signal: string) => {
    console.log(`${signal}: closing the server and the database`)
    server.close()
    server.closeAllConnections()
    await db.destroy()
    process.exit(0)
  }
  process.once('SIGTERM', () => void stop('SIGTERM'))
  process.once('SIGINT', () => void stop('SIGINT'))
  return { server, db, port: actualPort }
}
