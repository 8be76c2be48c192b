/**
 * Soak: a short warm-up measures the collector's maximum click rate, then 60 s of clicks at 80 %
 * of it against a real local collector (wrangler dev, workerd, local D1) on 127.0.0.1. Afterwards
 * every click answered 2xx is in D1 exactly once and the hub's counters equal D1 (the admin audit).
 *
 * SOAK_SECONDS (default 60) shortens or lengthens the steady phase.
 */
// @ts-expect-error: plain ESM script without types

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startCollector } from '../../scripts/local-collector.mjs'

const UA =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36'
const SECONDS = Math.min(Number(process.env.SOAK_SECONDS ?? 60), 90)
const CONCURRENCY = 24

/** What this test uses of scripts/local-collector.mjs's collector. */
interface Collector {
  url: string
  adminToken: string
  api(
    method: string,
    path: string,
    opts?: { token?: string; body?: unknown },
    // biome-ignore lint/suspicious/noExplicitAny: the JSON answers of several routes
  ): Promise<{ status: number; body: any }>
  createProgram(
    body: Record<string, unknown>,
  ): Promise<{ program: { id: string }; keys: { publishable: string; secret: string } }>
  query(sql: string): Promise<Array<Record<string, number>>>
  output(): string
  stop(): Promise<void>
}
let collector: Collector
let pk: string
let programId: string
let code: string
let n = 0

beforeAll(async () => {
  collector = await startCollector()
  const { program, keys } = await collector.createProgram({ name: 'Soak' })
  programId = program.id
  pk = keys.publishable
  const aff = await collector.api('POST', '/v1/affiliates', {
    token: keys.secret,
    body: { name: 'Soak affiliate', email: 'soak@example.com', code: 'soak' },
  })
  code = aff.body.affiliate.code
})

afterAll(async () => {
  await collector?.stop()
})

/** One click from its own address (the per-IP click limit is for visitors, not for this load). */
async function click(): Promise<number> {
  const i = ++n
  const res = await fetch(`${collector.url}/v1/clicks`, {
    method: 'POST',
    headers: {
      'content-type': 'text/plain',
      'user-agent': UA,
      'cf-connecting-ip': `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
    },
    body: JSON.stringify({
      key: pk,
      ref: code,
      url: `https://saas.example/?ref=${code}`,
      click_id: `soak${String(i).padStart(18, '0')}`,
    }),
  })
  await res.arrayBuffer()
  return res.status
}

interface Tally {
  ok: number
  errors: Record<string, number>
  seconds: number
}

/** Sends clicks for `ms`, `CONCURRENCY` at a time, paced to `rate` a second when given. */
async function load(ms: number, rate?: number): Promise<Tally> {
  const tally: Tally = { ok: 0, errors: {}, seconds: 0 }
  const start = performance.now()
  let sent = 0
  const worker = async () => {
    while (performance.now() - start < ms) {
      if (rate) {
        const due = start + (sent / rate) * 1000
        const wait = due - performance.now()
        if (wait > 0) await new Promise((r) => setTimeout(r, wait))
        if (performance.now() - start >= ms) break
      }
      sent++
      try {
        const status = await click()
        if (status >= 200 && status < 300) tally.ok++
        else tally.errors[status] = (tally.errors[status] ?? 0) + 1
      } catch (err) {
        const key = (err as Error).message
        tally.errors[key] = (tally.errors[key] ?? 0) + 1
      }
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker))
  tally.seconds = (performance.now() - start) / 1000
  return tally
}

describe('soak', () => {
  it(`takes ${SECONDS} s of clicks at 80 % of the measured maximum with no error and no lost or doubled click`, async () => {
    const warm = await load(6_000)
    expect(warm.errors).toEqual({})
    const max = warm.ok / warm.seconds
    const rate = Math.floor(max * 0.8)
    const steady = await load(SECONDS * 1_000, rate)
    console.log(
      `soak: max ${max.toFixed(0)} clicks/s (warm-up), steady ${(steady.ok / steady.seconds).toFixed(0)} clicks/s for ${steady.seconds.toFixed(0)} s (target ${rate}), ${warm.ok + steady.ok} clicks answered 2xx`,
    )
    // wrangler dev rebuilds the Worker when a source file changes and answers 503 while it does:
    // say so, since a soak on a tree being edited measures that too.
    const reloads = (collector.output().match(/Reloading|Detected changes/g) ?? []).length
    if (reloads) console.log(`soak: wrangler dev reloaded ${reloads} times during the run`)

    const answered = warm.ok + steady.ok
    // The audit flushes the hub's click outbox, then compares every counter with D1.
    const audit = await collector.api('GET', `/v1/admin/programs/${programId}/audit`, {
      token: collector.adminToken,
    })
    expect(audit.status).toBe(200)
    expect(audit.body.differences).toEqual([])
    const [rows] = await collector.query(
      `SELECT COUNT(*) AS n, COUNT(DISTINCT click_id) AS distinct_ids FROM clicks WHERE program_id = '${programId}'`,
    )
    expect(rows).toEqual({ n: answered, distinct_ids: answered })
    const [rollup] = await collector.query(
      `SELECT COALESCE(SUM(clicks), 0) AS clicks FROM rollups WHERE program_id = '${programId}' AND mode = 'live'`,
    )
    expect(rollup.clicks).toBe(answered)
    expect(steady.errors).toEqual({})
    expect(steady.ok / steady.seconds).toBeGreaterThan(rate * 0.9)
  })
})
