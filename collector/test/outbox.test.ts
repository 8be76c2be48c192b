import { env, runInDurableObject } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { flushDueAt, flushWindowMs } from '../src/hub/outbox'
import type { ProgramHub } from '../src/hub/program-hub'
import type { ClickRecord } from '../src/hub/types'
import { call, clickId, createAffiliate, createProgram, hub } from './helpers'

function bigClick(ref: string, i: number): ClickRecord {
  const long = `https://saas.example/landing?ref=${ref}&q=${'x'.repeat(2_048)}`.slice(0, 2_048)
  return {
    mode: 'live',
    clickId: clickId(),
    ref,
    url: long,
    referrer: long,
    ipHash: `ip${i % 97}`.padEnd(64, '0'),
    countable: true,
    source: 'script',
    at: Date.now(),
  }
}

function outboxRow(c: ClickRecord, affiliateId: string) {
  return {
    click_id: c.clickId,
    mode: c.mode,
    affiliate_id: affiliateId,
    ref: c.ref,
    sub: null,
    url: c.url,
    referrer: c.referrer ?? null,
    ip_hash: c.ipHash,
    is_unique: 1,
    first_click_id: null,
    source: c.source,
    at: c.at,
    countable: 1,
  }
}

async function d1Clicks(programId: string) {
  return env.DB.prepare(
    `SELECT (SELECT COUNT(*) FROM clicks WHERE program_id = ?1) AS rows,
            (SELECT COALESCE(SUM(clicks), 0) FROM rollups WHERE program_id = ?1) AS counted`,
  )
    .bind(programId)
    .first<{ rows: number; counted: number }>()
}

describe('click outbox', () => {
  it('gets 1,000 clicks with 2,048-character URLs and referrers into D1', async () => {
    const { keys, program } = await createProgram()
    const aff = await createAffiliate(keys.secret)
    const stub = hub(program.id)
    await stub.recordClick(program.id, bigClick(aff.code, 0))
    // The other 999 are queued at once, as a burst would leave them, before any flush runs.
    await runInDurableObject(stub, async (instance: ProgramHub) => {
      for (let i = 1; i < 1_000; i++) instance.store.enqueue(outboxRow(bigClick(aff.code, i), aff.id))
      instance.store.addTotals('live', aff.id, '', { clicks: 999, unique_clicks: 999 })
    })
    await stub.flush()
    expect(await d1Clicks(program.id)).toEqual({ rows: 1_000, counted: 1_000 })
    // Every flush stayed under D1's 2 MB value limit: each row carries at least 4,096 bytes.
    const { results } = await env.DB.prepare('SELECT rows FROM click_batches WHERE program_id = ?')
      .bind(program.id)
      .all<{ rows: number }>()
    for (const b of results) expect(b.rows * 4_096).toBeLessThan(2_000_000)
    expect(await stub.health()).toEqual({ outbox: 0, dead_letters: 0, pending_events: 0 })
    expect(await stub.audit()).toEqual([])
  })

  it('sets aside a row D1 can never take, keeps its count, and lets the rows around it through', async () => {
    const { keys, program } = await createProgram()
    const aff = await createAffiliate(keys.secret)
    const stub = hub(program.id)
    await stub.recordClick(program.id, bigClick(aff.code, 1))
    // A row D1 refuses whatever happens (over its 2 MB value limit), queued between good ones.
    await runInDurableObject(stub, async (instance: ProgramHub) => {
      instance.store.enqueue({ ...outboxRow(bigClick(aff.code, 2), aff.id), url: 'x'.repeat(2_100_000) })
      instance.store.addTotals('live', aff.id, '', { clicks: 1, unique_clicks: 1 })
    })
    await stub.recordClick(program.id, bigClick(aff.code, 3))
    for (let i = 0; i < 12 && (await stub.health()).outbox > 0; i++) await stub.flush()

    expect(await d1Clicks(program.id)).toEqual({ rows: 2, counted: 3 })
    expect(await stub.health()).toEqual({ outbox: 0, dead_letters: 1, pending_events: 0 })
    expect(await stub.audit()).toEqual([])
  })
})

