// A small HTTP client that behaves like one browser or one phone: it keeps the credential that login gave
// it (a `sid` cookie, or an access and a refresh token), so one step's tests run unchanged on the next step.
// It speaks HTTP/1.1 through node:http, over real sockets kept alive between requests. (Not fetch: undici
// costs more CPU per request, and a suite sends hundreds of them in one process: step 05's suite took
// 3.3 s of CPU with it and 2.9 s without.)
import { Agent, request as httpRequest } from 'node:http'

export interface Reply {
  method: string
  path: string
  status: number
  headers: Headers
  /** The parsed JSON body, or undefined. */
  body: any
  text: string
  /** The `error` sentence of an error body. */
  error?: string
}

export interface RequestOptions {
  body?: unknown
  /** A raw body, sent as is (with its own Content-Type header). */
  rawBody?: string
  headers?: Record<string, string>
}

export class Device {
  cookie?: string
  /** The session cookie's name: `sid`, or `__Host-sid` where the server made it Secure. */
  cookieName = 'sid'
  accessToken?: string
  refreshToken?: string

  constructor(
    readonly url: string,
    readonly name = 'device',
  ) {}

  /** Another device holding exactly this one's credential: what a thief has after stealing it. */
  copy(name = `${this.name} (copy)`): Device {
    const other = new Device(this.url, name)
    Object.assign(other, { cookie: this.cookie, cookieName: this.cookieName, accessToken: this.accessToken, refreshToken: this.refreshToken })
    return other
  }

  /** The headers that carry this device's credential on every request: a `sid` cookie, or the bearer token. */
  credentialHeaders(): Record<string, string> {
    const headers: Record<string, string> = {}
    if (this.cookie) headers.Cookie = `${this.cookieName}=${this.cookie}`
    if (this.accessToken) headers.Authorization = `Bearer ${this.accessToken}`
    return headers
  }

  /** The bytes those headers take on every request, as HTTP/1.1 sends them: `Name: value`, each line. */
  credentialBytes(): number {
    return Object.entries(this.credentialHeaders()).reduce((sum, [name, value]) => sum + Buffer.byteLength(`${name}: ${value}\r\n`), 0)
  }

  async request(method: string, path: string, options: RequestOptions = {}): Promise<Reply> {
    const headers = this.credentialHeaders()
    let body: string | undefined
    if (options.rawBody !== undefined) body = options.rawBody
    else if (options.body !== undefined) {
      body = JSON.stringify(options.body)
      headers['Content-Type'] = 'application/json'
    }
    Object.assign(headers, options.headers)
    const response = await send(this.url + path, method, headers, body)
    this.keepCookie(response.headers)
    const text = response.text
    let parsed: any
    try {
      parsed = text ? JSON.parse(text) : undefined
    } catch {
      parsed = undefined
    }
    const reply: Reply = { method, path, status: response.status, headers: response.headers, body: parsed, text }
    if (parsed && typeof parsed.error === 'string') reply.error = parsed.error
    this.keepTokens(reply)
    return reply
  }

  get(path: string, options?: RequestOptions) {
    return this.request('GET', path, options)
  }
  post(path: string, body?: unknown, options?: RequestOptions) {
    return this.request('POST', path, { ...options, body })
  }
  delete(path: string, options?: RequestOptions) {
    return this.request('DELETE', path, options)
  }

  register(email: string, password: string) {
    return this.post('/register', { email, password })
  }
  login(email: string, password: string) {
    return this.post('/login', { email, password })
  }
  me() {
    return this.get('/me')
  }
  /** Sends the refresh token this device holds (steps 03–05). */
  refresh() {
    return this.post('/refresh', { refreshToken: this.refreshToken })
  }
  /** Logs out, sending the refresh token too where the device holds one. */
  logout() {
    return this.post('/logout', this.refreshToken ? { refreshToken: this.refreshToken } : undefined)
  }
  logoutAll() {
    return this.post('/logout-all')
  }
  changePassword(currentPassword: string, newPassword: string) {
    return this.post('/password', { currentPassword, newPassword })
  }

  private keepCookie(headers: Headers) {
    for (const line of headers.getSetCookie()) {
      const match = /^(sid|__Host-sid)=([^;]*)/.exec(line)
      if (!match) continue
      const expired = /expires=Thu, 01 Jan 1970/i.test(line) || match[2] === ''
      this.cookie = expired ? undefined : match[2]
      this.cookieName = match[1]
    }
  }

  // Whatever tokens a successful response hands out become this device's credential.
  private keepTokens(reply: Reply) {
    if (reply.status >= 300 || !reply.body || typeof reply.body !== 'object') return
    if (typeof reply.body.accessToken === 'string') this.accessToken = reply.body.accessToken
    if (typeof reply.body.refreshToken === 'string') this.refreshToken = reply.body.refreshToken
  }
}

const agent = new Agent({ keepAlive: true })
const NO_ANSWER_MS = 120_000

/** One request; the answer's headers as a fetch `Headers`, Set-Cookie lines kept apart. */
function send(url: string, method: string, headers: Record<string, string>, body?: string) {
  return new Promise<{ status: number; headers: Headers; text: string }>((resolve, reject) => {
    const request = httpRequest(url, { method, headers, agent }, (response) => {
      const chunks: Buffer[] = []
      response.on('data', (chunk: Buffer) => chunks.push(chunk))
      response.on('error', reject)
      response.on('end', () => {
        const answer = new Headers()
        const raw = response.rawHeaders
        for (let i = 0; i < raw.length; i += 2) answer.append(raw[i], raw[i + 1])
        resolve({ status: response.statusCode!, headers: answer, text: Buffer.concat(chunks).toString('utf8') })
      })
    })
    request.on('error', reject)
    // A server that never answers fails the test, naming the request, instead of holding the whole run: no
    // test waits two minutes for a byte.
    request.setTimeout(NO_ANSWER_MS, () => request.destroy(new Error(`no answer in ${NO_ANSWER_MS / 1000} s to ${method} ${url}`)))
    request.end(body)
  })
}
