// The app's front end, for every step: what a small single-page app would do, and nothing more.
// Plain JavaScript in an ES module, no build step, no library, no request to any other origin but one: step 07's
// reports service, which the app names in /page/step.json and its Content-Security-Policy allows.
//
// Steps 01, 06 and 07: the credential is the HttpOnly `sid` cookie; the browser sends it, this script cannot read it.
// Step 07 also asks the app for a short-lived token for its service, and keeps it in a variable, never in storage.
// Steps 02–05: the tokens live in localStorage (a typical SPA), so any script in this page can read them; that
// is the gap step 06 closes. Steps 03–05 refresh when the access token has expired, and take turns doing it.

/** localStorage key of `{accessToken, refreshToken?, receivedAt}`. Shared by every tab of this origin. */
const TOKENS = 'workshop.tokens'
/** Web Locks name: every tab of this origin (one device) refreshes under it, one at a time. */
const REFRESH_LOCK = 'workshop.refresh'

const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id))
const field = (id) => /** @type {HTMLInputElement} */ (document.getElementById(id))

/** @type {{name?: string, refresh: boolean, devices: boolean, service?: {name: string, url: string}}} */
let features = { refresh: false, devices: false }
/** Step 07: the token for the service, in memory only (never in storage), forgotten at its exp. */
let serviceToken = null
/** 'bearer' (steps 02–05) or 'cookie' (01, 06): learned from the step at load, confirmed by the login answer. */
let credential = 'cookie'
let signedInAs = ''

class SignedOut extends Error {}

// ---------- tokens in localStorage ----------

function readTokens() {
  try {
    const tokens = JSON.parse(localStorage.getItem(TOKENS) ?? 'null')
    return tokens && typeof tokens.accessToken === 'string' ? tokens : null
  } catch {
    return null
  }
}

function storeTokens({ accessToken, refreshToken }) {
  // receivedAt: time left is measured from the token's own iat, so a laptop whose clock is off still counts right.
  localStorage.setItem(TOKENS, JSON.stringify({ accessToken, refreshToken, receivedAt: Date.now() }))
}

function forgetTokens() {
  localStorage.removeItem(TOKENS)
}

/** The header and claims of a JWT, decoded (not verified: only the server can, and it does). */
function decodeJwt(token) {
  const part = (text) => {
    const base64 = text.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(text.length / 4) * 4, '=')
    const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))
    return JSON.parse(new TextDecoder().decode(bytes))
  }
  try {
    const [header, claims] = String(token).split('.')
    return { header: part(header), claims: part(claims) }
  } catch {
    return { header: {}, claims: {} }
  }
}

/** Milliseconds this token has left, by the server's clock as the token tells it (exp − iat − time since received). */
function msLeft(token, receivedAt) {
  const { claims } = decodeJwt(token)
  if (typeof claims.exp !== 'number') return Infinity
  if (typeof claims.iat === 'number') return (claims.exp - claims.iat) * 1000 - (Date.now() - receivedAt)
  return claims.exp * 1000 - Date.now()
}

// ---------- talking to the app ----------

/**
 * One request to this page's own origin: relative paths only, so nothing ever leaves it. The answer is shown as
 * the last response, unless `quiet` (the page's own look-ups: the step's features, the device list).
 */
async function send(method, path, body, accessToken, quiet = false) {
  const headers = { Accept: 'application/json' }
  if (body !== undefined) headers['Content-Type'] = 'application/json'
  if (accessToken) headers.Authorization = `Bearer ${accessToken}`
  const response = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'same-origin',
    cache: 'no-store',
  })
  const text = await response.text()
  let json = null
  try {
    json = text ? JSON.parse(text) : null
  } catch {
    json = { error: text }
  }
  const answer = { method, path, status: response.status, ok: response.ok, body: json, challenge: response.headers.get('WWW-Authenticate') }
  if (!quiet) showLastResponse(answer)
  return answer
}

/**
 * Runs `work(waited)` while holding the device-wide refresh lock: other tabs wait for their turn. `waited` says
 * that another tab held the lock first, so it has most likely just refreshed.
 */
