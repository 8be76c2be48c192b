/**
 * Ingestion throughput and latency: `POST /v1/clicks` and `POST /v1/conversions` against
 * `GET /healthz` measured in the same run and at the same concurrency, then a check that D1
 * holds exactly as many clicks and conversions as were answered 2xx.
 *
 * Two runtimes: `wrangler dev` (what `pnpm dev` and the tests run; its proxy worker sits in front
 * of the collector and caps even /healthz) and Miniflare directly (bench/miniflare-collector.mjs:
 * the built Worker, no proxy), where the ratios are the collector's own cost.
 *
 * req/s is the number of answers over the wall time from the start to the last answer
 * (performance.now()): autocannon's own figure, in `amount` mode, averages per-second buckets and
 * rounds the run to whole seconds, which moved a 5-second run by up to 20 %, and its promise
 * settles only on its next one-second tick after the last answer.
 *
 * Run: `node bench/ingest.mjs [wrangler|miniflare|both]` (default both; each starts its own
 * collector), or from bench/run.mjs via `run({ collector })` (wrangler dev is the collector
 * given, Miniflare its own). BENCH_REQUESTS (default 5,000), BENCH_CONVERSIONS (default 2,000) and
 * BENCH_CONNECTIONS (default 20).
 */
import { performance } from 'node:perf_hooks'
import { pathToFileURL } from 'node:url'
import autocannon from 'autocannon'
import { stopOnSignal } from './signals.mjs'

const BROWSER_UA =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36'
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 5000)
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 20)
/** Money events: the target is at 50 concurrent clients. */
const MONEY_CLIENTS = 50
const CONVERSIONS = Number(process.env.BENCH_CONVERSIONS ?? Math.min(REQUESTS, 2000))

/** One autocannon run, timed by the wall clock. */
async function load(opts) {
  const t0 = performance.now()
  // A 30 s timeout: an answer that comes late is measured as late, where a client that gave up
  // would leave a stored event without its 2xx and spoil the D1 check.
  const instance = autocannon({ connections: CONNECTIONS, amount: REQUESTS, timeout: 30, ...opts })
  // The run ends at the last answer. autocannon itself only notices that it is done on its
  // once-a-second tick, so timing until its promise settles rounded every run up to a whole
  // second plus a few ms (a 1,000-conversion run took "8.02" or "10.02" s): ±10 % on short runs.
  let last = t0
  instance.on('response', () => {
    last = performance.now()
  })
  const r = await instance
  const seconds = (last - t0) / 1000
  return {
    connections: opts.connections ?? CONNECTIONS,
    requests: r.requests.total,
    ok: r['2xx'],
    // autocannon's `errors` already includes its timeouts.
    errors: r.errors + r.non2xx,
    timeouts: r.timeouts,
    // Which answers were not 2xx: a 503 under wrangler dev is its reload, not the collector.
    statuses: Object.fromEntries(
      Object.entries(r.statusCodeStats ?? {})
        .filter(([code]) => !code.startsWith('2'))
        .map(([code, v]) => [code, v.count]),
    ),
    seconds,
    rps: r.requests.total / seconds,
    p50: r.latency.p50,
    p99: r.latency.p99,
  }
}

/**
 * autocannon options that send clicks to `url`, each from its own visitor address and with its
 * own click id (shared with bench/ingest-profile.mjs and bench/ingest-ab.mjs).
 */
