// The benchmark's outputs: a Markdown table for the terminal and the slides, and a hand-built SVG bar chart.
import { availableParallelism, cpus, platform, release, totalmem } from 'node:os'
import type { Load } from './load.ts'
import type { Queries } from './scenarios.ts'

export interface Row {
  /** `01 sessions`, or the ceiling's name. */
  label: string
  ceiling: boolean
  /** An app of the bench's own (the ceiling, the claims-only JWT), not a step: its label is set in italics. */
  benchOnly?: boolean
  queries: Queries
  /** Bytes of credential that every GET /me carries: its `Cookie` or `Authorization` header line. */
  bytes: number
  load: Load
  afterLogout?: string
  afterPasswordChange?: string
}

/** Step 07's second table: the service's GET /me and the app's POST /token. */
export interface ServiceRow {
  label: string
  queries: number
  bytes: number
  load: Load
  afterLogout: string
}

export function serviceTable(rows: ServiceRow[], ceiling: Row): string {
  const lines = rows.map((row) =>
    [
      row.label,
      String(row.queries),
      String(row.bytes),
      integer.format(row.load.requestsPerSecond),
      `${Math.round((100 * row.load.requestsPerSecond) / ceiling.load.requestsPerSecond)} %`,
      ms(row.load.p50),
      ms(row.load.p99),
      row.afterLogout,
    ].join(' | '),
  )
  return [
    '| step 07, tokens for another service | queries | bytes of credential per request | requests/s | of the ceiling | p50 | p99 | after the owner logs out, a token minted before is refused |',
    '|---|---:|---:|---:|---:|---:|---:|---|',
    ...lines.map((line) => `| ${line} |`),
    '',
    'The service runs in its own process, with no database: it verifies an ES256 signature with the public keys it fetched once from the app. ' +
      'POST /token is the price of a token: one query (the session JOIN its user) and an ES256 signature. ' +
      'The introspecting service is no step (`scripts/bench/introspection`): it asks the app about every token (RFC 7662), which answers from the sessions table, so a logout reaches the very next call; its queries are the app\'s, one per call, and every call waits for that round trip.',
    '',
  ].join('\n')
}

export interface Settings {
  duration: number
  warmup: number
  connections: number
}

export function machine(): string {
  const model = cpus()[0]?.model.replace(/\s+/g, ' ').trim() ?? 'unknown CPU'
  const memory = Math.round(totalmem() / 2 ** 30)
  return `${availableParallelism()} cores (${model}), ${memory} GiB, ${platform()} ${release()}, Node ${process.version}`
}

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 })
const ms = (value: number) => `${value < 10 ? value.toFixed(2) : value.toFixed(1)} ms`
const percent = (row: Row, ceiling: Row) => `${Math.round((100 * row.load.requestsPerSecond) / ceiling.load.requestsPerSecond)} %`

export function queriesText({ steady, afterIdle }: Queries): string {
  return afterIdle === steady ? String(steady) : `${steady} (${afterIdle} after 2 idle min)`
}

export function markdownTable(rows: Row[], settings: Settings, date = new Date()): string {
  const ceiling = rows.find((row) => row.ceiling)!
  const header = [
    '| GET /me | queries | bytes of credential per request | requests/s | of the ceiling | p50 | p99 | a stolen credential is refused, after logout | after a password change |',
    '|---|---:|---:|---:|---:|---:|---:|---|---|',
  ]
  const lines = rows.map((row) =>
    [
      row.ceiling || row.benchOnly ? `*${row.label}*` : row.label,
      queriesText(row.queries),
      String(row.bytes),
      integer.format(row.load.requestsPerSecond),
      percent(row, ceiling),
      ms(row.load.p50),
      ms(row.load.p99),
      row.afterLogout ?? '—',
      row.afterPasswordChange ?? '—',
    ].join(' | '),
  )
  const note =
    `Measured by \`npm run bench\` on ${date.toISOString().slice(0, 10)}: ${machine()}. ` +
    `autocannon on 127.0.0.1, ${settings.connections} connections, ${settings.duration} s per app in rounds of about 0.5 s taken in turn (the median round is shown), after a ${settings.warmup} s warm-up; ` +
    'each app in its own process as `npm start` serves it (in-memory SQLite). ' +
    'Queries, bytes and revocation are counted in-process with the test clock: the bytes are the `Cookie` or `Authorization` line of the request; a thief holds a copy of the credential, rotates it first where it can, and refreshes when refused. ' +
    'The claims-only JWT is no step: a 15-minute access token carrying the id and the email, trusted as it stands (`scripts/bench/claims-only`).'
  return [...header, ...lines.map((line) => `| ${line} |`), '', note, ''].join('\n')
}

