/**
 * Ingestion of two trees of the code side by side: each round starts a Miniflare collector from
 * each tree in turn (bench/miniflare-collector.mjs of that tree, so its own build) and measures
 * `GET /healthz`, 3,000 clicks and 1,000 conversions at 20 clients and 1,000 conversions at 50,
 * then prints each run and the medians. Alternating the trees puts both under the same machine
 * load, which on a shared machine moves single runs by ±30 %.
 *
 * The other tree is a git worktree of an older commit, sharing this one's dependencies:
 *
 *   git worktree add /tmp/refline-base <commit>
 *   ln -s "$PWD/node_modules" /tmp/refline-base/node_modules
 *   ln -s "$PWD/collector/node_modules" /tmp/refline-base/collector/node_modules
 *   node bench/ingest-ab.mjs /tmp/refline-base . [rounds]
 */
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { performance } from 'node:perf_hooks'
import { pathToFileURL } from 'node:url'
import autocannon from 'autocannon'
import { clickRequests, conversionRequests } from './ingest.mjs'

const [a, b, roundsArg] = process.argv.slice(2)
if (!a || !b) {
  console.error('usage: node bench/ingest-ab.mjs <tree A> <tree B> [rounds]')
  process.exit(2)
}
const trees = [resolve(a), resolve(b)]
const rounds = Number(roundsArg) || 3

/** One autocannon run, timed to its last answer (its promise settles on a one-second tick). */
async function load(opts) {
  const t0 = performance.now()
  let last = t0
  const run = autocannon({ connections: 20, timeout: 30, ...opts })
  run.on('response', () => {
    last = performance.now()
  })
  const r = await run
  if (r['2xx'] !== r.requests.total) throw new Error(`${opts.url}: ${r.requests.total - r['2xx']} not 2xx`)
  return r.requests.total / ((last - t0) / 1000)
}

async function measure(tree) {
  const { startMiniflareCollector } = await import(
    pathToFileURL(`${tree}/bench/miniflare-collector.mjs`).href
  )
  const c = await startMiniflareCollector()
  try {
    const { keys } = await c.createProgram({ name: 'A/B' })
    const aff = await c.api('POST', '/v1/affiliates', {
      token: keys.secret,
      body: { name: 'A/B', email: 'ab@example.com', code: 'abbench' },
    })
    const code = aff.body.affiliate.code
    const tag = Date.now().toString(36)
    const clicks = (amount) => load({ amount, ...clickRequests(c.url, keys, code, `ab${tag}`) })
    const conversions = (amount, connections = 20) =>
      load({ amount, connections, ...conversionRequests(c.url, keys, code, `ab${tag}`) })
    // Warm the isolate, the key cache and the hub.
    await load({ url: `${c.url}/healthz`, amount: 500 })
    await clicks(300)
    await conversions(100)
    const healthz = await load({ url: `${c.url}/healthz`, amount: 3000 })
    const click = await clicks(3000)
    const conv = await conversions(1000)
    const healthz50 = await load({ url: `${c.url}/healthz`, amount: 3000, connections: 50 })
    const conv50 = await conversions(1000, 50)
    return { healthz, clicks: click, conversions: conv, healthz50, conversions50: conv50 }
  } finally {
    await c.stop()
  }
}

// One list per side, so a tree compared with itself (a noise check) is two sides too.
const runs = trees.map(() => [])
for (let round = 0; round < rounds; round++) {
  for (const [side, tree] of trees.entries()) {
    const r = await measure(tree)
    runs[side].push(r)
    const loadavg = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')
    const fmt = Object.entries(r).map(([k, v]) => `${k} ${Math.round(v)}/s`)
    console.log(`round ${round + 1} ${tree}: ${fmt.join(', ')} (load ${loadavg})`)
  }
}
const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]
console.log(`\nmedians of ${rounds} rounds (req/s; the ratio is the median of each run's own ratio):`)
const rows = trees.map((tree, side) => {
  const rs = runs[side]
  const med = (k) => Math.round(median(rs.map((r) => r[k])))
  return {
    tree,
    '/healthz': med('healthz'),
    clicks: med('clicks'),
    'conversions (20)': med('conversions'),
    'conversions (50)': med('conversions50'),
    'clicks vs /healthz': +median(rs.map((r) => r.clicks / r.healthz)).toFixed(2),
    'conversions (50) vs /healthz': +median(rs.map((r) => r.conversions50 / r.healthz50)).toFixed(2),
  }
})
console.table(rows)
