/**
 * The commission lifecycle through the real collector: signup rewards, promotions at their window
 * edges, the rule each commission records, its history, bulk approval and rejection, and modes.
 */
import { describe, expect, it } from 'vitest'
import type { CommissionHistoryEntry, CommissionRecord } from '../src/shared'
import { call, clickId, createAffiliate, createProgram, hub, sendClick } from './helpers'
import {
  checkoutCompleted,
  connectStripe,
  deliver,
  disputeEvent,
  invoicePaid,
  invoicePaymentPaid,
  LIVE_SECRET,
} from './stripe-support'

const HOUR = 3_600_000
const DAY = 24 * HOUR
const iso = (ms: number) => new Date(ms).toISOString()

async function signup(sk: string, body: Record<string, unknown>) {
  const res = await call('POST', '/v1/signups', { token: sk, body })
  expect(res.status).toBe(201)
  return res.body.signup
}

async function convert(sk: string, body: Record<string, unknown>) {
  const res = await call('POST', '/v1/conversions', {
    token: sk,
    body: { amount: 10_000, currency: 'USD', ...body },
  })
  expect(res.status, JSON.stringify(res.body)).toBe(201)
  return res.body.conversion
}

async function commission(
  sk: string,
  id: string,
): Promise<CommissionRecord & { history: CommissionHistoryEntry[] }> {
  const res = await call('GET', `/v1/commissions/${id}`, { token: sk })
  expect(res.status, JSON.stringify(res.body)).toBe(200)
  return res.body.commission
}

describe('signup rewards', () => {
  it('pays the reward for a signup within the window of its click and nothing outside it', async () => {
    const { keys, program } = await createProgram({
      signup_reward: { amount: 5_000, currency: 'USD', within_hours: 1 },
    })
    const aff = await createAffiliate(keys.secret)
    const now = Date.now()
    const inside = clickId()
    const outside = clickId()
    expect((await sendClick(keys.publishable, { click_id: inside, ref: aff.code })).status).toBe(202)
    expect((await sendClick(keys.publishable, { click_id: outside, ref: aff.code })).status).toBe(202)

    const won = await signup(keys.secret, {
      customer_id: 'cus_in',
      click_id: inside,
      occurred_at: iso(now + 30 * 60_000),
    })
    expect(won.commission).toMatchObject({ amount: 5_000, currency: 'USD', status: 'pending' })
    const lost = await signup(keys.secret, {
      customer_id: 'cus_out',
      click_id: outside,
      occurred_at: iso(now + 2 * HOUR),
    })
    expect(lost.affiliate).toMatchObject({ id: aff.id })
    expect(lost.commission).toBeUndefined()

    const rec = await commission(keys.secret, won.commission.id)
    expect(rec).toMatchObject({ kind: 'signup', rule: { source: 'signup_reward' }, conversion_id: won.id })
    expect(rec.history.map((h) => [h.type, h.status, h.amount])).toEqual([['created', 'pending', 5_000]])
    expect((await hub(program.id).totals('live')).commission).toEqual({ USD: 5_000 })
    expect(await hub(program.id).audit()).toEqual([])
  })

  it('reverses the reward when the customer’s first payment is refunded in full, not in part', async () => {
    const { keys, program } = await createProgram({ signup_reward: { amount: 2_500, currency: 'USD' } })
    const aff = await createAffiliate(keys.secret)
    const s = await signup(keys.secret, { customer_id: 'cus_r', ref: aff.code })
    expect(s.commission).toMatchObject({ amount: 2_500 })
    await convert(keys.secret, { event_id: 'inv_r1', customer_id: 'cus_r' })
    await convert(keys.secret, { event_id: 'inv_r2', customer_id: 'cus_r' })

    // A later payment refunded in full, or the first one in part, leaves the reward alone.
    const refund = (body: Record<string, unknown>) =>
      call('POST', '/v1/refunds', { token: keys.secret, body })
    expect((await refund({ event_id: 'rf_1', conversion_event_id: 'inv_r2' })).status).toBe(201)
    expect((await refund({ event_id: 'rf_2', conversion_event_id: 'inv_r1', amount: 4_000 })).status).toBe(
      201,
    )
    expect(await commission(keys.secret, s.commission.id)).toMatchObject({ status: 'pending', amount: 2_500 })

    // The rest of the first payment: the reward is reversed, with its refund in the history.
    const last = await refund({ event_id: 'rf_3', conversion_event_id: 'inv_r1' })
    expect(last.status).toBe(201)
    const rec = await commission(keys.secret, s.commission.id)
    expect(rec).toMatchObject({ status: 'reversed', amount: 0 })
    expect(rec.history.at(-1)).toMatchObject({
      type: 'reversed',
      actor: 'refund',
      ref_id: last.body.refund.id,
    })
    expect(await hub(program.id).audit()).toEqual([])
  })

  it('validates the reward: a currency, a positive amount, hours from 1', async () => {
    for (const [reward, field] of [
      [{ amount: 100, currency: 'XXQ' }, 'signup_reward.currency'],
      [{ amount: 0, currency: 'USD' }, 'signup_reward.amount'],
      [{ amount: 100, currency: 'USD', within_hours: 0 }, 'signup_reward.within_hours'],
      [{ amount: 100, currency: 'USD', days: 1 }, 'signup_reward.days'],
    ] as const) {
      const res = await call('POST', '/v1/programs', {
        token: 'test-admin-token',
        body: { name: 'X', signup_reward: reward },
      })
      expect(res.status).toBe(400)
      expect(res.body.error.field).toBe(field)
    }
  })
})

