/**
 * Dashboard latency: the time from a click being sent (just before `fetch` of POST /v1/clicks) to
 * the founder dashboard's all-time click counter showing the new number, in real Chromium signed
 * in to `/dashboard`. Clicks go one at a time: the next only once the page shows the last (or 5 s
 * have passed: a miss), after a random 20–60 ms pause, so no click queues behind another.
 *
 * Both ends read the same clock: `performance.timeOrigin + performance.now()` in Node before the
 * send, and in the page inside a MutationObserver on the counter, which runs once the dashboard's
 * script has written the number. The page also stamps each WebSocket message as it arrives
 * (before the dashboard's own listener) and the next animation frame after each change, so every
 * click splits into the server's path (send → message in the page), the dashboard's script
 * (message → number written) and the frame that paints it. A few round trips between Node and the
 * page, before and after, bound how far the two clocks disagree.
 *
 * Run: `node bench/dashboard-latency.mjs [clicks]` (default 200, or BENCH_DASHBOARD_CLICKS; starts
 * its own collector), or from bench/run.mjs via `run({ collector })`. BENCH_DASHBOARD_SECONDS
 * (default 180) bounds the clicks' loop; 10 warm-up clicks before it are not counted.
 */
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { performance } from 'node:perf_hooks'
import { pathToFileURL } from 'node:url'
import { DESKTOP_CHROME_UA, launchChromium } from '../scripts/chromium.mjs'
import { stopOnSignal } from './signals.mjs'

const now = () => performance.timeOrigin + performance.now()
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
const TARGET_P99_MS = 100
const WARM_UP = 10
const WAIT_MS = 5_000
/** A page that misses this many clicks in a row is broken, not slow: stop rather than wait 5 s each. */
const MAX_MISSES_IN_A_ROW = 5
const COUNTER = '#live-totals [data-total="clicks"]'

const loadavg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number)

function percentile(sorted, p) {
  if (!sorted.length) return Number.NaN
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]
}

function stats(values) {
  const s = Float64Array.from(values.filter((v) => Number.isFinite(v))).sort()
  const at = (p) => +percentile(s, p).toFixed(1)
  return { n: s.length, p50: at(50), p95: at(95), p99: at(99), max: at(100) }
}

/**
 * Runs in the page before its own scripts (addInitScript). Kept small: whatever it does before
 * the dashboard's listener runs is counted in the latency it measures.
 */
function pageProbe(counterSelector) {
  const stamp = () => performance.timeOrigin + performance.now()
  const probe = { messages: [], changes: [], waiters: [] }
  window.__dashboardBench = probe
  // The raw text is kept and parsed later, so the stamp costs no JSON.parse before the page's.
  const Native = window.WebSocket
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args)
      this.addEventListener('message', (e) => {
        const at = stamp()
        if (e.data !== 'pong') probe.messages.push({ at, data: String(e.data) })
      })
    }
  }
  const settle = () => {
    for (const w of [...probe.waiters]) {
      const hit = probe.changes.find((c) => c.count >= w.count && c.frame !== null)
      if (!hit) continue
      probe.waiters.splice(probe.waiters.indexOf(w), 1)
      clearTimeout(w.timer)
      w.resolve(true)
    }
  }
  probe.waitFor = (count, ms) =>
    new Promise((resolve) => {
      const w = { count, resolve }
      w.timer = setTimeout(() => {
        probe.waiters.splice(probe.waiters.indexOf(w), 1)
        resolve(false)
      }, ms)
      probe.waiters.push(w)
      settle()
    })
  document.addEventListener('DOMContentLoaded', () => {
    const el = document.querySelector(counterSelector)
    if (!el) return
    new MutationObserver(() => {
      const at = stamp()
      const text = el.textContent ?? ''
      const change = { at, frame: null, text, count: Number(text.replace(/\D/g, '')) }
      probe.changes.push(change)
      // The frame that paints the number starts here (its rendering follows the callbacks).
      requestAnimationFrame(() => {
        change.frame = stamp()
        settle()
      })
    }).observe(el, { childList: true, characterData: true, subtree: true })
  })
}

/** How far the page's clock is from Node's: the round trip with the smallest window bounds it. */
async function clockOffset(page, samples = 15) {
  let best = { window: Number.POSITIVE_INFINITY, offset: Number.NaN }
  for (let i = 0; i < samples; i++) {
    const t0 = now()
    const inPage = await page.evaluate(() => performance.timeOrigin + performance.now())
    const t1 = now()
    if (t1 - t0 < best.window) best = { window: t1 - t0, offset: inPage - (t0 + t1) / 2 }
  }
  return { offset_ms: +best.offset.toFixed(2), within_ms: +(best.window / 2).toFixed(2) }
}

