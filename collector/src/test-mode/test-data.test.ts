/**
 * Test mode, complete: traffic sent with test keys never reaches live stats, live webhooks, live
 * payouts or live exports, and `DELETE /v1/test-data` purges every test record of the program in
 * D1 and the hub (audit `[]`, the same test event ids accepted again) while live data stays.
 */
import { env } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { call, clickId, createAffiliate, createProgram, hub, sendClick } from '../../test/helpers'
import type { ProgramCreated } from '../shared'

/** One customer's whole story with one pair of keys: click, signup, two payments, a refund. */
async function traffic(p: ProgramCreated, mode: 'live' | 'test', code: string, tag: string) {
  const pk = mode === 'live' ? p.keys.publishable : p.keys.test_publishable
  const sk = mode === 'live' ? p.keys.secret : p.keys.test_secret
  const click = clickId()
  expect((await sendClick(pk, { click_id: click, ref: code })).status).toBe(202)
  const signup = await call('POST', '/v1/signups', {
    token: sk,
    body: { customer_id: `cus_${tag}`, click_id: click, email: `${tag}@buyer.example` },
  })
  expect(signup.status, JSON.stringify(signup.body)).toBe(201)
  for (const inv of ['inv_1', 'inv_2']) {
    const conv = await call('POST', '/v1/conversions', {
      token: sk,
      body: { event_id: `${tag}_${inv}`, customer_id: `cus_${tag}`, amount: 4_900, currency: 'USD' },
    })
    expect(conv.status, JSON.stringify(conv.body)).toBe(201)
  }
  const refund = await call('POST', '/v1/refunds', {
    token: sk,
    body: { event_id: `${tag}_rf`, conversion_event_id: `${tag}_inv_2`, amount: 1_000 },
  })
  expect(refund.status, JSON.stringify(refund.body)).toBe(201)
  const approved = await call('POST', '/v1/commissions/approve-due', {
    token: sk,
    body: { include_pending: true },
  })
  expect(approved.status, JSON.stringify(approved.body)).toBe(200)
  // Clicks reach D1 (and so the stats) from the hub's outbox within a second; do it now.
  await hub(p.program.id).flush()
}

async function stats(sk: string) {
  const res = await call('GET', '/v1/stats', { token: sk })
  expect(res.status, JSON.stringify(res.body)).toBe(200)
  return res.body.totals
}

async function countRows(sql: string, ...params: string[]): Promise<number> {
  const row = await env.DB.prepare(sql)
    .bind(...params)
    .first<{ n: number }>()
  return row?.n ?? 0
}

async function endpoints(p: ProgramCreated) {
  for (const token of [p.keys.secret, p.keys.test_secret]) {
    const res = await call('POST', '/v1/webhook-endpoints', {
      token,
      body: { url: 'https://hooks.example.com/refline' },
    })
    expect(res.status).toBe(201)
  }
}

