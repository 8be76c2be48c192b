/**
 * Memory over many clicks: sends CLICKS clicks to one program in batches of 10,000 and, before,
 * during and after, reads the collector isolate's JavaScript heap over the V8 inspector
 * (bench/inspector.mjs: `Runtime.getHeapUsage`, after `HeapProfiler.collectGarbage` except for
 * the figure taken mid-batch), beside the RSS of the collector's workerd processes (from /proc),
 * the hub's in-memory queues (click outbox, pending money events, from the admin health
 * endpoint) and the size of the local SQLite files (D1 and the Durable Object's storage).
 *
 * The heap is the figure that matters: in production a Durable Object's isolate has 128 MB of
 * which only the JavaScript heap counts, and SQLite storage sits outside it. RSS also holds
 * SQLite's page caches and the local runtime itself. Locally the Worker and every ProgramHub share
 * one isolate, so the heap shown is theirs together.
 *
 *   node bench/memory.mjs                      # 100,000 clicks, the collector under Miniflare
 *   CLICKS=20000 node bench/memory.mjs
 *   node bench/memory.mjs --wrangler           # on wrangler dev instead
 *
 * Writes bench/results/memory-<clicks>.json. From bench/run.mjs: `run({ collector, clicks })`.
 * Linux only (reads /proc). What it shows is recorded in docs/limits.md ("Memory").
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { connectInspector, heapAfterGc, inspectorPortOf } from './inspector.mjs'
import { stopOnSignal } from './signals.mjs'

const BATCH = 10_000
const CONCURRENCY = 32
// A bound on the run, however slow the machine: the figures stop at the last whole batch.
const TIME_LIMIT_MS = Number(process.env.MEMORY_MINUTES ?? 15) * 60_000
/** The heap counts as flat when it ends within this of its size after the first batch. */
const FLAT_MIB = 2
const UA =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36'

/**
 * The workerd processes of our collector. wrangler dev: those in the process group of the
 * `wrangler dev` started with our port (the Worker and its dev proxy). Miniflare: this process's
 * own workerd child.
 */
function workerdOf(port) {
  const rows = execFileSync('ps', ['-eo', 'pid=,ppid=,pgid=,comm=,args='], { encoding: 'utf8' })
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((r) => r.length >= 4)
  const groups = new Set(
    rows
      .filter(
        (r) => r.slice(4).join(' ').includes(` dev `) && r.slice(4).join(' ').includes(`--port ${port} `),
      )
      .map((r) => r[2]),
  )
  const workerd = rows.filter((r) => r[3] === 'workerd')
  const ours = workerd.filter((r) => groups.has(r[2]))
  return (ours.length ? ours : workerd.filter((r) => Number(r[1]) === process.pid)).map((r) => Number(r[0]))
}

const rssMiB = (pid) => {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return m ? Number(m[1]) / 1024 : Number.NaN
  } catch {
    return Number.NaN
  }
}

function sqliteMiB(dir) {
  let bytes = 0
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name)
      if (e.isDirectory()) walk(p)
      else if (/\.sqlite(-wal|-shm)?$/.test(e.name)) bytes += statSync(p).size
    }
  }
  walk(dir)
  return bytes / 1024 / 1024
}

const mib = (x) => +x.toFixed(1)

