/**
 * Reporting at scale: seeds a year (bench/seed-year.mjs) and times `GET /v1/stats` (year by day,
 * the default 30 days, 7 days by hour, a Europe/Paris year), the dashboard's overview (30 days,
 * the year) and the portal's data, each beside GET /healthz timed in the same run. Every
 * request is timed from just before it is sent to the end of its body; sequential, so the
 * figure is the collector's, not a queue's. Writes bench/results/reporting-<affiliates>.json.
 *
 * The same seeded year is timed on `wrangler dev` and then on Miniflare directly (the dev proxy
 * in front of wrangler dev adds to every request); `--wrangler-only` leaves Miniflare out.
 *
 * Run: `node bench/reporting.mjs [affiliates] [rows] [samples] [--wrangler-only]` (starts its
 * own collectors), or from bench/run.mjs via `run()`.
 */
import { randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { pathToFileURL } from 'node:url'
import { seedYear } from './seed-year.mjs'

const DAY = 86_400_000

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]
}

export async function time(url, headers, samples) {
  const ms = []
  let status = 0
  let rowsRead = 0
  let statements = 0
  for (let i = 0; i < samples + 2; i++) {
    const t0 = performance.now()
    const res = await fetch(url, { headers })
    await res.arrayBuffer()
    if (i >= 2) ms.push(performance.now() - t0) // two warm-up requests
    status = res.status
    // The collector runs with D1_METER=on: each answer says what it cost in D1.
    rowsRead = Number(res.headers.get('x-d1-rows-read') ?? Number.NaN)
    statements = Number(res.headers.get('x-d1-statements') ?? Number.NaN)
  }
  if (status !== 200) throw new Error(`${url} answered ${status}`)
  ms.sort((a, b) => a - b)
  return {
    p50: +percentile(ms, 50).toFixed(1),
    p95: +percentile(ms, 95).toFixed(1),
    samples,
    d1_rows_read: rowsRead,
    d1_statements: statements,
  }
}

const TARGET_MS = { 200: 50 }
/** The targets: p95 ≤ 50 ms at 200 affiliates (≤ 100 ms at 2,000); ≤ 20,000 rows per dashboard load. */
function targetMs(affiliates) {
  return TARGET_MS[affiliates] ?? 100
}

/** A dashboard session for the bench: the sign-in form's CSRF cookie, then the admin token. */
export async function signIn(url, adminToken) {
  const form = await fetch(`${url}/dashboard/sign-in`)
  const csrf = form.headers.getSetCookie().map((c) => c.split(';')[0])
  const value = csrf[0]?.split('=').slice(1).join('=') ?? ''
  const res = await fetch(`${url}/dashboard/sign-in`, {
    method: 'POST',
    redirect: 'manual',
    headers: {
      origin: url,
      cookie: csrf.join('; '),
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ _csrf: value, token: adminToken }).toString(),
  })
  const cookies = res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .filter((c) => !c.endsWith('='))
  if (res.status !== 303 || !cookies.length) throw new Error(`dashboard sign-in answered ${res.status}`)
  return cookies.join('; ')
}

/**
 * Seeds one year on a `wrangler dev` collector of its own (the year's data would weigh on every
 * other suite, and D1 usage is only answered with D1_METER=on) and times the shapes there; then,
 * unless `miniflare` is false, opens the same state folder with a Miniflare collector, without the
 * dev proxy in front, and times them again: the collector's own figures, as for ingestion and live.
 */
export async function run({ affiliates = 200, rows = 1_000_000, samples = 40, miniflare = true } = {}) {
  const { startCollector } = await import('../scripts/local-collector.mjs')
  const persistTo = mkdtempSync(join(tmpdir(), 'refline-reporting-'))
  const adminToken = `adm_reporting_${randomBytes(12).toString('base64url')}`
  const vars = { D1_METER: 'on' }
  try {
    const collector = await startCollector({ persistTo, adminToken, vars })
    let seeded
    let portalPath
    let wrangler
    try {
      ;({ seeded, portalPath } = await seedForShapes(collector, { affiliates, rows }))
      console.log('wrangler dev:')
      wrangler = await timeShapes(collector, seeded, portalPath, { affiliates, samples })
    } finally {
      await collector.stop()
    }
    let onMiniflare
    if (miniflare) {
      const { startMiniflareCollector } = await import('./miniflare-collector.mjs')
      const mf = await startMiniflareCollector({ persistTo, adminToken, vars })
      try {
        console.log('Miniflare:')
        onMiniflare = await timeShapes(mf, seeded, portalPath, { affiliates, samples })
      } finally {
        await mf.stop()
      }
    }
    const out = {
      at: new Date().toISOString(),
      affiliates,
      seeded: seeded.counts,
      seed_seconds: seeded.seconds,
      results: wrangler,
      ...(onMiniflare ? { miniflare: onMiniflare } : {}),
    }
    mkdirSync(new URL('./results/', import.meta.url), { recursive: true })
    writeFileSync(
      new URL(`./results/reporting-${affiliates}.json`, import.meta.url),
      `${JSON.stringify(out, null, 2)}\n`,
    )
    return { ok: true, ...out }
  } finally {
    rmSync(persistTo, { recursive: true, force: true })
  }
}

