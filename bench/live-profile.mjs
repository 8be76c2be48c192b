/**
 * Where the live fan-out spends its time: the collector under Miniflare (no dev proxy) with
 * SUBSCRIBERS founder sockets (default 1,000), a V8 CPU profile of the collector's isolate taken
 * over the timed events of bench/live-latency.mjs, and the functions with the most self time.
 *
 * The isolate is the Worker's and every hub's, so the profile holds the Worker's request
 * handling as well as the hub's broadcast; the names say which is which. Time outside
 * JavaScript (workerd writing the frames, SQLite) shows as "(program)" or inside the API call
 * that caused it (`send`, `exec`).
 *
 * Run: `node bench/live-profile.mjs [subscribers] [events]`.
 */
import { readFileSync } from 'node:fs'
import { freePort } from '../scripts/local-collector.mjs'
import { connectInspector, selfTimes, whenServed } from './inspector.mjs'
import { measure, print } from './live-latency.mjs'
import { startMiniflareCollector } from './miniflare-collector.mjs'
import { stopOnSignal } from './signals.mjs'

const subscribers = Number(process.argv[2]) || 1000
const events = Number(process.argv[3]) || 50

const inspectorPort = await freePort()
const collector = await startMiniflareCollector({ inspectorPort })
stopOnSignal(collector)
try {
  const cdp = await connectInspector(inspectorPort)
  const withKick = (command) => whenServed(collector.url, command)
  await withKick(cdp.send('Profiler.enable'))
  await withKick(cdp.send('Profiler.setSamplingInterval', { interval: 200 }))
  let profile
  const result = await measure(collector, subscribers, {
    events,
    beforeEvents: () => withKick(cdp.send('Profiler.start')),
    afterEvents: async () => {
      profile = (await withKick(cdp.send('Profiler.stop'))).profile
    },
  })
  print('Miniflare, profiled', [result])
  const { total, top } = selfTimes(profile)
  console.log(`\nisolate CPU profile over ${events} events (${total.toFixed(0)} ms sampled), self time:`)
  // The bundle's line numbers mean nothing outside this run: show the start of each line.
  const lines = readFileSync(collector.script, 'utf8').split('\n')
  for (const [fn, ms] of top.slice(0, 20)) {
    const line = /index\.js:(\d+)$/.exec(fn)?.[1]
    const code = line ? `  — ${lines[Number(line) - 1].trim().slice(0, 90)}` : ''
    console.log(
      `  ${ms.toFixed(1).padStart(8)} ms  ${((100 * ms) / total).toFixed(1).padStart(5)} %  ${fn}${code}`,
    )
  }
  cdp.close()
} finally {
  await collector.stop()
}