describe('flush policy', () => {
  it('sends a full batch at once, else when the oldest click has waited the window', () => {
    const now = 1_000_000
    expect(flushDueAt(0, null, now, 300_000)).toBeNull()
    expect(flushDueAt(1, now - 10_000, now, 300_000)).toBe(now + 290_000)
    expect(flushDueAt(499, now - 10_000, now, 300_000)).toBe(now + 290_000)
    expect(flushDueAt(500, now, now, 300_000)).toBe(now)
    // Overdue (a flush failed, or the alarm came late): now, never in the past.
    expect(flushDueAt(3, now - 900_000, now, 300_000)).toBe(now)
  })

  it('reads the window from CLICK_FLUSH_SECONDS, five minutes when unset or not a number', () => {
    expect(flushWindowMs(undefined)).toBe(300_000)
    expect(flushWindowMs('')).toBe(300_000)
    expect(flushWindowMs('soon')).toBe(300_000)
    expect(flushWindowMs('-1')).toBe(300_000)
    expect(flushWindowMs('0')).toBe(0)
    expect(flushWindowMs('1.5')).toBe(1_500)
    expect(flushWindowMs('86400')).toBe(3_600_000)
  })
})

describe('stats while clicks wait in the hub', () => {
  it('counts every waiting click once, also while flushes run beside the reads', async () => {
    const { keys, program } = await createProgram()
    const aff = await createAffiliate(keys.secret)
    const stub = hub(program.id)
    let sent = 0
    let sawWaiting = false
    for (let round = 0; round < 12; round++) {
      for (let i = 0; i < 5; i++) {
        const r = await stub.recordClick(program.id, {
          ...bigClick(aff.code, sent),
          url: 'https://saas.example/',
        })
        expect(r.ok).toBe(true)
        sent++
      }
      const inD1 = (await d1Clicks(program.id))?.counted ?? 0
      if (inD1 < sent) sawWaiting = true
      const reads = await Promise.all([
        call('GET', '/v1/stats', { token: keys.secret }),
        stub.flush(),
        call('GET', '/v1/stats', { token: keys.secret }),
        round % 2 ? stub.flush() : Promise.resolve(),
        call('GET', `/v1/stats?affiliate=${aff.id}`, { token: keys.secret }),
      ])
      for (const res of [reads[0], reads[2], reads[4]] as Array<{
        status: number
        body: {
          totals: { clicks: number }
          affiliates: Array<{ totals: { clicks: number } }>
          series: Array<{ clicks: number }>
        }
      }>) {
        expect(res.status).toBe(200)
        expect(res.body.totals.clicks).toBe(sent)
        expect(res.body.affiliates[0]?.totals.clicks).toBe(sent)
        expect(res.body.series.reduce((n, p) => n + p.clicks, 0)).toBe(sent)
      }
    }
    // Reads ran while clicks were still waiting (else this proves nothing about the merge).
    expect(sawWaiting).toBe(true)
    await stub.flush()
    expect(await d1Clicks(program.id)).toEqual({ rows: sent, counted: sent })
  })
})

describe('queued click sources', () => {
  it('count a click whose batch is being sent: it is in neither the queue nor D1 until it lands', async () => {
    const { keys, program } = await createProgram()
    const aff = await createAffiliate(keys.secret)
    const stub = hub(program.id)
    const click = bigClick(aff.code, 0)
    await runInDurableObject(stub, async (instance: ProgramHub) => {
      instance.store.enqueue(outboxRow(click, aff.id))
      // A flush has taken the row into its batch and is waiting for D1.
      expect(instance.store.nextBatch(500, 512 * 1024, 'batch_in_flight')?.rows).toHaveLength(1)
      expect(instance.queuedClickSources('live')).toEqual({ click: true, script: true })
      expect(instance.queuedClickSources('test')).toEqual({ click: false, script: false })
    })
  })
})