/**
 * Seeds a year on `collector` (seedYear) and gives its first affiliate a portal link: what
 * shapesFor needs. Resolves to seedYear's answer and the link's path.
 */
export async function seedForShapes(collector, { affiliates, rows }) {
  const seeded = await seedYear(collector, { affiliates, rows })
  console.log(`seeded in ${seeded.seconds.toFixed(1)} s:`, seeded.counts)
  const portal = await collector.api('POST', `/v1/affiliates/${seeded.affiliateIds[0]}/portal-link`, {
    token: seeded.keys.secret,
  })
  return { seeded, portalPath: new URL(portal.body.portal_url).pathname }
}

/**
 * The requests timed, by name: [url, headers]. `seeded` is seedYear's answer, `cookie` a dashboard
 * session (signIn), `portalPath` the path of one affiliate's portal link.
 */
export function shapesFor(url, seeded, cookie, portalPath, now = Date.now()) {
  const auth = { authorization: `Bearer ${seeded.keys.secret}` }
  const yearFrom = new Date(now - 364 * DAY).toISOString()
  const p = seeded.program.id
  return {
    healthz: [`${url}/healthz`, {}],
    'stats: year by day': [`${url}/v1/stats?from=${yearFrom}&interval=day`, auth],
    'stats: year by day, Europe/Paris': [
      `${url}/v1/stats?from=${yearFrom}&interval=day&tz=Europe/Paris`,
      auth,
    ],
    'stats: default 30 days': [`${url}/v1/stats`, auth],
    'stats: 7 days by hour': [
      `${url}/v1/stats?from=${new Date(now - 7 * DAY).toISOString()}&interval=hour`,
      auth,
    ],
    'stats: year, one affiliate': [
      `${url}/v1/stats?from=${yearFrom}&affiliate=${seeded.affiliateIds[1]}`,
      auth,
    ],
    'stats: year, one sub-id': [`${url}/v1/stats?from=${yearFrom}&sub=s1`, auth],
    'stats: year, one affiliate and sub-id': [
      `${url}/v1/stats?from=${yearFrom}&affiliate=${seeded.affiliateIds[1]}&sub=s1`,
      auth,
    ],
    'overview: 30 days': [`${url}/dashboard/api/overview?program=${p}&mode=live`, { cookie }],
    'overview: year': [`${url}/dashboard/api/overview?program=${p}&mode=live&from=${yearFrom}`, { cookie }],
    'portal data': [`${url}${portalPath}/data.json`, {}],
  }
}

/** Times every shape on `collector` (seeded by seedYear) and prints each beside its target. */
async function timeShapes(collector, seeded, portalPath, { affiliates, samples }) {
  const cookie = await signIn(collector.url, collector.adminToken)
  const shapes = shapesFor(collector.url, seeded, cookie, portalPath)
  const results = {}
  for (const [name, [u, headers]] of Object.entries(shapes)) {
    results[name] = await time(u, headers, samples)
    const r = results[name]
    const target =
      name === 'healthz'
        ? ''
        : r.p95 <= targetMs(affiliates)
          ? 'met'
          : `missed by ${(r.p95 - targetMs(affiliates)).toFixed(1)} ms`
    console.log(
      name.padEnd(36),
      `p50 ${r.p50} ms`.padEnd(16),
      `p95 ${r.p95} ms`.padEnd(16),
      `×${(r.p95 / results.healthz.p95).toFixed(1)} healthz`.padEnd(16),
      `D1 rows read ${r.d1_rows_read}`.padEnd(22),
      target,
    )
  }
  const overviewRows = Math.max(
    results['overview: 30 days'].d1_rows_read,
    results['overview: year'].d1_rows_read,
  )
  console.log(
    `most D1 rows read by a dashboard load: ${overviewRows} (target ≤ 20,000: ${overviewRows <= 20_000 ? 'met' : 'missed'})`,
  )
  return results
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await run({
    affiliates: Number(process.argv[2]) || 200,
    rows: Number(process.argv[3]) || 1_000_000,
    samples: Number(process.argv[4]) || 40,
    miniflare: !process.argv.includes('--wrangler-only'),
  })
}
