/**
 * Memory over many clicks: starts a real local collector (wrangler dev on 127.0.0.1, fresh local
 * D1), sends CLICKS clicks (default 100,000) in batches, and after each batch prints the workerd
 * processes' resident memory (RSS, from /proc), the hub's in-memory queues (click outbox, pending
 * money events, from the admin health endpoint) and the size of the local SQLite files (D1 and the
 * Durable Object's storage), against a baseline taken before the first click.
 *
 *   node bench/memory.mjs            # 100,000 clicks
 *   CLICKS=20000 node bench/memory.mjs
 *
 * Linux only (reads /proc). What it shows is recorded in docs/limits.md ("Memory").
 */
import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { startCollector } from '../scripts/local-collector.mjs'

const CLICKS = Math.min(Number(process.env.CLICKS ?? 100_000), 200_000)
const BATCH = 10_000
const CONCURRENCY = 32
const TIME_LIMIT_MS = 15 * 60_000
const UA =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36'

/** The workerd of our collector: in the process group whose wrangler was started with our port. */
function workerdOf(port) {
  const rows = execFileSync('ps', ['-eo', 'pid=,pgid=,comm=,args='], { encoding: 'utf8' })
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((r) => r.length >= 3)
  const groups = new Set(rows.filter((r) => r.slice(3).join(' ').includes(`--port ${port}`)).map((r) => r[1]))
  return rows.filter((r) => r[2] === 'workerd' && groups.has(r[1])).map((r) => Number(r[0]))
}

const rssMiB = (pid) => {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return m ? Number(m[1]) / 1024 : Number.NaN
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

const collector = await startCollector()
const ours = workerdOf(collector.port)
// wrangler dev runs two workerd processes (the Worker and its dev proxy); the figure is their sum.
if (!ours.length) throw new Error(`found no workerd for port ${collector.port}`)
const started = Date.now()
try {
  const { program, keys } = await collector.createProgram({ name: 'Memory' })
  const aff = await collector.api('POST', '/v1/affiliates', {
    token: keys.secret,
    body: { name: 'Memory affiliate', email: 'mem@example.com', code: 'mem' },
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
  const sample = async (label) => {
    const h = await health()
    const row = {
      clicks: label,
      workerd_rss_mib: +ours.reduce((sum, pid) => sum + rssMiB(pid), 0).toFixed(1),
      outbox: h.outbox,
      pending_events: h.pending_events,
      sqlite_mib: +sqliteMiB(collector.persistTo).toFixed(1),
      errors,
    }
    console.log(JSON.stringify(row))
    return row
  }
  await click()
  await new Promise((r) => setTimeout(r, 2_000))
  const baseline = await sample('baseline (1 click)')
  let last = baseline
  while (n < CLICKS && Date.now() - started < TIME_LIMIT_MS) {
    const end = Math.min(n + BATCH, CLICKS)
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (n < end) await click()
      }),
    )
    await new Promise((r) => setTimeout(r, 1_500)) // let the outbox flush
    last = await sample(n)
  }
  const audit = await collector.api('GET', `/v1/admin/programs/${program.id}/audit`, {
    token: collector.adminToken,
  })
  console.log(
    `memory: ${n} clicks in ${((Date.now() - started) / 1000).toFixed(0)} s, workerd RSS ${baseline.workerd_rss_mib} → ${last.workerd_rss_mib} MiB (+${(last.workerd_rss_mib - baseline.workerd_rss_mib).toFixed(1)}), outbox ${last.outbox}, SQLite ${last.sqlite_mib} MiB, audit equal: ${audit.body.equal}, errors ${errors}`,
  )
} finally {
  await collector.stop()
}