describe('test mode', () => {
  it('keeps test traffic out of live stats, live webhooks, live payouts and live exports', async () => {
    const p = await createProgram({ hold_days: 0 })
    const liveAff = await createAffiliate(p.keys.secret)
    await endpoints(p)
    // A test key may credit a live affiliate: the records it makes are still test records.
    await traffic(p, 'test', liveAff.code, 't')
    const testPayout = await call('POST', '/v1/payouts', { token: p.keys.test_secret, body: {} })
    expect(testPayout.status, JSON.stringify(testPayout.body)).toBe(201)
    expect(testPayout.body.payout).not.toBeNull()

    const test = await stats(p.keys.test_secret)
    expect(test).toMatchObject({ clicks: 1, signups: 1, conversions: 2, revenue: { USD: 8_800 } })
    expect(await stats(p.keys.secret)).toMatchObject({ clicks: 0, signups: 0, conversions: 0, revenue: {} })

    expect(
      await countRows(
        "SELECT COUNT(*) AS n FROM webhook_deliveries WHERE program_id = ? AND mode = 'live'",
        p.program.id,
      ),
    ).toBe(0)
    expect(
      await countRows(
        "SELECT COUNT(*) AS n FROM webhook_deliveries WHERE program_id = ? AND mode = 'test'",
        p.program.id,
      ),
    ).toBeGreaterThan(0)

    expect((await call('GET', '/v1/payouts', { token: p.keys.secret })).body.payouts).toEqual([])
    const livePayout = await call('POST', '/v1/payouts', { token: p.keys.secret, body: {} })
    expect(livePayout.body).toEqual({ payout: null })
    expect((await call('GET', '/v1/conversions', { token: p.keys.secret })).body.conversions).toEqual([])
    expect((await call('GET', '/v1/commissions', { token: p.keys.secret })).body.commissions).toEqual([])
    expect(await hub(p.program.id).audit()).toEqual([])
  })

  it('DELETE /v1/test-data purges every test record in D1 and the hub, and leaves live data as it was', async () => {
    const p = await createProgram({ hold_days: 0 })
    await endpoints(p)
    const liveAff = await createAffiliate(p.keys.secret)
    const testAff = await createAffiliate(p.keys.test_secret, { promo_codes: ['TESTONLY10'] })
    await traffic(p, 'live', liveAff.code, 'live')
    await traffic(p, 'test', liveAff.code, 't')
    await traffic(p, 'test', testAff.code, 'u')
    expect((await call('POST', '/v1/payouts', { token: p.keys.test_secret, body: {} })).status).toBe(201)
    const liveBefore = await stats(p.keys.secret)
    const liveConversions = (await call('GET', '/v1/conversions', { token: p.keys.secret })).body
    expect(await hub(p.program.id).audit()).toEqual([])

    const res = await call('DELETE', '/v1/test-data', { token: p.keys.test_secret })
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    expect(res.body.deleted).toMatchObject({
      clicks: 2,
      customers: 2,
      signups: 2,
      conversions: 4,
      refunds: 2,
      payouts: 1,
      affiliates: 1,
    })
    expect(res.body.deleted.commissions).toBeGreaterThanOrEqual(4)
    expect(res.body.deleted.webhook_deliveries).toBeGreaterThan(0)
    expect(res.body.deleted.events).toBeGreaterThan(0)

    // Nothing of test mode is left in D1 but the purge's own record.
    for (const table of [
      'clicks',
      'customers',
      'signups',
      'conversions',
      'refunds',
      'commissions',
      'rollups',
      'payouts',
      'affiliates',
      'webhook_deliveries',
      'commission_events',
    ]) {
      expect(
        await countRows(
          `SELECT COUNT(*) AS n FROM ${table} WHERE program_id = ? AND mode = 'test'`,
          p.program.id,
        ),
        table,
      ).toBe(0)
    }
    expect(await countRows('SELECT COUNT(*) AS n FROM promo_codes WHERE affiliate_id = ?', testAff.id)).toBe(
      0,
    )
    expect(await stats(p.keys.test_secret)).toMatchObject({
      clicks: 0,
      signups: 0,
      conversions: 0,
      revenue: {},
    })
    expect(await hub(p.program.id).totals('test')).toMatchObject({ clicks: 0, signups: 0, conversions: 0 })
    expect(await hub(p.program.id).audit()).toEqual([])

    // Live data is exactly as it was.
    expect(await stats(p.keys.secret)).toEqual(liveBefore)
    expect((await call('GET', '/v1/conversions', { token: p.keys.secret })).body).toEqual(liveConversions)
    expect(
      await countRows(
        "SELECT COUNT(*) AS n FROM webhook_deliveries WHERE program_id = ? AND mode = 'live'",
        p.program.id,
      ),
    ).toBeGreaterThan(0)

    // The same test event ids are new again: 201, not a replay of the purged answer.
    await traffic(p, 'test', liveAff.code, 't')
    expect(await stats(p.keys.test_secret)).toMatchObject({ clicks: 1, signups: 1, conversions: 2 })
    expect(await hub(p.program.id).audit()).toEqual([])

    // The purged test affiliate no longer attributes.
    const orphan = await call('POST', '/v1/conversions', {
      token: p.keys.test_secret,
      body: { event_id: 'after_purge', ref: testAff.code, amount: 100, currency: 'USD' },
    })
    expect(orphan.status).toBe(201)
    expect(orphan.body.conversion.affiliate).toBeNull()
  })

  it('refuses a live key and answers zeros when nothing is left', async () => {
    const p = await createProgram()
    const live = await call('DELETE', '/v1/test-data', { token: p.keys.secret })
    expect(live.status).toBe(403)
    expect(live.body.error.code).toBe('forbidden')
    expect((await call('DELETE', '/v1/test-data', { token: p.keys.publishable })).status).toBe(403)
    expect((await call('DELETE', '/v1/test-data')).status).toBe(401)
    const empty = await call('DELETE', '/v1/test-data', { token: p.keys.test_secret })
    expect(empty.status).toBe(200)
    expect(Object.values(empty.body.deleted).every((n) => n === 0)).toBe(true)
    expect(await hub(p.program.id).audit()).toEqual([])
  })
})
