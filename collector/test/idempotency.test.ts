import { env, runInDurableObject } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { call, createAffiliate, createProgram } from './helpers'

describe('idempotency', () => {
  it('turns 50 concurrent identical conversions into exactly one conversion and one commission', async () => {
    const { keys, program } = await createProgram()
    const aff = await createAffiliate(keys.secret)
    const body = { event_id: 'inv_race', ref: aff.code, amount: 4900, currency: 'USD' }
    const answers = await Promise.all(
      Array.from({ length: 50 }, () => call('POST', '/v1/conversions', { token: keys.secret, body })),
    )
    const statuses = answers.map((a) => a.status).sort()
    expect(statuses.filter((s) => s === 201)).toHaveLength(1)
    expect(statuses.filter((s) => s === 200)).toHaveLength(49)
    const ids = new Set(answers.map((a) => a.body.conversion.id))
    expect(ids.size).toBe(1)
    const conv = await env.DB.prepare('SELECT COUNT(*) AS n FROM conversions WHERE program_id = ?')
      .bind(program.id)
      .first()
    const com = await env.DB.prepare(
      'SELECT COUNT(*) AS n, SUM(amount) AS total FROM commissions WHERE program_id = ?',
    )
      .bind(program.id)
      .first()
    expect(conv).toEqual({ n: 1 })
    expect(com).toEqual({ n: 1, total: 1470 })
    const stats = await call('GET', '/v1/stats', { token: keys.secret })
    expect(stats.body.totals).toMatchObject({
      conversions: 1,
      revenue: { USD: 4900 },
      commission: { USD: 1470 },
    })
  })

  it('answers 409 naming event_id when an event id comes back with another body', async () => {
    const { keys } = await createProgram()
    const first = await call('POST', '/v1/conversions', {
      token: keys.secret,
      body: { event_id: 'e1', amount: 100, currency: 'USD' },
    })
    expect(first.status).toBe(201)
    const second = await call('POST', '/v1/conversions', {
      token: keys.secret,
      body: { event_id: 'e1', amount: 200, currency: 'USD' },
    })
    expect(second.status).toBe(409)
    expect(second.body.error).toMatchObject({ code: 'conflict', field: 'event_id' })
  })

  it('replays a refund instead of refunding twice', async () => {
    const { keys, program } = await createProgram()
    await call('POST', '/v1/conversions', {
      token: keys.secret,
      body: { event_id: 'c', amount: 1000, currency: 'USD' },
    })
    const body = { event_id: 'r', conversion_event_id: 'c', amount: 400 }
    const a = await call('POST', '/v1/refunds', { token: keys.secret, body })
    const b = await call('POST', '/v1/refunds', { token: keys.secret, body })
    expect([a.status, b.status]).toEqual([201, 200])
    const row = await env.DB.prepare('SELECT refunded_amount FROM conversions WHERE program_id = ?')
      .bind(program.id)
      .first()
    expect(row).toEqual({ refunded_amount: 400 })
  })

  it('replays a signup sent twice for the same customer under the default event id', async () => {
    const { keys, program } = await createProgram()
    const a = await call('POST', '/v1/signups', { token: keys.secret, body: { customer_id: 'u1' } })
    const b = await call('POST', '/v1/signups', { token: keys.secret, body: { customer_id: 'u1' } })
    expect([a.status, b.status]).toEqual([201, 200])
    expect(b.headers.get('idempotent-replayed')).toBe('true')
    const n = await env.DB.prepare('SELECT COUNT(*) AS n FROM signups WHERE program_id = ?')
      .bind(program.id)
      .first()
    expect(n).toEqual({ n: 1 })
  })

  it('answers a replay from D1 when the hub lost its own record of the event', async () => {
    const { keys, program } = await createProgram()
    const body = { event_id: 'lost', amount: 100, currency: 'USD' }
    const first = await call('POST', '/v1/conversions', { token: keys.secret, body })
    // Simulate the hub losing its local write after D1 committed.
    await runInDurableObject(env.HUB.get(env.HUB.idFromName(program.id)), (_hub, state) => {
      state.storage.sql.exec("DELETE FROM events WHERE event_id = 'lost'")
    })
    const again = await call('POST', '/v1/conversions', { token: keys.secret, body })
    expect(again.status).toBe(200)
    expect(again.body).toEqual(first.body)
    const n = await env.DB.prepare('SELECT COUNT(*) AS n FROM conversions WHERE program_id = ?')
      .bind(program.id)
      .first()
    expect(n).toEqual({ n: 1 })
  })
})
