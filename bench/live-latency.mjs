/**
 * Live latency: the time from an event's request being sent (just before `fetch` of
 * POST /v1/conversions) to its `conversion` message arriving on each subscribed WebSocket, with
 * 1, 50 and 1,000 subscribers (founder sockets of one program, opened with a live token in
 * batches of 50). Events are sent one after another, and the next only once every socket has the
 * last, so the n-th message on every socket belongs to the n-th event and no event queues behind
 * another.
 *
 * The hub broadcasts as soon as D1 has the event, before it answers, so a message often arrives
 * before the HTTP answer; timing from the send counts that honestly (timing from the answer, as
 * this bench once did, counted it as 0 ms). Beside the delivery percentiles it prints, per event,
 * the HTTP answer time and the first and last arrival: first − send is the event's path through
 * the Worker, the hub and D1; last − first is the fan-out.
 *
 * Run: `node bench/live-latency.mjs [events] [--miniflare] [--threads N] [--sizes 1,50,1000]`
 * (starts its own collector: wrangler dev, or Miniflare with --miniflare), or from bench/run.mjs
 * via `run({ collector })`. --threads spreads the sockets over N worker threads.
 */
import { performance } from 'node:perf_hooks'
import { pathToFileURL } from 'node:url'
import { Worker } from 'node:worker_threads'
import { Subscribers } from './live-subscribers.mjs'
import { stopOnSignal } from './signals.mjs'

const now = () => performance.timeOrigin + performance.now()
const TARGET_P99_MS = 25

function percentile(sorted, p) {
  if (!sorted.length) return Number.NaN
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]
}

const stats = (values) => {
  const s = Float64Array.from(values).sort()
  return {
    p50: +percentile(s, 50).toFixed(2),
    p99: +percentile(s, 99).toFixed(2),
    max: +s[s.length - 1].toFixed(2),
  }
}

/** Events per size: about 50,000 deliveries, at least 100 and at most `events` events. */
export const eventsFor = (subscribers, events) =>
  Math.max(100, Math.min(events, Math.round(50_000 / subscribers)))

/** `count` sockets in this thread or spread over `threads` worker threads. */
async function subscribe(url, count, threads) {
  let seen = 0
  let waiter = null
  const progress = (n) => {
    seen = n
    if (waiter && seen >= waiter.n) waiter.resolve()
  }
  const waitFor = (n, ms) =>
    seen >= n
      ? Promise.resolve(true)
      : new Promise((resolve) => {
          const timer = setTimeout(() => resolve(false), ms)
          waiter = {
            n,
            resolve: () => {
              clearTimeout(timer)
              waiter = null
              resolve(true)
            },
          }
        })
  if (threads <= 1) {
    const subs = new Subscribers(progress)
    await subs.open(url, count)
    return {
      waitFor,
      async collect() {
        const arrivals = subs.arrivals
        await subs.close()
        return arrivals
      },
    }
  }
  const workers = []
  const seenBy = new Array(threads).fill(0)
  for (let t = 0; t < threads; t++) {
    const worker = new Worker(new URL('./live-subscribers.mjs', import.meta.url), {
      workerData: { liveSubscribers: true },
    })
    worker.on('message', (msg) => {
      if (msg.seen !== undefined) {
        seenBy[t] = msg.seen
        progress(Math.min(...seenBy))
      }
    })
    workers.push(worker)
  }
  const reply = (worker, key) =>
    new Promise((resolve, reject) => {
      const on = (msg) => {
        if (msg[key] === undefined) return
        worker.off('message', on)
        resolve(msg[key])
      }
      worker.on('message', on)
      worker.once('error', reject)
    })
  await Promise.all(
    workers.map((w, t) => {
      const share = Math.floor(count / threads) + (t < count % threads ? 1 : 0)
      w.postMessage({ open: { url, count: share, batch: Math.ceil(50 / threads) } })
      return reply(w, 'opened')
    }),
  )
  return {
    waitFor,
    async collect() {
      const parts = await Promise.all(
        workers.map((w) => {
          const got = reply(w, 'arrivals')
          w.postMessage({ collect: true })
          return got
        }),
      )
      await Promise.all(workers.map((w) => reply(w, 'closed')))
      await Promise.all(workers.map((w) => w.terminate()))
      return parts.flat()
    },
  }
}