async function openDashboard(browser, collector, programId) {
  const page = await browser.newPage()
  page.setDefaultTimeout(20_000)
  const errors = []
  page.on('pageerror', (err) => errors.push(err.message))
  await page.goto(`${collector.url}/dashboard`)
  if (page.url() !== `${collector.url}/dashboard`) {
    await page.fill('#token', collector.adminToken)
    await page.click('button[type=submit]')
    await page.waitForURL(`${collector.url}/dashboard`)
  }
  await page.goto(`${collector.url}/dashboard?program=${programId}`)
  await page.waitForSelector('#conn[data-state="live"]')
  await page.waitForSelector(COUNTER)
  return { page, errors }
}

export async function run({ collector, clicks = 200, seconds = 180 }) {
  const loadBefore = loadavg()
  const { program, keys } = await collector.createProgram({ name: 'Dashboard latency bench' })
  const aff = await collector.api('POST', '/v1/affiliates', {
    token: keys.secret,
    body: { name: 'Bench Affiliate', email: 'bench@partners.example', code: `bench${program.id.slice(-4)}` },
  })
  if (aff.status !== 201) throw new Error(`affiliate failed: ${aff.status} ${JSON.stringify(aff.body)}`)
  const ref = aff.body.affiliate.code

  const browser = await launchChromium({ viewport: { width: 1440, height: 900 } })
  try {
    await browser.addInitScript(pageProbe, COUNTER)
    const { page, errors } = await openDashboard(browser, collector, program.id)
    const clockBefore = await clockOffset(page)

    // The counter's text before the first click: every click adds one to it.
    const base = Number(((await page.textContent(COUNTER)) ?? '').replace(/\D/g, '')) || 0
    const run = randomBytes(4).toString('hex')
    let n = 0
    let shown = 0
    /** The first answer that was not 202, to say why in the output. */
    let refusal
    /** One click from its own address (clicks are limited per key and IP); its send and answer times. */
    const click = async () => {
      const i = ++n
      const body = JSON.stringify({
        key: keys.publishable,
        ref,
        url: 'https://saas.example/?ref=bench',
        click_id: `dash_${run}_${String(i).padStart(6, '0')}`,
      })
      const sent = now()
      const res = await fetch(`${collector.url}/v1/clicks`, {
        method: 'POST',
        headers: {
          'content-type': 'text/plain',
          'user-agent': DESKTOP_CHROME_UA,
          'cf-connecting-ip': `10.77.${(i >> 8) & 255}.${i & 255}`,
        },
        body,
      })
      const text = await res.text()
      const answered = now()
      if (res.status !== 202) {
        refusal ??= `${res.status} ${text.slice(0, 300)}`
        return { sent, answered, status: res.status, shown: false }
      }
      shown++
      const ok = await page.evaluate(
        ([count, ms]) => window.__dashboardBench.waitFor(count, ms),
        [shown + base, WAIT_MS],
      )
      return { sent, answered, status: res.status, expect: shown + base, shown: ok }
    }

    for (let i = 0; i < WARM_UP; i++) {
      await click()
      await sleep(20 + Math.random() * 40)
    }

    const samples = []
    const deadline = Date.now() + seconds * 1000
    let inARow = 0
    while (samples.length < clicks && Date.now() < deadline && inARow < MAX_MISSES_IN_A_ROW) {
      const s = await click()
      samples.push(s)
      inARow = s.shown ? 0 : inARow + 1
      await sleep(20 + Math.random() * 40)
    }

    const clockAfter = await clockOffset(page)
    const probe = await page.evaluate(() => {
      const p = window.__dashboardBench
      return { messages: p.messages, changes: p.changes }
    })
    await page.close()
    if (errors.length) throw new Error(`the dashboard threw: ${errors.join('; ')}`)

    // Each click's message is the first whose totals reach its count; its change, the first
    // counter text that shows it.
    const messages = probe.messages
      .map((m) => {
        try {
          const parsed = JSON.parse(m.data)
          return { at: m.at, type: parsed.type, clicks: parsed.totals?.clicks }
        } catch {
          return { at: m.at, type: 'unparsed' }
        }
      })
      .filter((m) => m.type === 'click')
    const rows = samples.map((s) => {
      const message = s.expect !== undefined ? messages.find((m) => m.clicks >= s.expect) : undefined
      const change = s.shown ? probe.changes.find((c) => c.count >= s.expect) : undefined
      return {
        at: s.sent - (samples[0]?.sent ?? 0),
        status: s.status,
        shown: s.shown,
        answer: s.answered - s.sent,
        message: message ? message.at - s.sent : Number.NaN,
        written: change ? change.at - s.sent : Number.NaN,
        frame: change?.frame ? change.frame - s.sent : Number.NaN,
        script: change && message ? change.at - message.at : Number.NaN,
        early: message ? message.at < s.answered : false,
      }
    })
    const shownRows = rows.filter((r) => r.shown)
    const latency = stats(shownRows.map((r) => r.written))
    const answer = stats(rows.map((r) => r.answer))
    const result = {
      ok: rows.length > 0 && shownRows.length > 0,
      target_p99_ms: TARGET_P99_MS,
      clicks: rows.length,
      asked: clicks,
      misses: rows.filter((r) => r.status === 202 && !r.shown).length,
      refused: rows.filter((r) => r.status !== 202).length,
      // A 503 under wrangler dev is its reload when a collector source file changes; for any
      // other refusal, first_refusal holds the first answer's body.
      statuses: Object.fromEntries(
        [...new Set(rows.map((r) => r.status))].map((st) => [st, rows.filter((r) => r.status === st).length]),
      ),
      p50: latency.p50,
      p95: latency.p95,
      p99: latency.p99,
      max: latency.max,
      answer_p50: answer.p50,
      answer_p99: answer.p99,
      message: stats(shownRows.map((r) => r.message)),
      script: stats(shownRows.map((r) => r.script)),
      frame: stats(shownRows.map((r) => r.frame)),
      answer,
      written: latency,
      first_refusal: refusal ?? null,
      message_before_answer: rows.filter((r) => r.early).length,
      clock_before: clockBefore,
      clock_after: clockAfter,
      load_before: loadBefore,
      load_after: loadavg(),
      // Per click, ms: when it was sent (from the first, sent at first_click_at, epoch ms), answer,
      // message, written, frame; to line the slow ones up with anything else on the machine.
      first_click_at: samples[0] ? Math.round(samples[0].sent) : null,
      per_click: rows.map((r) => [r.at, r.answer, r.message, r.written, r.frame].map((v) => +v.toFixed(1))),
    }
    print(result)
    return result
  } finally {
    await browser.close()
  }
}