function takingTurns(work) {
  // Web Locks exist in secure contexts (https, localhost, 127.0.0.1); elsewhere there is no one to take turns with.
  if (!navigator.locks) return work(false)
  return navigator.locks.request(REFRESH_LOCK, { ifAvailable: true }, (lock) =>
    lock ? work(false) : navigator.locks.request(REFRESH_LOCK, () => work(true)),
  )
}

/**
 * The pair in storage once another tab's write has reached this one. localStorage is shared by the tabs, but a
 * write in one tab reaches another tab's copy a moment later (Chromium keeps a copy per process), possibly after
 * the lock: so a tab that waited for the lock also waits, briefly, for the `storage` event of the new pair.
 */
function tokensAfterOtherTab(stale) {
  const current = readTokens()
  if (current?.refreshToken !== stale.refreshToken) return Promise.resolve(current)
  return new Promise((resolve) => {
    const done = () => {
      window.removeEventListener('storage', onStorage)
      clearTimeout(timer)
      resolve(readTokens())
    }
    const onStorage = (event) => (event.key === TOKENS || event.key === null) && done()
    const timer = setTimeout(done, 2000) // the other tab's refresh was refused, or wrote nothing: go on
    window.addEventListener('storage', onStorage)
  })
}

/**
 * A new pair for the pair `stale`, under the lock. Strict rotation punishes a race (README.md → "The ledger, by
 * cause", group 3): two tabs sending one refresh token at once would count as reuse and end the login. So each tab waits
 * its turn, and a tab that finds the pair already replaced by another tab takes that one instead.
 */
function refreshTokens(stale) {
  return takingTurns(async (waited) => {
    const current = waited ? await tokensAfterOtherTab(stale) : readTokens()
    if (!current) throw new SignedOut('Signed out (in another tab of this device).')
    if (current.refreshToken !== stale.refreshToken) return current // another tab refreshed while this one waited
    if (!current.refreshToken) throw new SignedOut('There is no refresh token to refresh with. Log in again.')
    const answer = await send('POST', '/refresh', { refreshToken: current.refreshToken })
    if (!answer.ok) {
      forgetTokens() // a refused refresh token will not get better: this device is signed out
      throw new SignedOut(`Signed out: ${errorOf(answer)}`)
    }
    storeTokens(answer.body)
    return readTokens()
  })
}

/**
 * An authenticated request, as a real client makes it: with the access token (bearer steps), refreshed first if
 * it has run out, and once more (then retried once) if the server says 401 to it.
 */
async function call(method, path, body) {
  if (credential === 'cookie') return send(method, path, body)
  let tokens = readTokens()
  if (!tokens) throw new SignedOut('Signed out: there is no access token in this page\'s localStorage. Log in first.')
  if (features.refresh && msLeft(tokens.accessToken, tokens.receivedAt) <= 0) tokens = await refreshTokens(tokens)
  let answer = await send(method, path, body, tokens.accessToken)
  if (answer.status === 401 && features.refresh) {
    tokens = await refreshTokens(tokens)
    answer = await send(method, path, body, tokens.accessToken)
  }
  return answer
}

function errorOf(answer) {
  return (answer.body && typeof answer.body.error === 'string' && answer.body.error) || `The server answered ${answer.status}.`
}

// ---------- what the page shows ----------

function say(text) {
  $('status').textContent = text
}

/** Shows who is signed in, the credential, and (step 06) the device list, fetched again. */
async function setSignedIn(email) {
  signedInAs = email
  $('who').textContent = email ? email : 'nobody, as far as this page knows'
  showCredential()
  if (features.devices) await showDevices()
}

async function signOutHere(reason) {
  forgetTokens()
  forgetServiceToken()
  say(reason)
  await setSignedIn('')
}

/** The last response, with its tokens shortened so that it fits (the credential panel decodes them). */
function showLastResponse({ method, path, status, body }) {
  const shorten = (key, value) => (/Token$/.test(key) && typeof value === 'string' ? `${value.slice(0, 24)}…(${value.length} characters)` : value)
  $('last').textContent = `${method} ${path} → ${status}\n${body === null ? '(no body)' : JSON.stringify(body, shorten, 2)}`
}

