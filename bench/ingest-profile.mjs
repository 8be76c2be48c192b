/**
 * Where ingestion spends the collector's time: the collector under Miniflare (no dev proxy), a
 * V8 CPU profile of its isolate over CLICKS clicks (default 2,000) and then CONVERSIONS
 * conversions (default 500) at 20 clients, and the functions with the most self and total time.
 *
 * Run: `node bench/ingest-profile.mjs [clicks|conversions|both] [count]`.
 */
import { readFileSync } from 'node:fs'
import { performance } from 'node:perf_hooks'
import autocannon from 'autocannon'
import { freePort } from '../scripts/local-collector.mjs'
import { clickRequests, conversionRequests } from './ingest.mjs'
import { callersOf, connectInspector, selfTimes, totalTimes, whenServed } from './inspector.mjs'
import { startMiniflareCollector } from './miniflare-collector.mjs'
import { stopOnSignal } from './signals.mjs'

const which = process.argv[2] ?? 'both'
const count = Number(process.argv[3]) || 0

const inspectorPort = await freePort()
const collector = await startMiniflareCollector({ inspectorPort })
stopOnSignal(collector)

const clicks = (keys, code, amount, tag) =>
  autocannon({ connections: 20, amount, ...clickRequests(collector.url, keys, code, tag) })

const conversions = (keys, code, amount, tag) =>
  autocannon({ connections: 20, amount, ...conversionRequests(collector.url, keys, code, tag) })

try {
  const cdp = await connectInspector(inspectorPort)
  const withKick = (command) => whenServed(collector.url, command)
  const { keys } = await collector.createProgram({ name: 'Profile' })
  const aff = await collector.api('POST', '/v1/affiliates', {
    token: keys.secret,
    body: { name: 'P', email: 'p@example.com', code: 'prof' },
  })
  const code = aff.body.affiliate.code
  await clicks(keys, code, 300, 'w')
  await conversions(keys, code, 100, 'w')
  await withKick(cdp.send('Profiler.enable'))
  await withKick(cdp.send('Profiler.setSamplingInterval', { interval: 200 }))
  const lines = readFileSync(collector.script, 'utf8').split('\n')
  const show = (fn) => {
    const line = /index\.js:(\d+)$/.exec(fn)?.[1]
    return line ? `  — ${lines[Number(line) - 1].trim().slice(0, 80)}` : ''
  }
  for (const kind of which === 'both' ? ['clicks', 'conversions'] : [which]) {
    const n = count || (kind === 'clicks' ? 2000 : 500)
    await withKick(cdp.send('Profiler.start'))
    const t0 = performance.now()
    const r = await (kind === 'clicks' ? clicks : conversions)(keys, code, n, kind)
    const s = (performance.now() - t0) / 1000
    const { profile } = await withKick(cdp.send('Profiler.stop'))
    const { total, top } = selfTimes(profile)
    console.log(
      `\n${kind}: ${r['2xx']}/${r.requests.total} 2xx in ${s.toFixed(2)} s (${(r.requests.total / s).toFixed(0)}/s); ${total.toFixed(0)} ms sampled = ${(total / n).toFixed(2)} ms each`,
    )
    console.log('self time:')
    for (const [fn, ms] of top.slice(0, 25))
      console.log(
        `  ${ms.toFixed(1).padStart(8)} ms ${((100 * ms) / total).toFixed(1).padStart(5)} %  ${fn}${show(fn)}`,
      )
    console.log("SQLite's exec, by caller:")
    for (const [fn, ms] of callersOf(profile, 'exec').slice(0, 15))
      console.log(
        `  ${ms.toFixed(1).padStart(8)} ms ${((1000 * ms) / n).toFixed(0).padStart(5)} µs each  ${fn}${show(fn)}`,
      )
    console.log('total time:')
    for (const [fn, ms] of totalTimes(profile).slice(0, 40))
      console.log(
        `  ${ms.toFixed(1).padStart(8)} ms ${((100 * ms) / total).toFixed(1).padStart(5)} %  ${fn}${show(fn)}`,
      )
  }
  cdp.close()
} finally {
  await collector.stop()
}
