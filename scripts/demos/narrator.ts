// What every demo uses to tell its story on a projector: scenes, devices whose requests are printed one
// exchange per two lines, a clock that jumps ("⏩ 6 days later"), query counts, and the moment a gap shows.
// Each beat also checks that the solution behaves as the story says; a surprise makes the demo exit 1.
import { createInterface, type Interface } from 'node:readline/promises'
import type { TestApp } from '../../tests/harness/app.ts'
import { Device, type Reply, type RequestOptions } from '../../tests/harness/device.ts'
import { DAY, HOUR, MINUTE } from '../../lib/clock.ts'
import { type Io, palette, say } from '../cli.ts'

export interface Demo {
  /** One line: the step and its idea. */
  title: string
  /** What the next step does about the gap this one shows. */
  next: string
  run(n: Narrator): Promise<void>
}

export const PASSWORD = 'correct horse battery staple'

/** Shortens a JSON value for the screen: tokens and ids to their first characters, sentences kept. */
export function trimJson(value: unknown, max = 96): string {
  const short = JSON.stringify(value, (_key, item) => {
    if (typeof item !== 'string') return item
    if (!/\s/.test(item) && item.length > 20) return `${item.slice(0, 10)}…`
    return item.length > 200 ? `${item.slice(0, 199)}…` : item
  })
  if (short === undefined) return ''
  return short.length > max ? `${short.slice(0, max - 1)}…` : short
}

function duration(ms: number): string {
  const units: Array<[number, string]> = [[DAY, 'day'], [HOUR, 'hour'], [MINUTE, 'minute']]
  for (const [size, name] of units) {
    if (ms >= size && ms % size === 0) return `${ms / size} ${name}${ms / size === 1 ? '' : 's'}`
  }
  return `${Math.round(ms / 1000)} seconds`
}

export class Narrator {
  surprises = 0
  private scenes = 0
  private prompt?: Interface
  /** The colours of the demo's output (io.out): off when piped. */
  readonly colours: ReturnType<typeof palette>

  constructor(
    public app: TestApp,
    private pause: boolean,
    /** Where the story is told, and where --pause waits for Enter: the terminal, or a test's collector. */
    readonly io: Io,
  ) {
    this.colours = palette(io)
  }

  /** One line of the story. */
  line(text: string) {
    say(this.io.out, text)
  }

  /** How wide a line may be: the terminal's width, within 60 to 120 columns (100 when piped). */
  width() {
    return Math.max(60, Math.min(this.io.out.columns || 100, 120))
  }

  /** Plays part of the story against another app (another step's solution, or a restarted one), then comes back. */
  async against<T>(app: TestApp, action: () => Promise<T>): Promise<T> {
    const own = this.app
    this.app = app
    try {
      return await action()
    } finally {
      this.app = own
    }
  }

  /** A new scene; with --pause, the presenter presses Enter first. */
  async scene(title: string) {
    if (this.pause && this.scenes > 0) await this.waitForEnter()
    this.scenes += 1
    const { bold, cyan } = this.colours
    this.line(`\n${bold(cyan(`${this.scenes}. ${title}`))}`)
  }

  private async waitForEnter() {
    if (!this.prompt) {
      this.prompt = createInterface({ input: this.io.input, output: this.io.out as NodeJS.WritableStream })
      this.prompt.on('SIGINT', () => process.exit(130)) // Ctrl-C ends the demo, as everywhere else
      this.prompt.on('close', () => (this.pause = false)) // stdin ended: play the rest straight through
    }
    try {
      await this.prompt.question(this.colours.dim('\n   ⏎ next scene'))
    } catch {
      this.pause = false
    }
  }

  /** Lets go of the terminal. */
  close() {
    this.prompt?.close()
  }

  say(text: string) {
    this.line(`   ${this.colours.dim(text)}`)
  }

  device(name: string): NarratedDevice {
    return new NarratedDevice(this, this.app.url, name)
  }

  /** Registers `name`@example.com and logs one device in. */
  async signUp(name: string, deviceName = `${name}'s laptop`): Promise<NarratedDevice> {
    const device = this.device(deviceName)
    this.expect(await device.register(`${name}@example.com`, PASSWORD), 201)
    this.expect(await device.login(`${name}@example.com`, PASSWORD), 200)
    return device
  }

  async logIn(name: string, deviceName: string): Promise<NarratedDevice> {
    const device = this.device(deviceName)
    this.expect(await device.login(`${name}@example.com`, PASSWORD), 200)
    return device
  }

  /** Moves the app's clock: no sleeping on stage. */
  later(ms: number, label = `${duration(ms)} later`) {
    this.app.clock.advance(ms)
    this.line(`   ${this.colours.bold('⏩ ' + label)}`)
  }