export function print(r) {
  const met = r.p99 <= TARGET_P99_MS
  console.log(
    `dashboard latency: click sent → counter shows it (real Chromium, wrangler dev, 127.0.0.1), load average ${r.load_before.join(' ')} → ${r.load_after.join(' ')}`,
  )
  console.log(
    `  ${r.clicks} clicks (${r.misses} misses over ${WAIT_MS / 1000} s, ${r.refused} refused; statuses ${JSON.stringify(r.statuses)}): ` +
      `p50 ${r.p50} ms, p95 ${r.p95} ms, p99 ${r.p99} ms, max ${r.max} ms → target p99 ≤ ${TARGET_P99_MS} ms ` +
      `${met ? 'met' : `missed by ${(r.p99 - TARGET_P99_MS).toFixed(1)} ms`}`,
  )
  if (r.first_refusal) console.log(`  first refused answer: ${r.first_refusal}`)
  const line = (label, s) =>
    console.log(`  ${label.padEnd(34)} p50 ${s.p50} / p95 ${s.p95} / p99 ${s.p99} / max ${s.max} ms`)
  line('HTTP answer (send → answer)', r.answer)
  line('socket message in the page', r.message)
  line("dashboard's script (message → DOM)", r.script)
  line('number written (the figure)', r.written)
  line('next frame starts', r.frame)
  console.log(
    `  ${r.message_before_answer} of ${r.clicks} messages reached the page before the HTTP answer; ` +
      `page clock − Node clock ${r.clock_before.offset_ms} ms ±${r.clock_before.within_ms} before, ` +
      `${r.clock_after.offset_ms} ms ±${r.clock_after.within_ms} after`,
  )
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const clicks = Number(process.argv[2]) || Number(process.env.BENCH_DASHBOARD_CLICKS) || 200
  const seconds = Number(process.env.BENCH_DASHBOARD_SECONDS) || 180
  const { startCollector } = await import('../scripts/local-collector.mjs')
  const collector = await startCollector()
  stopOnSignal(collector)
  // The loop stops at its own limit; this one catches a browser or collector that hangs.
  setTimeout(
    async () => {
      console.error(`dashboard latency: still running after ${seconds + 120} s, stopping`)
      await collector.stop()
      process.exit(1)
    },
    (seconds + 120) * 1000,
  ).unref()
  let code = 0
  try {
    const r = await run({ collector, clicks, seconds })
    if (!r.ok) code = 1
  } catch (err) {
    console.error(err)
    code = 1
  } finally {
    await collector.stop()
  }
  process.exit(code)
}