/** `{ "alg": "HS256", "typ": "access+jwt" }`: a JSON object on as few lines as the width allows. */
function pre(value) {
  const element = document.createElement('pre')
  const entries = Object.entries(value).map(([key, item]) => `${JSON.stringify(key)}: ${JSON.stringify(item)}`)
  element.textContent = `{ ${entries.join(', ')} }`
  return element
}

function paragraph(text, className) {
  const element = document.createElement('p')
  element.textContent = text
  if (className) element.className = className
  return element
}

function showCredential() {
  const box = $('credential')
  box.replaceChildren()
  if (credential === 'cookie') {
    box.append(
      paragraph(`The sid cookie: an HttpOnly cookie this page cannot read. document.cookie here is "${document.cookie}".`),
      paragraph('The browser sends it with every request to this origin. A script in the page cannot take it away, though it can still send requests while the page is open.', 'hint'),
    )
    return
  }
  const tokens = readTokens()
  if (!tokens) {
    box.append(paragraph('No tokens in this page\'s localStorage.'))
    return
  }
  box.append(paragraph('Kept in this page\'s localStorage, where any script running in the page can read them.', 'hint'))
  const kinds = [
    ['Access token', tokens.accessToken],
    ['Refresh token', tokens.refreshToken],
  ]
  for (const [title, token] of kinds) {
    if (!token) continue
    const { header, claims } = decodeJwt(token)
    const section = document.createElement('div')
    section.className = 'token'
    const heading = document.createElement('h4')
    heading.textContent = title
    const left = document.createElement('span')
    left.className = 'countdown'
    left.dataset.token = token
    left.dataset.receivedAt = String(tokens.receivedAt)
    heading.append(' ', left)
    section.append(heading, paragraph('Header', 'label'), pre(header), paragraph('Claims', 'label'), pre(claims))
    box.append(section)
  }
  tick()
}

function formatLeft(ms) {
  const total = Math.floor(Math.abs(ms) / 1000)
  const days = Math.floor(total / 86400)
  const h = Math.floor((total % 86400) / 3600)
  const m = Math.floor((total % 3600) / 60)
  const s = total % 60
  const clock = `${h ? `${h}:${String(m).padStart(2, '0')}` : m}:${String(s).padStart(2, '0')}`
  return days ? `${days} d ${clock}` : clock
}

/** The live count-down to exp; not a live region, so a screen reader is not told every second. */
function tick() {
  for (const element of document.querySelectorAll('.countdown')) {
    const { token, receivedAt } = /** @type {HTMLElement} */ (element).dataset
    const ms = msLeft(token, Number(receivedAt))
    element.textContent = ms === Infinity ? 'no exp claim' : ms > 0 ? `expires in ${formatLeft(ms)}` : `expired ${formatLeft(ms)} ago`
    element.classList.toggle('expired', ms <= 0)
  }
}

async function showDevices() {
  const section = $('devices-section')
  const list = $('devices')
  if (!signedInAs) {
    section.hidden = true
    list.replaceChildren()
    return
  }
  const answer = await send('GET', '/sessions', undefined, undefined, true)
  if (!answer.ok || !Array.isArray(answer.body?.sessions)) return
  const time = (iso) => new Date(iso).toLocaleString()
  const items = answer.body.sessions.map((session, index) => {
    const item = document.createElement('li')
    const text = document.createElement('span')
    text.id = `device-${index}`
    text.textContent = `Signed in ${time(session.createdAt)}, last seen ${time(session.lastSeenAt)}`
    if (session.current) {
      const mark = document.createElement('strong')
      mark.textContent = 'This device'
      item.append(mark, ' · ', text)
      item.className = 'current'
      item.setAttribute('aria-current', 'true')
    } else {
      const end = document.createElement('button')
      end.type = 'button'
      end.textContent = 'End'
      end.setAttribute('aria-describedby', text.id)
      end.addEventListener('click', () => act(() => endDevice(session.id)))
      item.append(text, ' ', end)
    }
    return item
  })
  list.replaceChildren(...items)
  section.hidden = false
}

// ---------- the buttons ----------

const credentials = () => ({ email: field('email').value, password: field('password').value })