export function clickRequests(url, keys, code, tag) {
  let n = 0
  return {
    url: `${url}/v1/clicks`,
    method: 'POST',
    headers: { 'content-type': 'text/plain', 'user-agent': BROWSER_UA },
    requests: [
      {
        // Real traffic comes from many addresses: the collector limits clicks per publishable
        // key and IP, and both runtimes keep the CF-Connecting-IP the client sends.
        setupRequest: (req) => {
          const i = ++n
          return {
            ...req,
            headers: {
              ...req.headers,
              'cf-connecting-ip': `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
            },
            body: JSON.stringify({
              key: keys.publishable,
              ref: code,
              url: 'https://saas.example/?ref=x',
              click_id: `b${tag}_${String(i).padStart(12, '0')}`,
            }),
          }
        },
      },
    ],
  }
}

/** autocannon options that send conversions of 49 USD to `url`, each with its own event id. */
export function conversionRequests(url, keys, code, tag) {
  let m = 0
  return {
    url: `${url}/v1/conversions`,
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${keys.secret}` },
    requests: [
      {
        setupRequest: (req) => ({
          ...req,
          body: JSON.stringify({ event_id: `inv_${tag}_${++m}`, ref: code, amount: 4900, currency: 'USD' }),
        }),
      },
    ],
  }
}

const clickLoad = (collector, keys, code, tag, opts = {}) =>
  load({ ...clickRequests(collector.url, keys, code, tag), ...opts })

const conversionLoad = (collector, keys, code, tag, opts = {}) =>
  load({ amount: CONVERSIONS, ...conversionRequests(collector.url, keys, code, tag), ...opts })

async function countRows(collector, table, programId, wanted) {
  // Clicks reach D1 within about a second (the hub's outbox); wait for the flush, bounded.
  const deadline = Date.now() + 20_000
  let stored = -1
  while (Date.now() < deadline) {
    const [row] = await collector.query(
      `SELECT COUNT(*) AS n FROM ${table} WHERE program_id = '${programId}'`,
    )
    stored = row.n
    if (stored >= wanted) break
    await new Promise((r) => setTimeout(r, 500))
  }
  return stored
}

const ratio = (a, b) => +(a.rps / b.rps).toFixed(2)

/**
 * Measures one collector. The baseline is measured at each concurrency used, right before the
 * endpoints it is compared with, so a change in the machine's load between them moves both.
 */
export async function measureIngest(collector, runtime) {
  const tag = Date.now().toString(36)
  const { program, keys } = await collector.createProgram({ name: `Ingest bench (${runtime})` })
  const aff = await collector.api('POST', '/v1/affiliates', {
    token: keys.secret,
    body: { name: 'Bench affiliate', email: 'bench@example.com', code: `bench${tag}` },
  })
  const code = aff.body.affiliate.code

  // Warm up the isolate, the key cache and the hub before measuring.
  await load({ url: `${collector.url}/healthz`, amount: 500 })
  const warm = await clickLoad(collector, keys, code, `w${tag}`, { amount: 200 })

  const health = await load({ url: `${collector.url}/healthz` })
  const clicks = await clickLoad(collector, keys, code, tag)
  const conversions = await conversionLoad(collector, keys, code, `${tag}c`)
  const health50 = await load({ url: `${collector.url}/healthz`, connections: MONEY_CLIENTS })
  const conversions50 = await conversionLoad(collector, keys, code, `${tag}c50`, {
    connections: MONEY_CLIENTS,
  })

  // The audit flushes the hub's click outbox to D1 first (clicks may otherwise wait there for the
  // deployment's flush window) and compares every hub counter with D1.
  const audit = await collector.api('GET', `/v1/admin/programs/${program.id}/audit`, {
    token: collector.adminToken,
  })
  const clicksOk = clicks.ok + warm.ok
  const storedClicks = await countRows(collector, 'clicks', program.id, clicksOk)
  const convOk = conversions.ok + conversions50.ok
  const storedConv = await countRows(collector, 'conversions', program.id, convOk)

  const rows = [
    { name: 'GET /healthz (baseline)', ...health, vs_healthz: 1 },
    { name: 'POST /v1/clicks', ...clicks, vs_healthz: ratio(clicks, health) },
    { name: 'POST /v1/conversions', ...conversions, vs_healthz: ratio(conversions, health) },
    { name: 'GET /healthz (baseline)', ...health50, vs_healthz: 1 },
    { name: 'POST /v1/conversions', ...conversions50, vs_healthz: ratio(conversions50, health50) },
  ]
  console.log(`\nIngestion, ${runtime} on 127.0.0.1 (req/s = answers / wall time):`)
  console.table(
    rows.map((r) => ({
      endpoint: r.name,
      clients: r.connections,
      requests: r.requests,
      '2xx': r.ok,
      errors: r.errors,
      timeouts: r.timeouts,
      seconds: +r.seconds.toFixed(2),
      'req/s': Math.round(r.rps),
      'p50 ms': r.p50,
      'p99 ms': r.p99,
      'vs /healthz': r.vs_healthz,
    })),
  )
  for (const r of rows)
    if (Object.keys(r.statuses).length)
      console.log(`${r.name}, ${r.connections} clients: non-2xx ${JSON.stringify(r.statuses)}`)
  console.log('hub audit against D1: %s', audit.body?.equal ? 'equal' : JSON.stringify(audit.body))
  const clicksMatch = storedClicks === clicksOk
  const convMatch = storedConv === convOk
  console.log(
    'D1 clicks stored: %d, answered 2xx: %d → %s',
    storedClicks,
    clicksOk,
    clicksMatch ? 'match' : 'MISMATCH',
  )
  console.log(
    'D1 conversions stored: %d, answered 2xx: %d → %s',
    storedConv,
    convOk,
    convMatch ? 'match' : 'MISMATCH',
  )
  const money = {
    figure: ratio(conversions50, health50),
    errors: conversions50.errors,
    met: ratio(conversions50, health50) >= 0.5 && conversions50.errors === 0 && convMatch,
  }
  console.log(
    'money events at %d clients: %s× /healthz, %d errors, D1 %s → target (≥ 0.5×, 0 errors, rows = 2xx) %s',
    MONEY_CLIENTS,
    money.figure,
    money.errors,
    convMatch ? 'matches' : 'MISMATCHES',
    money.met ? 'met' : 'missed',
  )
  return {
    runtime,
    ok: clicksMatch && convMatch && audit.body?.equal === true,
    audit_equal: audit.body?.equal === true,
    health,
    clicks,
    conversions,
    health50,
    conversions50,
    stored: { clicks: storedClicks, clicks2xx: clicksOk, conversions: storedConv, conversions2xx: convOk },
    rows,
  }
}

export async function runMiniflare() {
  const { startMiniflareCollector } = await import('./miniflare-collector.mjs')
  const collector = await startMiniflareCollector()
  stopOnSignal(collector)
  try {
    return await measureIngest(collector, 'Miniflare (no wrangler dev proxy)')
  } finally {
    await collector.stop()
  }
}

export async function run({ collector, runtimes = ['wrangler', 'miniflare'] } = {}) {
  const results = {}
  if (runtimes.includes('wrangler')) {
    const own = !collector
    if (own) {
      const { startCollector } = await import('../scripts/local-collector.mjs')
      collector = await startCollector()
      stopOnSignal(collector)
    }
    try {
      results.wrangler = await measureIngest(collector, 'wrangler dev')
    } finally {
      if (own) await collector.stop()
    }
  }
  if (runtimes.includes('miniflare')) results.miniflare = await runMiniflare()
  return { ok: Object.values(results).every((r) => r.ok), ...results }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const which = process.argv[2] ?? 'both'
  const { ok } = await run({ runtimes: which === 'both' ? ['wrangler', 'miniflare'] : [which] })
  process.exit(ok ? 0 : 1)
}
