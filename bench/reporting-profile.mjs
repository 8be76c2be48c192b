/**
 * Where a reporting read spends the isolate's time: a year seeded on a Miniflare collector (no
 * dev proxy; bench/seed-year.mjs), then one shape of bench/reporting.mjs timed SAMPLES times with
 * a V8 CPU profile of the collector's isolate over them, and the functions with the most self
 * and total time. The isolate is the Worker's and the hub's; D1 runs in a service of its own, so
 * its SQLite shows only as the time the isolate waits (idle). The wall time beside it says how
 * much of a request the isolate's JavaScript is at all.
 *
 * Run: `node bench/reporting-profile.mjs ["stats: year by day"] [samples] [affiliates] [rows]`.
 */
import { readFileSync } from 'node:fs'
import { freePort } from '../scripts/local-collector.mjs'
import { connectInspector, selfTimes, totalTimes, whenServed } from './inspector.mjs'
import { startMiniflareCollector } from './miniflare-collector.mjs'
import { seedForShapes, shapesFor, signIn, time } from './reporting.mjs'
import { stopOnSignal } from './signals.mjs'

const shape = process.argv[2] || 'stats: year by day'
const samples = Number(process.argv[3]) || 60
const affiliates = Number(process.argv[4]) || 200
const rows = Number(process.argv[5]) || 1_000_000

const inspectorPort = await freePort()
const collector = await startMiniflareCollector({ inspectorPort, vars: { D1_METER: 'on' } })
stopOnSignal(collector)
try {
  const { seeded, portalPath } = await seedForShapes(collector, { affiliates, rows })
  const cookie = await signIn(collector.url, collector.adminToken)
  const shapes = shapesFor(collector.url, seeded, cookie, portalPath)
  const picked = shapes[shape]
  if (!picked) throw new Error(`no shape "${shape}"; one of: ${Object.keys(shapes).join(', ')}`)
  const [url, headers] = picked
  await time(url, headers, 10) // warm: the hub loaded, the isolate's code compiled

  const cdp = await connectInspector(inspectorPort)
  const withKick = (command) => whenServed(collector.url, command)
  await withKick(cdp.send('Profiler.enable'))
  await withKick(cdp.send('Profiler.setSamplingInterval', { interval: 200 }))
  await withKick(cdp.send('Profiler.start'))
  const t0 = performance.now()
  const timed = await time(url, headers, samples)
  const wall = performance.now() - t0
  const { profile } = await withKick(cdp.send('Profiler.stop'))
  cdp.close()

  console.log(
    `${shape}: p50 ${timed.p50} ms, p95 ${timed.p95} ms over ${samples} requests (${timed.d1_rows_read} D1 rows read each); ${wall.toFixed(0)} ms of wall time`,
  )
  const lines = readFileSync(collector.script, 'utf8').split('\n')
  const where = (fn) => {
    const line = /index\.js:(\d+)$/.exec(fn)?.[1]
    return line ? `  — ${lines[Number(line) - 1].trim().slice(0, 80)}` : ''
  }
  const self = selfTimes(profile)
  console.log(`\nisolate CPU profile (${self.total.toFixed(0)} ms sampled), self time:`)
  for (const [fn, ms] of self.top.slice(0, 15))
    console.log(
      `  ${ms.toFixed(1).padStart(8)} ms  ${((100 * ms) / self.total).toFixed(1).padStart(5)} %  ${fn}${where(fn)}`,
    )
  console.log('\ntotal time (self and callees):')
  for (const [fn, ms] of totalTimes(profile).slice(0, 25))
    console.log(
      `  ${ms.toFixed(1).padStart(8)} ms  ${((100 * ms) / self.total).toFixed(1).padStart(5)} %  ${fn}${where(fn)}`,
    )
} finally {
  await collector.stop()
}