const actions = {
  async register() {
    const answer = await send('POST', '/register', credentials())
    say(answer.ok ? `Registered ${answer.body.user.email}. Now log in.` : errorOf(answer))
  },

  async login() {
    const answer = await send('POST', '/login', credentials())
    if (!answer.ok) return say(errorOf(answer))
    if (typeof answer.body.accessToken === 'string') {
      credential = 'bearer'
      storeTokens(answer.body)
    }
    // Bearer steps answer only tokens: the next GET /me says who they name.
    const email = answer.body.user?.email ?? (await call('GET', '/me')).body?.user?.email
    await setSignedIn(email ?? '')
    say(`Signed in as ${email}.`)
  },

  async me() {
    const answer = await call('GET', '/me')
    if (answer.ok) {
      await setSignedIn(answer.body.user.email)
      say(`Signed in as ${answer.body.user.email}.`)
    } else if (answer.status === 401) {
      await signOutHere(`Signed out: ${errorOf(answer)}`)
    } else {
      say(errorOf(answer))
    }
  },

  async refresh() {
    const tokens = readTokens()
    if (!tokens) return say('Log in first: there is no refresh token in this page\'s localStorage.')
    await refreshTokens(tokens)
    showCredential()
    say(refreshedSentence())
  },

  async logout() {
    const tokens = readTokens()
    const answer = await call('POST', '/logout', features.refresh && tokens?.refreshToken ? { refreshToken: tokens.refreshToken } : undefined)
    // Whatever the server says, this device forgets its tokens: that is all a client can do.
    await signOutHere(answer.ok ? 'Logged out.' : `Logged out here; the server said: ${errorOf(answer)}`)
  },

  async 'logout-all'() {
    const answer = await call('POST', '/logout-all')
    if (answer.ok) await signOutHere('Logged out everywhere.')
    else if (answer.status === 401) await signOutHere(`Signed out: ${errorOf(answer)}`)
    else say(errorOf(answer)) // 501 in steps 02–03: the sentence says why it is impossible there
  },

  service() {
    return callService()
  },

  async password() {
    const body = { currentPassword: field('password').value, newPassword: field('new-password').value }
    const answer = await call('POST', '/password', body)
    if (answer.status === 401) return signOutHere(`Signed out: ${errorOf(answer)}`)
    if (!answer.ok) return say(errorOf(answer)) // 403: the current password was wrong, and nothing changed
    if (answer.body?.accessToken) storeTokens(answer.body) // steps 03–05: a fresh pair for this device
    field('password').value = body.newPassword
    field('new-password').value = ''
    await setSignedIn(signedInAs)
    say('Password changed. This device stays signed in; the Password field now holds the new password.')
  },
}

// ---------- step 07: a token for another service ----------

function forgetServiceToken() {
  if (serviceToken) clearTimeout(serviceToken.timer)
  serviceToken = null
}

/** A token for the service: the one in memory while it lives, else a new one from the app (the session pays for it). */
async function tokenForService() {
  if (serviceToken && Date.now() < serviceToken.expiresAt) return { token: serviceToken.token }
  const answer = await send('POST', '/token', { audience: features.service.name })
  if (!answer.ok) return { error: answer }
  forgetServiceToken()
  const lifetime = Number(answer.body.expiresIn) * 1000
  // Kept in a variable of this module, for its lifetime at most: no storage, and gone at exp or at a reload.
  serviceToken = { token: answer.body.token, expiresAt: Date.now() + lifetime, timer: setTimeout(forgetServiceToken, lifetime) }
  return { token: serviceToken.token }
}

async function callService() {
  const box = $('service')
  const minted = await tokenForService()
  if (minted.error) {
    if (minted.error.status === 401) return signOutHere(`Signed out: ${errorOf(minted.error)}`)
    return say(errorOf(minted.error))
  }
  // Another origin: CORS lets this page read the answer; no cookie goes there, only the token.
  const response = await fetch(`${features.service.url}/me`, {
    headers: { Accept: 'application/json', Authorization: `Bearer ${minted.token}` },
    credentials: 'omit',
    cache: 'no-store',
  })
  const text = await response.text()
  let body = null
  try {
    body = text ? JSON.parse(text) : null
  } catch {
    body = { error: text }
  }
  showLastResponse({ method: 'GET', path: `${features.service.url}/me`, status: response.status, body })
  const { header, claims } = decodeJwt(minted.token)
  box.replaceChildren(
    paragraph('The token (in memory only)', 'label'),
    paragraph('Header', 'label'),
    pre(header),
    paragraph('Claims', 'label'),
    pre(claims),
    paragraph(`The ${features.service.name} service answered ${response.status}`, 'label'),
    pre(body ?? {}),
  )
  if (response.ok) say(`The ${body.service} service says you are user ${body.user.id}, from the token alone.`)
  else say(`The ${features.service.name} service refused the token: ${errorOf({ status: response.status, body })}`)
}