const escapeXml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')

/**
 * Horizontal bars of requests/s, one per app, the ceiling first; red where GET /me costs two queries or more.
 * The steps share one scale. The ceiling is usually far faster than any of them, so its bar is drawn cut
 * (a visible break) rather than squeezing every step into a sliver.
 */
export function svgChart(rows: Row[], settings: Settings): string {
  const ceiling = rows.find((row) => row.ceiling)!
  const steps = rows.filter((row) => !row.ceiling)
  const width = 1200
  const top = 110
  const rowHeight = 64
  const barX = 330
  const barMax = 500 // the fastest step
  const cutBar = 560 // the ceiling's bar, when it would not fit on the steps' scale
  const height = top + rows.length * rowHeight + 70
  const scaleMax = Math.max(1, ...steps.map((row) => row.load.requestsPerSecond))
  const bars = rows.map((row, i) => {
    const y = top + i * rowHeight
    const full = Math.round((barMax * row.load.requestsPerSecond) / scaleMax)
    const cut = full > cutBar
    const barWidth = Math.max(2, cut ? cutBar : full)
    const kind = row.ceiling ? 'ceiling' : row.queries.steady === 0 ? 'none' : row.queries.steady >= 2 ? 'two' : 'one'
    const queries = `${row.queries.steady} ${row.queries.steady === 1 ? 'query' : 'queries'}${row.ceiling ? '' : ` · ${row.bytes} B`}`
    const lines = [
      `  <text class="name" x="${barX - 16}" y="${y + 26}">${escapeXml(row.label)}</text>`,
      `  <text class="small" x="${barX - 16}" y="${y + 50}">${queries}</text>`,
      `  <rect class="bar ${kind}" x="${barX}" y="${y + 6}" width="${barWidth}" height="${rowHeight - 18}" rx="4"/>`,
      `  <text class="value" x="${barX + barWidth + 14}" y="${y + 38}">${integer.format(row.load.requestsPerSecond)}/s · ${percent(row, ceiling)}</text>`,
    ]
    if (cut) {
      const x = barX + cutBar - 70 // two white slashes: the bar is not to scale beyond them
      lines.push(`  <path class="cut" d="M ${x} ${y + rowHeight - 6} l 16 ${-(rowHeight - 6)} M ${x + 14} ${y + rowHeight - 6} l 16 ${-(rowHeight - 6)}"/>`)
    }
    return lines.join('\n')
  })
  const footer = `${machine()} · ${settings.connections} connections × ${settings.duration} s`
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="GET /me requests per second for every step, measured by npm run bench">
  <title>GET /me: requests per second per step, and the share of a bare route with no auth. Measured by npm run bench.</title>
  <style>
    text { font-family: sans-serif; font-size: 24px; fill: #1f2937; }
    .caption { font-size: 32px; font-weight: bold; }
    .subtitle { font-size: 22px; fill: #4b5563; }
    .name { font-weight: bold; text-anchor: end; }
    .small { font-size: 19px; fill: #4b5563; text-anchor: end; }
    .value { font-family: monospace; font-size: 24px; font-weight: bold; }
    .footer { font-size: 17px; fill: #4b5563; }
    .bar.one { fill: #1f2937; }
    .bar.two { fill: #b91c1c; }
    .bar.ceiling { fill: #9ca3af; }
    .bar.none { fill: #1d4ed8; }
    .cut { stroke: #ffffff; stroke-width: 6; fill: none; }
  </style>
  <rect width="${width}" height="${height}" fill="#ffffff"/>
  <text class="caption" x="24" y="46">GET /me, requests per second (longer is better)</text>
  <text class="subtitle" x="24" y="80">grey: no auth (the % after each bar) · blue: no query · red: two queries · B: credential bytes</text>
${bars.join('\n')}
  <text class="footer" x="24" y="${height - 24}">${escapeXml(footer)}</text>
</svg>
`
}
