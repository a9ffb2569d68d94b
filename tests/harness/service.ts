// Step 07's reports service for one test: lib/service's HTTP service on an ephemeral port, in this process,
// with the step folder's verifier (or the naive one that exercise 1 attacks) on the test's clock.
import type { AddressInfo } from 'node:net'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import { join } from 'node:path'
import type { TestContext } from 'node:test'
import type { Clock } from '../../lib/clock.ts'
import { closeGracefully, createService, loadServiceVerifier, type ServiceVerifierFactory } from '../../lib/service/server.ts'
import { Device } from './device.ts'

export interface TestService {
  url: string
  name: string
  /** A caller that sends this token as `Authorization: Bearer`. */
  caller(token: string, name?: string): Device
  close(): Promise<void>
}

export interface ServiceOptions {
  /** The step folder (steps/ or solutions/). */
  dir: string
  issuer: string
  clock: Clock
  name?: string
  /** The naive verifier of naive-verifier.ts instead of service.ts's: the target of exercise 1. */
  naive?: boolean
}

export async function startService(t: TestContext | undefined, { dir, issuer, clock, name = 'reports', naive = false }: ServiceOptions): Promise<TestService> {
  const factory: ServiceVerifierFactory = naive ? (await import(join(dir, 'naive-verifier.ts'))).createNaiveVerifier : await loadServiceVerifier(dir)
  const { verify } = factory({ issuer, name, clock })
  const server = createService({ name, issuer, verify }).listen(0, '127.0.0.1')
  server.keepAliveTimeout = 60_000
  await new Promise((resolve) => server.once('listening', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const service: TestService = {
    url,
    name,
    caller(token, callerName = 'caller') {
      const device = new Device(url, callerName)
      device.accessToken = token
      return device
    },
    async close() {
      server.closeAllConnections()
      await closeGracefully(server, 0)
    },
  }
  t?.after(() => service.close())
  return service
}

/** A server that records every request it gets: the attacker's, whose URLs a token may name. */
export async function startListener(t: TestContext | undefined, answer: (request: IncomingMessage) => unknown = () => ({})): Promise<{ url: string; requests: string[]; server: Server }> {
  const requests: string[] = []
  const server = createServer((request, response) => {
    requests.push(request.url ?? '')
    response.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(answer(request)))
  })
  server.listen(0, '127.0.0.1')
  await new Promise((resolve) => server.once('listening', resolve))
  t?.after(() => {
    server.closeAllConnections()
    server.close()
  })
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests, server }
}