async function endDevice(id) {
  const answer = await call('DELETE', `/sessions/${encodeURIComponent(id)}`)
  say(answer.ok ? 'Ended that device: its next request will be refused.' : errorOf(answer))
  await showDevices()
  $('devices-heading').focus() // the button that had the focus is gone
}

/**
 * What a refresh did to the old refresh token, as this step does it: steps 03 and 04 leave it working (their
 * lesson, and their gap), step 05 on marks it used.
 */
function refreshedSentence() {
  const step = Number(/^step-(\d+)/.exec(features.name ?? '')?.[1])
  const got = 'Refreshed: a new access token and a new refresh token'
  if (step === 3 || step === 4) return `${got}. The old refresh token still works until it expires: nothing on the server marks it used (step 05 does).`
  if (step >= 5) return `${got}; the old refresh token is spent: presented again, it ends this login.`
  return `${got}.`
}

/** Runs one button's work; a refused refresh signs this device out, and says why. */
async function act(work) {
  document.body.setAttribute('aria-busy', 'true')
  try {
    await work()
  } catch (err) {
    if (err instanceof SignedOut) await signOutHere(err.message)
    else say(`The request failed: ${err instanceof Error ? err.message : err}. Is the server running?`)
  } finally {
    document.body.removeAttribute('aria-busy')
    document.body.dataset.actions = String(Number(document.body.dataset.actions ?? 0) + 1) // for the browser tests
  }
}

// ---------- start ----------

async function start() {
  $('origin').textContent = location.origin
  const other = location.hostname === 'localhost' ? '127.0.0.1' : location.hostname === '127.0.0.1' ? 'localhost' : ''
  if (other) {
    const url = `${location.protocol}//${other}${location.port ? `:${location.port}` : ''}/`
    $('other-device').textContent = `Open ${url} beside it for a second device.`
  }

  features = (await send('GET', '/page/step.json', undefined, undefined, true)).body ?? features
  if (features.name) {
    $('step-name').textContent = features.name
    document.title = `The app · ${features.name}`
  }
  for (const button of document.querySelectorAll('[data-action="refresh"]')) /** @type {HTMLElement} */ (button).hidden = !features.refresh
  $('service-section').hidden = !features.service

  // Which credential? Asked without one, a bearer step must answer 401 with `WWW-Authenticate: Bearer` (RFC 6750 §3);
  // a cookie step answers 200 (the browser sent the cookie) or 401 without a challenge.
  const probe = await send('GET', '/me', undefined, undefined, true)
  credential = features.refresh || /^bearer\b/i.test(probe.challenge ?? '') ? 'bearer' : 'cookie'
  if (probe.ok) {
    await setSignedIn(probe.body.user.email)
    say(`Signed in as ${probe.body.user.email}.`)
  } else if (credential === 'bearer' && readTokens()) {
    await act(actions.me)
  } else {
    await setSignedIn('')
    say('Signed out. Register, or log in.')
  }

  $('account').addEventListener('submit', (event) => {
    event.preventDefault() // Enter in a field means Log in; the page sends JSON itself
    void act(actions.login)
  })
  for (const button of document.querySelectorAll('button[data-action]')) {
    const name = /** @type {HTMLElement} */ (button).dataset.action
    if (name === 'login') continue // the form's submit button
    button.addEventListener('click', () => act(actions[name]))
  }
  // Another tab of this device refreshed, logged in or out: show what the storage holds now.
  window.addEventListener('storage', (event) => {
    if (event.key !== TOKENS && event.key !== null) return
    if (credential === 'bearer' && !readTokens() && signedInAs) void setSignedIn('')
    else showCredential()
  })
  setInterval(tick, 1000)
  document.body.dataset.ready = 'true'
}

void start()