export async function measure(collector, subscribers, { events, threads = 1, beforeEvents, afterEvents }) {
  // A program of its own per size, so sockets of an earlier size can never be counted.
  const { keys } = await collector.createProgram({ name: `Live latency bench (${subscribers})` })
  const token = await collector.api('POST', '/v1/live/tokens', { token: keys.secret })
  const url = token.body.url.replace(/^wss?:\/\/[^/]+/, collector.url.replace('http', 'ws'))
  const openedAt = now()
  const pool = await subscribe(url, subscribers, threads)
  const openSeconds = (now() - openedAt) / 1000
  await beforeEvents?.()
  const sent = []
  const answered = []
  const run = `${Date.now().toString(36)}_${subscribers}`
  for (let i = 0; i < events; i++) {
    const body = JSON.stringify({ event_id: `bench_${run}_${i}`, amount: 4900, currency: 'USD' })
    sent.push(now())
    const res = await fetch(`${collector.url}/v1/conversions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${keys.secret}`, 'content-type': 'application/json' },
      body,
    })
    await res.arrayBuffer()
    answered.push(now())
    if (res.status !== 201) throw new Error(`conversion failed: ${res.status}`)
    if (!(await pool.waitFor(i + 1, 10_000)))
      throw new Error(`message ${i} did not reach every socket in 10 s`)
  }
  await afterEvents?.()
  const arrivals = await pool.collect()
  const deliveries = []
  const first = []
  const last = []
  for (let i = 0; i < events; i++) {
    let lo = Number.POSITIVE_INFINITY
    let hi = Number.NEGATIVE_INFINITY
    for (const stamps of arrivals) {
      const ms = stamps[i] - sent[i]
      deliveries.push(ms)
      if (ms < lo) lo = ms
      if (ms > hi) hi = ms
    }
    first.push(lo)
    last.push(hi)
  }
  const early = first.filter((ms, i) => ms < answered[i] - sent[i]).length
  return {
    subscribers,
    threads,
    events,
    samples: deliveries.length,
    open_seconds: +openSeconds.toFixed(1),
    delivery: stats(deliveries),
    http_answer: stats(answered.map((a, i) => a - sent[i])),
    first_arrival: stats(first),
    last_arrival: stats(last),
    fan_out: stats(last.map((l, i) => l - first[i])),
    early_events: early,
  }
}

export function print(runtime, results) {
  console.log(`live latency: request sent → WebSocket message (${runtime}, 127.0.0.1)`)
  for (const r of results) {
    const met = r.delivery.p99 <= TARGET_P99_MS
    console.log(
      `  ${String(r.subscribers).padStart(4)} subscriber(s)${r.threads > 1 ? ` on ${r.threads} threads` : ''}, ` +
        `${r.events} events, ${r.samples} deliveries: p50 ${r.delivery.p50} ms, p99 ${r.delivery.p99} ms, ` +
        `max ${r.delivery.max} ms → target p99 ≤ ${TARGET_P99_MS} ms ${met ? 'met' : `missed by ${(r.delivery.p99 - TARGET_P99_MS).toFixed(1)} ms`}`,
    )
    console.log(
      `       per event (p50 / p99): HTTP answer ${r.http_answer.p50} / ${r.http_answer.p99} ms, ` +
        `first arrival ${r.first_arrival.p50} / ${r.first_arrival.p99} ms, last ${r.last_arrival.p50} / ${r.last_arrival.p99} ms, ` +
        `fan-out (last − first) ${r.fan_out.p50} / ${r.fan_out.p99} ms; ${r.early_events} of ${r.events} ` +
        `reached a socket before the HTTP answer; ${r.open_seconds} s to open the sockets`,
    )
  }
}

export async function run({
  collector,
  events = 1_000,
  sizes = [1, 50, 1000],
  threads = 1,
  runtime = 'wrangler dev',
}) {
  const results = []
  for (const n of sizes)
    results.push(
      await measure(collector, n, { events: eventsFor(n, events), threads: n >= 1000 ? threads : 1 }),
    )
  print(runtime, results)
  return { ok: true, runtime, target_p99_ms: TARGET_P99_MS, results }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = process.argv.slice(2)
  const flag = (name) => {
    const i = args.indexOf(name)
    return i === -1 ? undefined : args[i + 1]
  }
  const events =
    Number(args.find((a) => /^\d+$/.test(a) && !args[args.indexOf(a) - 1]?.startsWith('--'))) || 1_000
  const threads = Number(flag('--threads')) || 1
  const sizes = (flag('--sizes') ?? '1,50,1000').split(',').map(Number)
  const miniflare = args.includes('--miniflare')
  const { startCollector } = await import('../scripts/local-collector.mjs')
  const { startMiniflareCollector } = await import('./miniflare-collector.mjs')
  const collector = miniflare ? await startMiniflareCollector() : await startCollector()
  stopOnSignal(collector)
  try {
    await run({ collector, events, sizes, threads, runtime: miniflare ? 'Miniflare' : 'wrangler dev' })
  } finally {
    await collector.stop()
  }
}