export async function run({ collector, clicks = 100_000, inspectorPort }) {
  clicks = Math.min(clicks, 200_000)
  const pids = workerdOf(collector.port)
  if (!pids.length) throw new Error(`found no workerd for port ${collector.port}`)
  const cdp = await connectInspector(inspectorPort ?? inspectorPortOf(collector.port))
  const kick = async () => void (await (await fetch(`${collector.url}/healthz`)).arrayBuffer())
  const started = Date.now()
  const { program, keys } = await collector.createProgram({ name: 'Memory' })
  const aff = await collector.api('POST', '/v1/affiliates', {
    token: keys.secret,
    body: { name: 'Memory affiliate', email: 'mem@example.com', code: `mem${Date.now().toString(36)}` },
  })
  const code = aff.body.affiliate.code
  let n = 0
  let errors = 0
  const click = async () => {
    const i = ++n
    const res = await fetch(`${collector.url}/v1/clicks`, {
      method: 'POST',
      headers: {
        'content-type': 'text/plain',
        'user-agent': UA,
        // Each click from its own address: the collector limits clicks per key and IP.
        'cf-connecting-ip': `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
      },
      body: JSON.stringify({ key: keys.publishable, ref: code, url: 'https://saas.example/?ref=mem' }),
    })
    await res.arrayBuffer()
    if (res.status !== 202) errors++
  }
  const health = async () =>
    (await collector.api('GET', `/v1/admin/programs/${program.id}/health`, { token: collector.adminToken }))
      .body.hub
  const rows = []
  const sample = async (label, during) => {
    const heap = await heapAfterGc(cdp, kick)
    const h = await health()
    const row = {
      clicks: label,
      heap_mib: mib(heap.used),
      heap_during_mib: during === undefined ? null : mib(during),
      workerd_rss_mib: mib(pids.reduce((sum, pid) => sum + rssMiB(pid), 0)),
      outbox: h.outbox,
      pending_events: h.pending_events,
      sqlite_mib: mib(sqliteMiB(collector.persistTo)),
      errors,
    }
    console.log(JSON.stringify(row))
    rows.push(row)
    return row
  }
  try {
    await click()
    await new Promise((r) => setTimeout(r, 2_000))
    const baseline = await sample('baseline (1 click)')
    while (n < clicks && Date.now() - started < TIME_LIMIT_MS) {
      const end = Math.min(n + BATCH, clicks)
      let during
      // Midway through the batch, the heap as it is under load (no collection forced).
      const middle = n + (end - n) / 2
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async (_, worker) => {
          while (n < end) {
            await click()
            if (worker === 0 && during === undefined && n >= middle)
              during = (await cdp.send('Runtime.getHeapUsage')).usedSize / 1024 / 1024
          }
        }),
      )
      await new Promise((r) => setTimeout(r, 1_500)) // let the outbox flush
      await sample(n, during)
    }
    const audit = await collector.api('GET', `/v1/admin/programs/${program.id}/audit`, {
      token: collector.adminToken,
    })
    const seconds = (Date.now() - started) / 1000
    // The first batch warms caches (the isolate's, SQLite's); growth counts from after it, or
    // from the baseline when there is only one batch.
    const first = rows.length > 2 ? rows[1] : baseline
    const last = rows[rows.length - 1]
    const growth = last.heap_mib - first.heap_mib
    const flat = growth <= FLAT_MIB
    console.log(
      `memory: ${n} clicks in ${seconds.toFixed(0)} s; heap after GC ${baseline.heap_mib} MiB at baseline, ` +
        `${first.heap_mib} at ${first.clicks} clicks, ${last.heap_mib} at the end (${growth >= 0 ? '+' : ''}${growth.toFixed(1)} MiB: ` +
        `${flat ? 'flat' : 'GROWING'}, target ≤ +${FLAT_MIB} MiB); workerd RSS ${baseline.workerd_rss_mib} → ${last.workerd_rss_mib} MiB; ` +
        `outbox ${last.outbox}; SQLite ${last.sqlite_mib} MiB; audit equal: ${audit.body.equal}; errors ${errors}`,
    )
    return {
      ok: audit.body.equal === true && errors === 0,
      clicks: n,
      seconds,
      flat,
      heap_growth_mib: +growth.toFixed(1),
      heap_reference: { clicks: first.clicks, heap_mib: first.heap_mib },
      flat_target_mib: FLAT_MIB,
      audit_equal: audit.body.equal,
      errors,
      rows,
    }
  } finally {
    cdp.close()
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const clicks = Number(process.env.CLICKS ?? 100_000)
  // Miniflare by default: it runs a build of the tree as it was at the start, where wrangler dev
  // reloads the Worker (a new isolate, a new heap) whenever a source file changes.
  const miniflare = !process.argv.includes('--wrangler')
  let collector
  let inspectorPort
  if (miniflare) {
    const { freePort } = await import('../scripts/local-collector.mjs')
    const { startMiniflareCollector } = await import('./miniflare-collector.mjs')
    inspectorPort = await freePort()
    collector = await startMiniflareCollector({ inspectorPort })
  } else {
    const { startCollector } = await import('../scripts/local-collector.mjs')
    collector = await startCollector()
  }
  stopOnSignal(collector)
  try {
    const result = await run({ collector, clicks, inspectorPort })
    const at = new Date().toISOString()
    mkdirSync(new URL('./results/', import.meta.url), { recursive: true })
    writeFileSync(
      new URL(`./results/memory-${result.clicks}.json`, import.meta.url),
      `${JSON.stringify({ at, runtime: miniflare ? 'miniflare' : 'wrangler dev', ...result }, null, 2)}\n`,
    )
    process.exitCode = result.ok ? 0 : 1
  } finally {
    await collector.stop()
  }
}