describe('promotions', () => {
  const S = Date.UTC(2026, 5, 6, 0, 0, 0) // a weekend deal, Saturday 00:00 UTC …
  const E = S + 2 * DAY //                  … to Monday 00:00 UTC (exclusive)

  it('applies from starts_at inclusive to ends_at exclusive, and records the rule', async () => {
    const { keys, program } = await createProgram({
      commission: { type: 'percent', percent: 20 },
      promotions: [
        { name: 'weekend', starts_at: iso(S), ends_at: iso(E), commission: { type: 'percent', percent: 50 } },
      ],
    })
    const aff = await createAffiliate(keys.secret)
    const at = async (ms: number, n: string) =>
      (await convert(keys.secret, { event_id: `e_${n}`, ref: aff.code, occurred_at: iso(ms) })).commission
    const before = await at(S - 1, 'before')
    const first = await at(S, 'first')
    const lastMs = await at(E - 1, 'last')
    const after = await at(E, 'after')
    expect([before, first, lastMs, after].map((c) => c.amount)).toEqual([2_000, 5_000, 5_000, 2_000])
    expect((await commission(keys.secret, first.id)).rule).toEqual({
      source: 'promotion',
      promotion: 'weekend',
    })
    expect((await commission(keys.secret, after.id)).rule).toEqual({ source: 'program' })
    const listed = await call('GET', `/v1/commissions?affiliate=${aff.code}`, { token: keys.secret })
    expect(listed.body.commissions.map((c: CommissionRecord) => c.rule?.source).sort()).toEqual([
      'program',
      'program',
      'promotion',
      'promotion',
    ])
    expect(await hub(program.id).audit()).toEqual([])
  })

  it('lets the latest-starting active promotion win, only for its affiliates, with its bonus', async () => {
    const { keys } = await createProgram({ commission: { type: 'percent', percent: 20 } })
    const jane = await createAffiliate(keys.secret, { commission: { type: 'percent', percent: 25 } })
    const omar = await createAffiliate(keys.secret)
    const patch = await call('PATCH', '/v1/program', {
      token: keys.secret,
      body: {
        promotions: [
          {
            name: 'june',
            starts_at: iso(S - 10 * DAY),
            ends_at: iso(E),
            commission: { type: 'percent', percent: 30 },
          },
          {
            name: 'jane-weekend',
            starts_at: iso(S),
            ends_at: iso(E),
            affiliates: [jane.id],
            bonus: { amount: 1_000, currency: 'USD' },
          },
        ],
      },
    })
    expect(patch.status, JSON.stringify(patch.body)).toBe(200)
    const c = async (ref: string, ms: number, n: string) =>
      (await convert(keys.secret, { event_id: `p_${n}`, ref, occurred_at: iso(ms) })).commission
    // Jane in her weekend: her own rule stays (the weekend promotion has none) plus the bonus.
    const janeWeekend = await c(jane.code, S + HOUR, 'jw')
    expect(janeWeekend.amount).toBe(2_500 + 1_000)
    expect((await commission(keys.secret, janeWeekend.id)).rule).toEqual({
      source: 'affiliate',
      promotion: 'jane-weekend',
      bonus: 1_000,
    })
    // Omar is not listed: June's rule replaces the program's.
    const omarWeekend = await c(omar.code, S + HOUR, 'ow')
    expect(omarWeekend.amount).toBe(3_000)
    expect((await commission(keys.secret, omarWeekend.id)).rule).toEqual({
      source: 'promotion',
      promotion: 'june',
    })
    // Jane before her weekend: June's rule.
    expect((await c(jane.code, S - HOUR, 'jb')).amount).toBe(3_000)
  })

  it('refuses a window that ends before it starts, unknown currencies and affiliates of no program', async () => {
    const { keys } = await createProgram()
    const aff = await createAffiliate(keys.secret)
    const other = await createProgram()
    const stranger = await createAffiliate(other.keys.secret)
    const base = { name: 'p', starts_at: iso(S), ends_at: iso(E), bonus: { amount: 100, currency: 'USD' } }
    const cases: [unknown, string][] = [
      [[{ ...base, ends_at: iso(S) }], 'promotions.0.ends_at'],
      [[{ ...base, bonus: { amount: 100, currency: 'ABC' } }], 'promotions.0.bonus.currency'],
      [
        [{ ...base, commission: { type: 'flat', amount: 100, currency: 'QQQ' } }],
        'promotions.0.commission.currency',
      ],
      [[{ name: 'empty', starts_at: iso(S), ends_at: iso(E) }], 'promotions.0.commission'],
      [[base, base], 'promotions.1.name'],
      [[{ ...base, affiliates: [aff.id, stranger.id] }], 'promotions.0.affiliates.1'],
    ]
    for (const [promotions, field] of cases) {
      const res = await call('PATCH', '/v1/program', { token: keys.secret, body: { promotions } })
      expect(res.status, JSON.stringify(res.body)).toBe(400)
      expect(res.body.error.field).toBe(field)
    }
    const create = await call('POST', '/v1/programs', {
      token: 'test-admin-token',
      body: { name: 'Y', promotions: [{ ...base, affiliates: [aff.id] }] },
    })
    expect(create.status).toBe(400)
    expect(create.body.error.field).toBe('promotions.0.affiliates.0')
  })
})

