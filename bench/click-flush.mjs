/**
 * D1 statements per 1,000 clicks at real-world rates, and whether the stats stay current.
 *
 * Real programs see a click every few seconds. Each flush of the hub's click outbox costs three
 * D1 statements however many clicks it carries, so what matters is how many clicks share one.
 * Time is compressed 100×: 1,000 clicks one every 30 ms stand for one every 3 s (50 minutes),
 * and the flush window is scaled with them: 3 s for the deployment's 300 s, against 10 ms for
 * the one second the collector used before (the baseline, measured in the same run). Statements
 * are counted from D1 itself (three per `click_batches` row). After every 100 clicks,
 * `GET /v1/stats` must already count every click answered.
 *
 * Run: `node bench/click-flush.mjs [clicks]`, or from bench/run.mjs via `run()`.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { pathToFileURL } from 'node:url'
import { queryD1, startCollector } from '../scripts/local-collector.mjs'

const UA =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36'
const SCALE = 100
const INTERVAL_MS = 3_000 / SCALE
const sleep = (ms) => new Promise((r) => setTimeout(r, Math.max(0, ms)))

async function measure(windowSeconds, clicks) {
  const collector = await startCollector({ vars: { CLICK_FLUSH_SECONDS: String(windowSeconds) } })
  try {
    const { program, keys } = await collector.createProgram({ name: `Sparse ${windowSeconds}` })
    await collector.api('POST', '/v1/affiliates', {
      token: keys.secret,
      body: { name: 'Sparse', email: 'sparse@example.com', code: `sparse${Date.now().toString(36)}` },
    })
    const code = (await collector.api('GET', '/v1/affiliates', { token: keys.secret })).body.affiliates[0]
      .code
    let answered = 0
    let stale = 0
    const started = Date.now()
    for (let i = 0; i < clicks; i++) {
      await sleep(started + i * INTERVAL_MS - Date.now())
      const res = await fetch(`${collector.url}/v1/clicks`, {
        method: 'POST',
        headers: {
          'content-type': 'text/plain',
          'user-agent': UA,
          'cf-connecting-ip': `10.9.${(i >> 8) & 255}.${i & 255}`,
        },
        body: JSON.stringify({ key: keys.publishable, ref: code, url: 'https://sparse.example/' }),
      })
      await res.arrayBuffer()
      if (res.status === 202) answered++
      if ((i + 1) % 100 === 0) {
        const stats = await collector.api('GET', '/v1/stats', { token: keys.secret })
        if (stats.body.totals.clicks !== answered) stale++
      }
    }
    const seconds = (Date.now() - started) / 1000
    // Let the last window pass so every click is in D1, then count what it took.
    await sleep(windowSeconds * 1000 + 1_500)
    const [row] = await queryD1(
      collector.persistTo,
      `SELECT (SELECT COUNT(*) FROM click_batches WHERE program_id = '${program.id}') AS batches,
              (SELECT COUNT(*) FROM clicks WHERE program_id = '${program.id}') AS clicks`,
    )
    return {
      window_s: windowSeconds,
      clicks: answered,
      in_d1: row.clicks,
      batches: row.batches,
      statements_per_1000: Math.round(((row.batches * 3) / answered) * 1000),
      stale_stats_reads: stale,
      seconds: +seconds.toFixed(1),
    }
  } finally {
    await collector.stop()
  }
}

export async function run({ clicks = 1_000 } = {}) {
  const baseline = await measure(1 / SCALE, clicks)
  const now = await measure(300 / SCALE, clicks)
  const ok = now.in_d1 === now.clicks && baseline.in_d1 === baseline.clicks && now.stale_stats_reads === 0
  for (const r of [baseline, now])
    console.log(
      `window ${String(r.window_s * SCALE).padStart(4)} s (scaled ${r.window_s} s)`.padEnd(34),
      `${r.clicks} clicks, ${r.batches} batches`.padEnd(28),
      `${r.statements_per_1000} statements / 1,000 clicks`.padEnd(34),
      `stale stats reads ${r.stale_stats_reads}`,
    )
  console.log(
    `statements per 1,000 clicks: ${now.statements_per_1000} (target ≤ 50; ${(baseline.statements_per_1000 / Math.max(1, now.statements_per_1000)).toFixed(0)}× fewer than the 1 s window)`,
  )
  const out = { at: new Date().toISOString(), scale: SCALE, interval_ms: INTERVAL_MS, baseline, now, ok }
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true })
  writeFileSync(new URL('./results/click-flush.json', import.meta.url), `${JSON.stringify(out, null, 2)}\n`)
  return out
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const result = await run({ clicks: Number(process.argv[2]) || 1_000 })
  process.exit(result.ok ? 0 : 1)
}
