// One Chromium for the whole `npm test`, started at the first browser check that asks for it: the suites'
// launchBrowser() (tests/harness/browser.ts) asks this broker at WORKSHOP_BROWSER_BROKER for its DevTools
// address and opens browser contexts of its own there, instead of launching a Chromium per process.
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Browser } from 'puppeteer-core'

export interface BrowserBroker {
  close(): Promise<void>
}

export async function startBrowserBroker(): Promise<BrowserBroker> {
  let browser: Promise<Browser> | undefined
  const server = createServer(async (_request, reply) => {
    try {
      // The harness's own launch, its flags and profile clean-up included.
      const { startChromium } = await import('../../tests/harness/browser.ts')
      const endpoint = (await (browser ??= startChromium())).wsEndpoint()
      reply.writeHead(200, { 'content-type': 'text/plain' }).end(endpoint)
    } catch (err: any) {
      reply.writeHead(500, { 'content-type': 'text/plain' }).end(String(err?.message ?? err))
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  process.env.WORKSHOP_BROWSER_BROKER = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`
  return {
    async close() {
      delete process.env.WORKSHOP_BROWSER_BROKER
      server.close()
      await (await browser?.catch(() => undefined))?.close()
    },
  }
}
