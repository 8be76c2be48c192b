/**
 * Ingestion throughput and latency on a real local collector (wrangler dev, workerd, local D1):
 * `POST /v1/clicks` and `POST /v1/conversions` against `GET /healthz` measured in the same run,
 * then a check that D1 holds exactly as many clicks as were answered 2xx.
 */
import autocannon from 'autocannon'
import { startCollector } from '../scripts/local-collector.mjs'

const BROWSER_UA =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36'
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 5000)
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 20)

function load(opts) {
  return autocannon({ connections: CONNECTIONS, amount: REQUESTS, timeout: 10, ...opts })
}

function summary(name, r) {
  return {
    name,
    requests: r.requests.total,
    '2xx': r['2xx'],
    errors: r.errors + r.non2xx,
    'req/s': Math.round(r.requests.average),
    'p50 ms': r.latency.p50,
    'p99 ms': r.latency.p99,
  }
}

export async function run({ collector } = {}) {
  const own = !collector
  collector ??= await startCollector()
  try {
    const { program, keys } = await collector.createProgram({ name: 'Bench' })
    await collector.api('POST', '/v1/affiliates', {
      token: keys.secret,
      body: { name: 'Bench affiliate', email: 'bench@example.com', code: `bench${Date.now().toString(36)}` },
    })
    const { body: list } = await collector.api('GET', '/v1/affiliates', { token: keys.secret })
    const code = list.affiliates[0].code

    // Warm up the isolate, the key cache and the hub before measuring.
    await load({ url: `${collector.url}/healthz`, amount: 500 })

    const health = await load({ url: `${collector.url}/healthz` })
    let n = 0
    const clicks = await load({
      url: `${collector.url}/v1/clicks`,
      method: 'POST',
      headers: { 'content-type': 'text/plain', 'user-agent': BROWSER_UA },
      requests: [
        {
          // Each click from its own visitor address, as in real traffic: the collector limits clicks
          // per publishable key and IP (under wrangler dev the client's CF-Connecting-IP is used).
          setupRequest: (req) => ({
            ...req,
            headers: {
              ...req.headers,
              'cf-connecting-ip': `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`,
            },
            body: JSON.stringify({
              key: keys.publishable,
              ref: code,
              url: 'https://saas.example/?ref=x',
              click_id: `bench${String(++n).padStart(17, '0')}`,
            }),
          }),
        },
      ],
    })
    let m = 0
    const conversions = await load({
      url: `${collector.url}/v1/conversions`,
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${keys.secret}` },
      amount: Math.min(REQUESTS, 2000),
      requests: [
        {
          setupRequest: (req) => ({
            ...req,
            body: JSON.stringify({ event_id: `inv_${++m}`, ref: code, amount: 4900, currency: 'USD' }),
          }),
        },
      ],
    })

    const rows = [
      summary('GET /healthz (baseline)', health),
      summary('POST /v1/clicks', clicks),
      summary('POST /v1/conversions', conversions),
    ]
    console.log('\nIngestion (wrangler dev on 127.0.0.1, %d connections):', CONNECTIONS)
    console.table(rows)
    console.log(
      'ratios vs /healthz: clicks %s× req/s, p99 %s×; conversions %s× req/s, p99 %s×',
      (clicks.requests.average / health.requests.average).toFixed(2),
      (clicks.latency.p99 / Math.max(health.latency.p99, 1)).toFixed(2),
      (conversions.requests.average / health.requests.average).toFixed(2),
      (conversions.latency.p99 / Math.max(health.latency.p99, 1)).toFixed(2),
    )

    // Clicks reach D1 within about a second; wait for the flush, bounded.
    const deadline = Date.now() + 20_000
    let stored = -1
    while (Date.now() < deadline) {
      const [row] = await collector.query(
        `SELECT COUNT(*) AS n FROM clicks WHERE program_id = '${program.id}'`,
      )
      stored = row.n
      if (stored >= clicks['2xx']) break
      await new Promise((r) => setTimeout(r, 500))
    }
    const [conv] = await collector.query(
      `SELECT COUNT(*) AS n FROM conversions WHERE program_id = '${program.id}'`,
    )
    const clicksOk = stored === clicks['2xx']
    const convOk = conv.n === conversions['2xx']
    console.log(
      'D1 clicks stored: %d, answered 2xx: %d → %s',
      stored,
      clicks['2xx'],
      clicksOk ? 'match' : 'MISMATCH',
    )
    console.log(
      'D1 conversions stored: %d, answered 2xx: %d → %s',
      conv.n,
      conversions['2xx'],
      convOk ? 'match' : 'MISMATCH',
    )
    return { ok: clicksOk && convOk, rows }
  } finally {
    if (own) await collector.stop()
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { ok } = await run()
  process.exit(ok ? 0 : 1)
}