describe('history and bulk decisions', () => {
  it('records pending → on_hold → approved → reduced, each with its time, reason and actor', async () => {
    const p = await createProgram({ commission: { type: 'percent', percent: 20 } })
    const aff = await createAffiliate(p.keys.secret)
    const click = clickId()
    expect((await sendClick(p.keys.publishable, { click_id: click, ref: aff.code })).status).toBe(202)
    await connectStripe(p.keys.secret)
    const programId = p.program.id
    const customer = 'cus_hist'
    await deliver(programId, checkoutCompleted({ customer, clickId: click, invoice: 'in_h1' }), LIVE_SECRET)
    await deliver(programId, invoicePaid({ id: 'in_h2', customer }), LIVE_SECRET)
    await deliver(programId, invoicePaymentPaid('in_h2', 'pi_h2'), LIVE_SECRET)
    const opened = await deliver(
      programId,
      disputeEvent({ id: 'dp_h', paymentIntent: 'pi_h2', type: 'charge.dispute.created' }),
      LIVE_SECRET,
    )
    expect(opened.status).toBe(200)
    const id = opened.body.dispute?.commission?.id ?? opened.body.commission?.id
    const held = (await call('GET', '/v1/commissions?status=on_hold', { token: p.keys.secret })).body
      .commissions
    expect(held).toHaveLength(1)
    const cid: string = id ?? held[0].id
    const approved = await call('POST', '/v1/commissions/approve', {
      token: p.keys.secret,
      body: { ids: [cid], reason: 'checked the dispute with the customer' },
    })
    expect(approved.body.results).toEqual([
      { id: cid, ok: true, commission: expect.objectContaining({ status: 'approved' }) },
    ])
    const refund = await call('POST', '/v1/refunds', {
      token: p.keys.secret,
      body: { event_id: 'rf_h', conversion_event_id: 'in_h2', amount: 1_225 },
    })
    expect(refund.status).toBe(201)

    const rec = await commission(p.keys.secret, cid)
    expect(rec).toMatchObject({ status: 'approved', amount: 735 })
    expect(rec.history.map((h) => [h.type, h.status, h.amount, h.actor])).toEqual([
      ['created', 'pending', 980, 'event'],
      ['on_hold', 'on_hold', 980, 'dispute'],
      ['approved', 'approved', 980, 'founder'],
      ['reduced', 'approved', 735, 'refund'],
    ])
    expect(rec.history[1]).toMatchObject({ reason: 'dispute', ref_id: 'dp_h' })
    expect(rec.history[2]).toMatchObject({ reason: 'checked the dispute with the customer' })
    expect(rec.history[3]).toMatchObject({ ref_id: refund.body.refund.id })
    const times = rec.history.map((h) => h.at)
    expect(times).toEqual([...times].sort())
    expect(await hub(programId).audit()).toEqual([])
  })

  it('approves what is due and leaves on_hold alone; include_pending takes every pending one', async () => {
    const { keys, program } = await createProgram({ hold_days: 30 })
    const aff = await createAffiliate(keys.secret)
    const due = await convert(keys.secret, {
      event_id: 'd_old',
      ref: aff.code,
      occurred_at: iso(Date.now() - 40 * DAY),
    })
    const fresh = await convert(keys.secret, { event_id: 'd_new', ref: aff.code })
    // Self-referral: the customer signs up with the affiliate's own email, so it starts on hold.
    await signup(keys.secret, { customer_id: 'cus_self', ref: aff.code, email: 'self@example.com' })
    const selfAff = await createAffiliate(keys.secret, { email: 'self2@example.com' })
    await signup(keys.secret, { customer_id: 'cus_self2', ref: selfAff.code, email: 'self2@example.com' })
    const held = await convert(keys.secret, {
      event_id: 'd_held',
      customer_id: 'cus_self2',
      occurred_at: iso(Date.now() - 40 * DAY),
    })
    expect(held.commission.status).toBe('on_hold')

    const one = await call('POST', '/v1/commissions/approve-due', { token: keys.secret })
    expect(one.status, JSON.stringify(one.body)).toBe(200)
    expect(one.body).toEqual({ approved: 1 })
    expect((await commission(keys.secret, due.commission.id)).history.at(-1)).toMatchObject({
      type: 'approved',
      actor: 'founder',
    })
    expect((await commission(keys.secret, fresh.commission.id)).status).toBe('pending')
    const all = await call('POST', '/v1/commissions/approve-due', {
      token: keys.secret,
      body: { include_pending: true },
    })
    expect(all.body).toEqual({ approved: 1 })
    expect((await commission(keys.secret, fresh.commission.id)).status).toBe('approved')
    expect((await commission(keys.secret, held.commission.id)).status).toBe('on_hold')
    const bad = await call('POST', '/v1/commissions/approve-due', { token: keys.secret, body: { all: true } })
    expect(bad.status).toBe(400)
    expect(bad.body.error.field).toBe('all')
    expect(await hub(program.id).audit()).toEqual([])
  })

  it('rejects many in one call, answering each result, and refuses more than 100', async () => {
    const { keys, program } = await createProgram()
    const aff = await createAffiliate(keys.secret)
    const a = await convert(keys.secret, { event_id: 'b_1', ref: aff.code })
    const b = await convert(keys.secret, { event_id: 'b_2', ref: aff.code })
    const res = await call('POST', '/v1/commissions/reject', {
      token: keys.secret,
      body: { ids: [a.commission.id, 'com_nope', b.commission.id], reason: 'fraud' },
    })
    expect(res.status).toBe(200)
    expect(res.body.results.map((r: { id: string; ok: boolean }) => [r.id, r.ok])).toEqual([
      [a.commission.id, true],
      ['com_nope', false],
      [b.commission.id, true],
    ])
    expect(res.body.results[1].error.code).toBe('not_found')
    expect((await commission(keys.secret, a.commission.id)).history.at(-1)).toMatchObject({
      type: 'rejected',
      reason: 'fraud',
      amount: 0,
    })
    // Totals are net: both rejected, nothing is owed.
    expect((await hub(program.id).totals('live')).commission).toEqual({ USD: 0 })
    const many = Array.from({ length: 101 }, (_, i) => `com_${i}`)
    const tooMany = await call('POST', '/v1/commissions/approve', { token: keys.secret, body: { ids: many } })
    expect(tooMany.status).toBe(400)
    expect(tooMany.body.error.field).toBe('ids')
    expect(await hub(program.id).audit()).toEqual([])
  })

  it('never lets a test key approve, reject or read a live commission', async () => {
    const { keys } = await createProgram()
    const aff = await createAffiliate(keys.secret)
    const live = await convert(keys.secret, { event_id: 'm_1', ref: aff.code })
    const id = live.commission.id
    const approve = await call('POST', '/v1/commissions/approve', {
      token: keys.test_secret,
      body: { ids: [id] },
    })
    expect(approve.body.results).toEqual([
      { id, ok: false, error: expect.objectContaining({ code: 'not_found' }) },
    ])
    expect((await call('POST', `/v1/commissions/${id}/reject`, { token: keys.test_secret })).status).toBe(404)
    expect((await call('GET', `/v1/commissions/${id}`, { token: keys.test_secret })).status).toBe(404)
    const due = await call('POST', '/v1/commissions/approve-due', {
      token: keys.test_secret,
      body: { include_pending: true },
    })
    expect(due.body).toEqual({ approved: 0 })
    const rec = await commission(keys.secret, id)
    expect(rec.status).toBe('pending')
    expect(rec.history).toHaveLength(1)
  })
})
