// A 500 from the app, as a learner meets it: in development it names the step file, line and function that threw,
// and the server's log shows that error once however many requests hit it; in production it names nothing.
import assert from 'node:assert/strict'
import type { AddressInfo } from 'node:net'
import { describe, test } from 'node:test'
import Router from '@koa/router'
import { createApp } from '../lib/app.ts'
import { openDatabase } from '../lib/db.ts'
import { CHEAP_SCRYPT_FOR_TESTS, createPasswords } from '../lib/passwords.ts'
import { newSecrets, TestClock } from './harness/app.ts'

// Stands for a step's own code: a frame outside lib/ and node_modules.
function signTheToken(): string {
  throw new Error('Bad "options.expiresIn" option the payload already has an "exp" property.')
}

async function serve(production: boolean) {
  const db = await openDatabase(':memory:', [])
  const step = { migrations: [], routes: () => new Router().get('/boom', (ctx) => (ctx.body = { token: signTheToken() })) }
  const app = createApp(step, { db, clock: new TestClock(), passwords: createPasswords(CHEAP_SCRYPT_FOR_TESTS), secrets: newSecrets() }, { production })
  const server = app.listen(0, '127.0.0.1')
  await new Promise((resolve) => server.once('listening', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/boom`
  return { url, close: async () => (server.closeAllConnections(), server.close(), await db.destroy()) }
}

describe('a 500 from the app, in development and in production', () => {
  test('in development, a 500 names the file, line and function that threw, and the log shows it once', async (t) => {
    const logged: string[] = []
    t.mock.method(console, 'error', (...args: unknown[]) => logged.push(args.map(String).join(' ')))
    const app = await serve(false)
    try {
      const replies = await Promise.all([1, 2, 3].map(() => fetch(app.url).then(async (reply) => ({ status: reply.status, body: await reply.json() }))))
      for (const reply of replies) {
        assert.equal(reply.status, 500)
        assert.match(reply.body.error, /tests\/server-errors\.test\.ts:\d+, in signTheToken\(\) threw Error: Bad "options\.expiresIn"/)
        assert.doesNotMatch(reply.body.error, /\/work\/|\bat .+:\d+:\d+/, 'no absolute path, no stack frame')
      }
      const mine = logged.filter((line) => /signTheToken/.test(line))
      assert.equal(mine.length, 1, `one line in the log for three requests, got:\n${logged.join('\n')}`)
      assert.doesNotMatch(mine[0], /\n\s+at /, 'a line, not a stack trace')
    } finally {
      await app.close()
    }
  })

  test('in production, a 500 says nothing about the code', async (t) => {
    t.mock.method(console, 'error', () => {})
    const app = await serve(true)
    try {
      const reply = await fetch(app.url)
      assert.equal(reply.status, 500)
      assert.deepEqual(await reply.json(), { error: 'Something went wrong on the server. It has been logged.' })
    } finally {
      await app.close()
    }
  })
})
