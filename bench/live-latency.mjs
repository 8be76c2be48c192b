/**
 * Live latency: the time from the API answering an event (POST /v1/conversions returns) to the
 * `conversion` message arriving at connected WebSocket clients, with 1 and with 50 clients.
 * Events are sent one after another, so the n-th message on every socket belongs to the n-th
 * event. A message can arrive before the HTTP answer (the hub broadcasts, then answers); that
 * counts as 0 ms and is reported separately.
 *
 * Run: `node bench/live-latency.mjs [events]` (starts its own collector), or from bench/run.mjs
 * via `run({ collector })`.
 */
import { performance } from 'node:perf_hooks'
import { pathToFileURL } from 'node:url'
import WebSocket from 'ws'

const EVENTS = Number(process.argv[2]) || 1_000

function percentile(sorted, p) {
  if (!sorted.length) return Number.NaN
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]
}

async function openClients(url, n) {
  const clients = []
  for (let i = 0; i < n; i++) {
    const ws = new WebSocket(url)
    const client = { ws, arrivals: [] }
    ws.on('message', (data) => {
      const at = performance.now()
      const msg = JSON.parse(String(data))
      if (msg.type === 'conversion') client.arrivals.push(at)
    })
    await new Promise((resolve, reject) => {
      ws.once('open', resolve)
      ws.once('error', reject)
    })
    clients.push(client)
  }
  return clients
}

async function measure(collector, secret, clientsWanted, events) {
  const token = await collector.api('POST', '/v1/live/tokens', { token: secret })
  const clients = await openClients(
    token.body.url.replace(/^wss?:\/\/[^/]+/, collector.url.replace('http', 'ws')),
    clientsWanted,
  )
  const latencies = []
  let early = 0
  const run = `${Date.now().toString(36)}_${clientsWanted}`
  for (let i = 0; i < events; i++) {
    const res = await fetch(`${collector.url}/v1/conversions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
      body: JSON.stringify({ event_id: `bench_${run}_${i}`, amount: 4900, currency: 'USD' }),
    })
    const answered = performance.now()
    if (res.status !== 201) throw new Error(`conversion failed: ${res.status} ${await res.text()}`)
    await res.arrayBuffer()
    // Wait until every client has this event's message.
    const deadline = answered + 5_000
    while (clients.some((c) => c.arrivals.length <= i) && performance.now() < deadline) {
      await new Promise((r) => setImmediate(r))
    }
    for (const c of clients) {
      const arrived = c.arrivals[i]
      if (arrived === undefined) throw new Error(`message ${i} never arrived`)
      const ms = arrived - answered
      if (ms < 0) early++
      latencies.push(Math.max(0, ms))
    }
  }
  for (const c of clients) c.ws.close()
  latencies.sort((a, b) => a - b)
  return {
    clients: clientsWanted,
    events,
    samples: latencies.length,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: latencies[latencies.length - 1],
    early,
  }
}

export async function run({ collector, events = EVENTS } = {}) {
  const { keys } = await collector.createProgram({ name: 'Live latency bench' })
  const results = []
  for (const n of [1, 50]) results.push(await measure(collector, keys.secret, n, events))
  console.log('live latency: API answer → WebSocket message (local wrangler dev)')
  for (const r of results) {
    console.log(
      `  ${String(r.clients).padStart(2)} client(s), ${r.events} events, ${r.samples} samples: ` +
        `p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms, max ${r.max.toFixed(2)} ms ` +
        `(${r.early} arrived before the HTTP answer)  target p99 <= 25 ms: ${r.p99 <= 25 ? 'met' : 'NOT met'}`,
    )
  }
  return results
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { startCollector } = await import('../scripts/local-collector.mjs')
  const collector = await startCollector()
  try {
    await run({ collector })
  } finally {
    await collector.stop()
  }
}
