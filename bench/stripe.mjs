/**
 * Stripe webhook throughput on a real local collector (wrangler dev, workerd, local D1): signed
 * `invoice.paid` deliveries to `POST /v1/integrations/stripe/:program` against `POST
 * /v1/conversions` in the same run, then a check that D1 holds exactly one conversion per 2xx.
 * A delivery costs more than an API call: signature verification, the processed-event record and
 * the delivery status on top of the same hub conversion.
 */
import { createHmac } from 'node:crypto'
import autocannon from 'autocannon'
import { startCollector } from '../scripts/local-collector.mjs'

const REQUESTS = Number(process.env.BENCH_STRIPE_REQUESTS ?? 1000)
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10)
const SECRET = 'whsec_benchSecret0123456789abcdef'

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

function invoicePaid(n, run) {
  const now = Math.floor(Date.now() / 1000)
  return JSON.stringify({
    id: `evt_bench_${run}_${n}`,
    object: 'event',
    api_version: '2025-03-31.basil',
    type: 'invoice.paid',
    created: now,
    livemode: true,
    data: {
      object: {
        id: `in_bench_${run}_${n}`,
        object: 'invoice',
        customer: `cus_bench_${run}_${n}`,
        billing_reason: 'subscription_cycle',
        amount_paid: 4900,
        currency: 'usd',
        status_transitions: { paid_at: now },
        parent: {
          type: 'subscription_details',
          subscription_details: { subscription: `sub_${n}`, metadata: {} },
        },
      },
    },
  })
}

function signature(body) {
  const t = Math.floor(Date.now() / 1000)
  return `t=${t},v1=${createHmac('sha256', SECRET).update(`${t}.${body}`).digest('hex')}`
}

export async function run({ collector } = {}) {
  const own = !collector
  collector ??= await startCollector()
  try {
    const { program, keys } = await collector.createProgram({ name: 'Stripe bench' })
    const put = await collector.api('PUT', '/v1/integrations/stripe', {
      token: keys.secret,
      body: { webhook_secret: SECRET },
    })
    if (put.status !== 200) throw new Error(`PUT /v1/integrations/stripe: ${put.status}`)
    const runId = Date.now().toString(36)

    // Warm up the isolate, the key lookup and the hub before measuring.
    await load({ url: `${collector.url}/healthz`, amount: 300 })

    let m = 0
    const conversions = await load({
      url: `${collector.url}/v1/conversions`,
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${keys.secret}` },
      requests: [
        {
          setupRequest: (req) => ({
            ...req,
            body: JSON.stringify({ event_id: `api_${++m}`, amount: 4900, currency: 'USD' }),
          }),
        },
      ],
    })
    let n = 0
    const webhooks = await load({
      url: `${collector.url}/v1/integrations/stripe/${program.id}`,
      method: 'POST',
      requests: [
        {
          setupRequest: (req) => {
            const body = invoicePaid(++n, runId)
            return {
              ...req,
              body,
              headers: { 'content-type': 'application/json', 'stripe-signature': signature(body) },
            }
          },
        },
      ],
    })

    const rows = [
      summary('POST /v1/conversions', conversions),
      summary('Stripe invoice.paid webhook', webhooks),
    ]
    console.log('\nStripe webhooks (wrangler dev on 127.0.0.1, %d connections):', CONNECTIONS)
    console.table(rows)
    console.log(
      'ratio vs POST /v1/conversions: %s× req/s, p99 %s×',
      (webhooks.requests.average / conversions.requests.average).toFixed(2),
      (webhooks.latency.p99 / Math.max(conversions.latency.p99, 1)).toFixed(2),
    )
    const [api] = await collector.query(
      `SELECT COUNT(*) AS n FROM conversions WHERE program_id = '${program.id}' AND event_id LIKE 'api_%'`,
    )
    const [stripe] = await collector.query(
      `SELECT COUNT(*) AS n FROM conversions WHERE program_id = '${program.id}' AND event_id LIKE 'in_bench_%'`,
    )
    const ok = api.n === conversions['2xx'] && stripe.n === webhooks['2xx'] && webhooks.non2xx === 0
    console.log(
      'D1 conversions: API %d / %d 2xx, Stripe %d / %d 2xx → %s',
      api.n,
      conversions['2xx'],
      stripe.n,
      webhooks['2xx'],
      ok ? 'match' : 'MISMATCH',
    )
    return { ok, rows }
  } finally {
    if (own) await collector.stop()
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { ok } = await run()
  process.exit(ok ? 0 : 1)
}