  /** Checks the status the story needs. On a match it prints `gap` (⚠) or `fixed` (✔) if given. */
  expect(reply: Reply, status: number, marks: { gap?: string; fixed?: string } = {}): boolean {
    if (reply.status !== status) {
      this.surprises += 1
      this.line(`   ${this.colours.red(`✖ the story expected ${status} here, and got ${reply.status}: is this solution complete?`)}`)
      return false
    }
    if (marks.fixed) this.fixed(marks.fixed)
    if (marks.gap) this.gap(marks.gap)
    return true
  }

  /** A beat that is not one status (a race, a size): `happened` says whether it went as `expected` says. */
  check(happened: boolean, expected: string, marks: { gap?: string; fixed?: string } = {}): boolean {
    if (!happened) {
      this.surprises += 1
      this.line(`   ${this.colours.red(`✖ the story expected ${expected} here: is this solution complete?`)}`)
      return false
    }
    if (marks.fixed) this.fixed(marks.fixed)
    if (marks.gap) this.gap(marks.gap)
    return true
  }

  /** The moment the weakness shows. */
  gap(text: string) {
    this.line(`   ${this.colours.bold(this.colours.yellow(`⚠ ${text}`))}`)
  }

  /** What this step closes. */
  fixed(text: string) {
    this.line(`   ${this.colours.green(`✔ ${text}`)}`)
  }

  /** Runs `action` and prints how many SQL statements the app ran for it. */
  async queries(action: () => Promise<unknown>, expected: number, marks: { gap?: string; fixed?: string } = {}): Promise<number> {
    const count = await this.app.countQueries(action)
    this.line(`   🔎 ${count} SQL ${count === 1 ? 'query' : 'queries'} for that request`)
    if (count !== expected) {
      this.surprises += 1
      this.line(`   ${this.colours.red(`✖ the story expected ${expected}: is this solution complete?`)}`)
    } else {
      if (marks.fixed) this.fixed(marks.fixed)
      if (marks.gap) this.gap(marks.gap)
    }
    return count
  }

  /** The claims of a JWT, as anyone holding it can read them, with its lifetime spelled out. */
  claims(label: string, token: string | undefined) {
    if (!token) {
      this.surprises += 1
      this.line(`   ${this.colours.red(`✖ no ${label} to show`)}`)
      return {}
    }
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString() || '{}')
    const life = typeof claims.exp === 'number' && typeof claims.iat === 'number' ? `, lives ${duration((claims.exp - claims.iat) * 1000)}` : ''
    this.line(`   🔑 ${label}: ${trimJson(claims)}${this.colours.dim(life)}`)
    return claims
  }

  /** A few rows of a table, as the server stores them. */
  async rows(table: string, columns: string[]) {
    const rows = await this.app.db(table).select(columns)
    this.line(`   🗄  ${table}: ${rows.length} row${rows.length === 1 ? '' : 's'}`)
    for (const row of rows.slice(0, 4)) this.line(`      ${this.colours.dim(trimJson(row, this.width() - 8))}`)
    return rows
  }
}

/** A Device that prints each exchange: who, method, path and body, then the status and a trimmed answer. */
export class NarratedDevice extends Device {
  constructor(
    private readonly narrator: Narrator,
    url: string,
    name: string,
  ) {
    super(url, name)
  }

  override copy(name = `${this.name} (copy)`): NarratedDevice {
    const other = new NarratedDevice(this.narrator, this.url, name)
    Object.assign(other, { cookie: this.cookie, accessToken: this.accessToken, refreshToken: this.refreshToken })
    return other
  }

  override async request(method: string, path: string, options: RequestOptions = {}): Promise<Reply> {
    const reply = await super.request(method, path, options)
    const { bold, dim, green, red, yellow } = this.narrator.colours
    const width = this.narrator.width()
    const who = this.name.padEnd(16)
    const sent = options.body === undefined ? '' : ` ${dim(trimJson(options.body, width - who.length - path.length - 14))}`
    this.narrator.line(`   ${bold(who)} ${method} ${path}${sent}`)
    const colour = reply.status < 300 ? green : reply.status < 500 ? red : yellow
    // An error sentence is the story's punchline: it is shown whole, even if the line wraps.
    let answer = reply.body === undefined ? '' : reply.error ? trimJson({ error: reply.error }, 240) : trimJson(reply.body, width - who.length - 14)
    const cookie = reply.headers.getSetCookie().find((line) => line.startsWith('sid='))
    if (cookie) answer += dim(/^sid=;|expires=Thu, 01 Jan 1970/i.test(cookie) ? '  🍪 sid cleared' : `  🍪 sid=${cookie.slice(4, 14)}…`)
    this.narrator.line(`   ${' '.repeat(who.length)} ${colour(`← ${reply.status}`)} ${answer}`)
    return reply
  }
}
