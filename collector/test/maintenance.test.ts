import { env } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { runMaintenance } from '../src/lib/maintenance'
import { call, createAffiliate, createProgram } from './helpers'

describe('hourly maintenance', () => {
  it('approves pending commissions whose hold period has passed and leaves the others', async () => {
    const { keys, program } = await createProgram({ hold_days: 0 })
    const aff = await createAffiliate(keys.secret)
    const due = await call('POST', '/v1/conversions', {
      token: keys.secret,
      body: { event_id: 'due', ref: aff.code, amount: 1000, currency: 'USD' },
    })
    const { keys: k2, program: p2 } = await createProgram({ hold_days: 30 })
    const aff2 = await createAffiliate(k2.secret)
    await call('POST', '/v1/conversions', {
      token: k2.secret,
      body: { event_id: 'later', ref: aff2.code, amount: 1000, currency: 'USD' },
    })

    await runMaintenance(env, Date.now() + 1000)

    const a = await env.DB.prepare('SELECT status FROM commissions WHERE id = ?')
      .bind(due.body.conversion.commission.id)
      .first()
    const b = await env.DB.prepare('SELECT status FROM commissions WHERE program_id = ?').bind(p2.id).first()
    expect(a).toEqual({ status: 'approved' })
    expect(b).toEqual({ status: 'pending' })
    expect(program.hold_days).toBe(0)
  })

  it('approves through the hub: the founder feed hears of it, the webhook is queued, hub and D1 agree', async () => {
    const { keys, program } = await createProgram({ hold_days: 0 })
    const aff = await createAffiliate(keys.secret)
    await call('POST', '/v1/webhook-endpoints', {
      token: keys.secret,
      body: { url: 'https://hooks.example.com/refline', events: ['commission.updated'] },
    })
    const conv = await call('POST', '/v1/conversions', {
      token: keys.secret,
      body: { event_id: 'due-hub', ref: aff.code, amount: 2000, currency: 'USD' },
    })
    const { approved } = await runMaintenance(env, Date.now() + 1000)
    expect(approved).toBeGreaterThanOrEqual(1)
    const hub = env.HUB.get(env.HUB.idFromName(program.id))
    const { feed } = await hub.activity('live')
    expect(feed.some((f) => f.type === 'commission' && f.status === 'approved')).toBe(true)
    const { results } = await env.DB.prepare(
      "SELECT payload FROM webhook_deliveries WHERE program_id = ? AND type = 'commission.updated'",
    )
      .bind(program.id)
      .all<{ payload: string }>()
    const approvedHooks = results.map((r) => JSON.parse(r.payload).data.commission)
    expect(approvedHooks).toContainEqual(
      expect.objectContaining({ id: conv.body.conversion.commission.id, status: 'approved' }),
    )
    expect(await hub.audit()).toEqual([])
  })

  it('deletes IP salts older than 48 hours and keeps recent ones', async () => {
    const now = Date.UTC(2030, 5, 10, 12)
    const day = (offset: number) => new Date(now - offset * 86_400_000).toISOString().slice(0, 10)
    for (const d of [day(0), day(1), day(2), day(3)]) {
      await env.DB.prepare('INSERT OR IGNORE INTO salts (day, salt, created_at) VALUES (?, ?, ?)')
        .bind(d, `s-${d}`, new Date(now).toISOString())
        .run()
    }
    await runMaintenance(env, now)
    const { results } = await env.DB.prepare('SELECT day FROM salts WHERE day >= ? ORDER BY day')
      .bind(day(3))
      .all<{ day: string }>()
    expect(results.map((r) => r.day)).toEqual([day(2), day(1), day(0)])
  })
})

describe('hold-end approvals at volume', () => {
  it('approves 120 due commissions in statements D1 accepts (≤ 100 parameters each)', async () => {
    const { keys, program } = await createProgram({ hold_days: 0 })
    const aff = await createAffiliate(keys.secret)
    for (let i = 0; i < 120; i++) {
      await call('POST', '/v1/conversions', {
        token: keys.secret,
        body: { event_id: `bulk-${i}`, ref: aff.code, amount: 1000, currency: 'USD' },
      })
    }
    const { approved } = await runMaintenance(env, Date.now() + 1000)
    expect(approved).toBeGreaterThanOrEqual(120)
    const row = await env.DB.prepare(
      "SELECT COUNT(*) AS n FROM commissions WHERE program_id = ? AND status = 'approved'",
    )
      .bind(program.id)
      .first<{ n: number }>()
    expect(row?.n).toBe(120)
  })
})
