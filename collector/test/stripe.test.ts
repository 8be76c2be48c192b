/**
 * Stripe with no code, through the real collector in workerd: events signed by the `stripe`
 * package, verified, mapped and recorded by the real hub and D1.
 */
import { env } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { flushDeferredInvoices } from '../src/stripe/apply'
import { call, clickId, createAffiliate, createProgram, sendClick } from './helpers'
import {
  chargeRefundedEvent,
  checkoutCompleted,
  connectStripe,
  deliver,
  disputeEvent,
  invoicePaid,
  invoicePaymentPaid,
  LIVE_SECRET,
  promotionCodeCreated,
  sign,
  subscriptionDeleted,
  TEST_SECRET,
} from './stripe-support'

interface CommissionRow {
  event_id: string
  affiliate_id: string | null
  amount: number | null
  status: string | null
  reason: string | null
}

/** Every conversion of the program in a mode with its commission, by Refline event id. */
async function ledger(programId: string, mode = 'live'): Promise<Record<string, CommissionRow>> {
  const { results } = await env.DB.prepare(
    `SELECT c.event_id, c.affiliate_id, m.amount, m.status, m.reason
     FROM conversions c LEFT JOIN commissions m ON m.conversion_id = c.id AND m.kind = 'conversion'
     WHERE c.program_id = ? AND c.mode = ?`,
  )
    .bind(programId, mode)
    .all<CommissionRow>()
  return Object.fromEntries(results.map((r) => [r.event_id, r]))
}

async function count(sql: string, ...params: unknown[]): Promise<number> {
  const row = await env.DB.prepare(sql)
    .bind(...params)
    .first<{ n: number }>()
  return row?.n ?? 0
}

async function referredSetup(percent = 20) {
  const p = await createProgram({ commission: { type: 'percent', percent }, recurring_months: null })
  const aff = await createAffiliate(p.keys.secret)
  const click = clickId()
  const res = await sendClick(p.keys.publishable, { click_id: click, ref: aff.code })
  expect(res.status).toBe(202)
  await connectStripe(p.keys.secret)
  return { p, aff, click, programId: p.program.id }
}

describe('a subscription from checkout to churn', () => {
  it('pays the exact commission at each step, once however often Stripe delivers', async () => {
    const { aff, click, programId } = await referredSetup(20)
    const customer = 'cus_life1'

    // Checkout through a Payment Link that carried the click id: signup + the first invoice.
    const checkout = checkoutCompleted({ customer, clickId: click, invoice: 'in_life_1', amount: 4900 })
    const first = await deliver(programId, checkout, LIVE_SECRET)
    expect(first.status).toBe(200)
    expect(first.body.signup.signup.affiliate).toEqual({ id: aff.id, code: aff.code })
    expect(first.body.conversion.conversion.commission).toMatchObject({ amount: 980, status: 'pending' })

    // The same invoice's invoice.paid is the same conversion, not a second one.
    const sameInvoice = await deliver(
      programId,
      invoicePaid({ id: 'in_life_1', customer, billingReason: 'subscription_create' }),
      LIVE_SECRET,
    )
    expect(sameInvoice.status).toBe(200)
    expect(Object.keys(await ledger(programId))).toEqual(['in_life_1'])

    // Three renewals, each paid by its own payment intent.
    for (const n of [2, 3, 4]) {
      const r = await deliver(programId, invoicePaid({ id: `in_life_${n}`, customer }), LIVE_SECRET)
      expect(r.body.conversion.conversion.commission).toMatchObject({ amount: 980 })
      await deliver(programId, invoicePaymentPaid(`in_life_${n}`, `pi_life_${n}`), LIVE_SECRET)
    }
    let l = await ledger(programId)
    expect(Object.values(l).map((r) => [r.event_id, r.amount, r.affiliate_id])).toEqual(
      [1, 2, 3, 4].map((n) => [`in_life_${n}`, 980, aff.id]),
    )

    // Partial refund of the last renewal: 1,000 of 4,900 → commission 980 × 3,900/4,900 = 780.
    const refund1 = chargeRefundedEvent({ charge: 'ch_life_4', paymentIntent: 'pi_life_4', refunded: 1000 })
    const r1 = await deliver(programId, refund1, LIVE_SECRET)
    expect(r1.body.refund.refund).toMatchObject({ amount: 1000, commission: { amount: 780 } })
    // A second partial refund: amount_refunded grows to 2,500, so 1,500 more → 980 × 2,400/4,900 = 480.
    const r2 = await deliver(
      programId,
      chargeRefundedEvent({ charge: 'ch_life_4', paymentIntent: 'pi_life_4', refunded: 2500 }),
      LIVE_SECRET,
    )
    expect(r2.body.refund.refund).toMatchObject({ amount: 1500, commission: { amount: 480 } })
    // Stripe redelivers the first refund event: the same answer, nothing counted again.
    const again = await deliver(programId, refund1, LIVE_SECRET)
    expect(again.headers.get('idempotent-replayed')).toBe('true')
    expect(again.body).toEqual(r1.body)
    // The first refund again under another event id (a duplicate): the same refund, replayed.
    const dup = await deliver(
      programId,
      chargeRefundedEvent({ charge: 'ch_life_4', paymentIntent: 'pi_life_4', refunded: 1000 }),
      LIVE_SECRET,
    )
    expect(dup.body.refund).toMatchObject({ refund: { amount: 1000 }, replayed: true })
    // A refund delivered after a later one (amount_refunded 2,000 after 2,500): already in the growth.
    const late = await deliver(
      programId,
      chargeRefundedEvent({ charge: 'ch_life_4', paymentIntent: 'pi_life_4', refunded: 2000 }),
      LIVE_SECRET,
    )
    expect(late.body).toMatchObject({ ignored: true })
    l = await ledger(programId)
    expect(l.in_life_4?.amount).toBe(480)
    expect(await count('SELECT SUM(amount) AS n FROM refunds WHERE program_id = ?', programId)).toBe(2500)

    // Churn: the subscription ends.
    const churn = await deliver(programId, subscriptionDeleted('sub_life', customer), LIVE_SECRET)
    expect(churn.status).toBe(200)
    expect(
      await count(
        'SELECT COUNT(*) AS n FROM churns WHERE program_id = ? AND customer_id = ?',
        programId,
        customer,
      ),
    ).toBe(1)

    // The hub's live totals agree: 4 conversions, 19,600 − 2,500 revenue, 3 × 980 + 480 commission.
    const totals = await env.HUB.get(env.HUB.idFromName(programId)).totals('live')
    expect(totals).toMatchObject({
      signups: 1,
      conversions: 4,
      refunds: 2,
      revenue: { USD: 17100 },
      commission: { USD: 3420 },
    })
  })

  it('holds a disputed commission, reverses it when lost and restores it when won', async () => {
    const { programId, click } = await referredSetup(20)
    const customer = 'cus_disp'
    await deliver(programId, checkoutCompleted({ customer, clickId: click, invoice: 'in_d1' }), LIVE_SECRET)
    for (const n of [2, 3]) {
      await deliver(programId, invoicePaid({ id: `in_d${n}`, customer }), LIVE_SECRET)
      await deliver(programId, invoicePaymentPaid(`in_d${n}`, `pi_d${n}`), LIVE_SECRET)
    }
    const hub = env.HUB.get(env.HUB.idFromName(programId))
    expect((await hub.totals('live')).commission).toEqual({ USD: 2940 })

    // Lost: on hold while open, then reversed; the commission total drops by 980.
    const opened = disputeEvent({ id: 'dp_lost', paymentIntent: 'pi_d3', type: 'charge.dispute.created' })
    expect((await deliver(programId, opened, LIVE_SECRET)).status).toBe(200)
    expect((await ledger(programId)).in_d3).toMatchObject({
      status: 'on_hold',
      reason: 'dispute',
      amount: 980,
    })
    const lost = disputeEvent({
      id: 'dp_lost',
      paymentIntent: 'pi_d3',
      type: 'charge.dispute.closed',
      status: 'lost',
    })
    await deliver(programId, lost, LIVE_SECRET)
    expect((await ledger(programId)).in_d3).toMatchObject({ status: 'reversed', amount: 0 })
    expect((await hub.totals('live')).commission).toEqual({ USD: 1960 })

    // Won: back to pending, the status it had before.
    await deliver(
      programId,
      disputeEvent({ id: 'dp_won', paymentIntent: 'pi_d2', type: 'charge.dispute.created' }),
      LIVE_SECRET,
    )
    expect((await ledger(programId)).in_d2).toMatchObject({ status: 'on_hold', reason: 'dispute' })
    await deliver(
      programId,
      disputeEvent({ id: 'dp_won', paymentIntent: 'pi_d2', type: 'charge.dispute.closed', status: 'won' }),
      LIVE_SECRET,
    )
    expect((await ledger(programId)).in_d2).toMatchObject({ status: 'pending', reason: null, amount: 980 })

    // The opening redelivered (the same event, and a copy under a new event id) changes nothing.
    await deliver(programId, opened, LIVE_SECRET)
    await deliver(
      programId,
      disputeEvent({ id: 'dp_won', paymentIntent: 'pi_d2', type: 'charge.dispute.created' }),
      LIVE_SECRET,
    )
    const l = await ledger(programId)
    expect(l.in_d2).toMatchObject({ status: 'pending', amount: 980 })
    expect(l.in_d3).toMatchObject({ status: 'reversed', amount: 0 })
    expect((await hub.totals('live')).commission).toEqual({ USD: 1960 })
  })
})

describe('signatures', () => {
  async function nothingWritten(programId: string) {
    expect(await count('SELECT COUNT(*) AS n FROM stripe_events WHERE program_id = ?', programId)).toBe(0)
    expect(await count('SELECT COUNT(*) AS n FROM signups WHERE program_id = ?', programId)).toBe(0)
    expect(await count('SELECT COUNT(*) AS n FROM conversions WHERE program_id = ?', programId)).toBe(0)
  }

  it('refuses a wrong secret, an old timestamp, a missing header and a body changed by one byte', async () => {
    const { programId, click } = await referredSetup()
    const event = checkoutCompleted({ clickId: click, invoice: 'in_sig' })
    const raw = JSON.stringify(event)
    const cases = [
      await deliver(programId, event, 'whsec_notTheRightSecret000000'),
      await deliver(programId, event, LIVE_SECRET, { timestamp: Math.floor(Date.now() / 1000) - 301 }),
      await deliver(programId, event, LIVE_SECRET, { signature: null }),
      await deliver(programId, event, LIVE_SECRET, {
        raw: raw.replace('"amount_total":4900', '"amount_total":4901'),
        signature: await sign(raw, LIVE_SECRET),
      }),
    ]
    for (const res of cases) {
      expect(res.status).toBe(400)
      expect(res.body.error).toMatchObject({ code: 'invalid_request', field: 'stripe-signature' })
    }
    await nothingWritten(programId)
  })

  it('refuses a signed event with a malformed envelope, naming the field, and records nothing', async () => {
    const { programId } = await referredSetup()
    for (const [field, change] of [
      ['created', { created: 1e300 }],
      ['created', { created: 'yesterday' }],
      ['id', { id: 42 }],
      ['data.object', { data: { object: [1, 2] } }],
    ] as const) {
      const res = await deliver(programId, { ...checkoutCompleted(), ...change }, LIVE_SECRET)
      expect(res.status).toBe(400)
      expect(res.body.error.field).toBe(field)
    }
    // Absurd times inside the object fall back to the event's own time instead of failing.
    const inv = invoicePaid({ id: 'in_absurd', customer: 'cus_absurd', paidAt: 8.64e15 })
    expect((await deliver(programId, inv, LIVE_SECRET)).status).toBe(200)
    const churn = subscriptionDeleted('sub_absurd', 'cus_absurd')
    churn.data.object.ended_at = -1
    expect((await deliver(programId, churn, LIVE_SECRET)).status).toBe(200)
    expect(await count('SELECT COUNT(*) AS n FROM stripe_events WHERE program_id = ?', programId)).toBe(2)
  })

  it('refuses an event for a program with no Stripe integration', async () => {
    const p = await createProgram()
    const res = await deliver(p.program.id, checkoutCompleted(), LIVE_SECRET)
    expect(res.status).toBe(400)
    expect(res.body.error).toMatchObject({ code: 'invalid_request', field: 'program_id' })
    const unknown = await deliver('prg_doesNotExist', checkoutCompleted(), LIVE_SECRET)
    expect(unknown.status).toBe(400)
    await nothingWritten(p.program.id)
  })

  it('answers 200 {"ignored": true} to an event type it does not use', async () => {
    const { programId } = await referredSetup()
    const event = { ...invoicePaid({ id: 'in_x', customer: 'cus_x' }), type: 'invoice.created' }
    const res = await deliver(programId, event, LIVE_SECRET)
    expect(res.status).toBe(200)
    expect(res.body).toEqual({ ignored: true })
  })
})

describe('test mode', () => {
  it('verifies livemode:false events with the test secret and records them as test data only', async () => {
    const p = await createProgram({ commission: { type: 'percent', percent: 20 } })
    const aff = await createAffiliate(p.keys.secret)
    const click = clickId()
    await sendClick(p.keys.test_publishable, { click_id: click, ref: aff.code })
    await connectStripe(p.keys.secret, { webhook_secret: LIVE_SECRET, test_webhook_secret: TEST_SECRET })
    const event = checkoutCompleted({ clickId: click, invoice: 'in_testmode', livemode: false })

    // A test event signed with the live secret is refused once a test secret is set.
    expect((await deliver(p.program.id, event, LIVE_SECRET)).status).toBe(400)
    const ok = await deliver(p.program.id, event, TEST_SECRET)
    expect(ok.status).toBe(200)
    expect(ok.body.conversion.conversion.commission).toMatchObject({ amount: 980 })

    expect(Object.keys(await ledger(p.program.id, 'test'))).toEqual(['in_testmode'])
    expect(await ledger(p.program.id, 'live')).toEqual({})
    const hub = env.HUB.get(env.HUB.idFromName(p.program.id))
    expect((await hub.totals('live')).conversions).toBe(0)
    expect((await hub.totals('test')).conversions).toBe(1)

    // A live event signed with the test secret is refused: the secrets are not interchangeable.
    const live = checkoutCompleted({ clickId: click, invoice: 'in_live' })
    expect((await deliver(p.program.id, live, TEST_SECRET)).status).toBe(400)
    expect(await ledger(p.program.id, 'live')).toEqual({})
  })

  it('checks test events with the live endpoint secret when no test secret is set', async () => {
    const { programId } = await referredSetup()
    const res = await deliver(
      programId,
      checkoutCompleted({ invoice: 'in_t2', livemode: false }),
      LIVE_SECRET,
    )
    expect(res.status).toBe(200)
    expect(Object.keys(await ledger(programId, 'test'))).toEqual(['in_t2'])
  })
})

describe('out-of-order deliveries', () => {
  it("attributes a first invoice that arrives before its checkout session to the session's click", async () => {
    const { programId, aff, click } = await referredSetup(20)
    const customer = 'cus_ooo1'
    const inv = await deliver(
      programId,
      invoicePaid({ id: 'in_ooo1', customer, billingReason: 'subscription_create' }),
      LIVE_SECRET,
    )
    expect(inv.body).toMatchObject({ deferred: { invoice: 'in_ooo1' } })
    expect(await ledger(programId)).toEqual({})

    await deliver(programId, checkoutCompleted({ customer, clickId: click, invoice: 'in_ooo1' }), LIVE_SECRET)
    expect((await ledger(programId)).in_ooo1).toMatchObject({ affiliate_id: aff.id, amount: 980 })
    // The wait is over and nothing is left to record.
    expect(await flushDeferredInvoices(env, programId, Date.now() + 10 * 60_000)).toBe(0)
    expect(Object.keys(await ledger(programId))).toEqual(['in_ooo1'])
  })

  it('records a first invoice whose checkout session never comes once its wait is over', async () => {
    const { programId } = await referredSetup(20)
    await deliver(
      programId,
      invoicePaid({ id: 'in_nocheckout', customer: 'cus_api', billingReason: 'subscription_create' }),
      LIVE_SECRET,
    )
    expect(await flushDeferredInvoices(env, programId, Date.now())).toBe(0)
    expect(await flushDeferredInvoices(env, programId, Date.now() + 10 * 60_000)).toBe(1)
    expect((await ledger(programId)).in_nocheckout).toMatchObject({ affiliate_id: null, amount: null })
  })

  it('attributes a first invoice at once when its subscription metadata carries the click id', async () => {
    const { programId, aff, click } = await referredSetup(20)
    const event = invoicePaid({ id: 'in_meta', customer: 'cus_meta', billingReason: 'subscription_create' })
    event.data.object.parent.subscription_details.metadata = { refline_click_id: click }
    const res = await deliver(programId, event, LIVE_SECRET)
    expect(res.body.conversion.conversion.affiliate).toEqual({ id: aff.id, code: aff.code })
  })
})

describe('promotion codes', () => {
  it('attributes a checkout with no click to the affiliate whose promotion code was used', async () => {
    const p = await createProgram({ commission: { type: 'percent', percent: 10 } })
    const jane = await createAffiliate(p.keys.secret, { promo_codes: ['JANE20'] })
    await connectStripe(p.keys.secret)
    const learned = await deliver(p.program.id, promotionCodeCreated('promo_jane', 'JANE20'), LIVE_SECRET)
    expect(learned.body).toMatchObject({ promotion_code: { learned: true } })

    const guest = checkoutCompleted({
      customer: null,
      mode: 'payment',
      paymentIntent: 'pi_guest_promo',
      amount: 8000,
      promotionCode: 'promo_jane',
    })
    const res = await deliver(p.program.id, guest, LIVE_SECRET)
    expect(res.body.signup.signup).toMatchObject({
      customer_id: guest.data.object.id,
      affiliate: { id: jane.id },
    })
    expect((await ledger(p.program.id)).pi_guest_promo).toMatchObject({ affiliate_id: jane.id, amount: 800 })
  })

  it('takes promo_codes on create and patch, unique per program whatever the case, and shows them', async () => {
    const p = await createProgram()
    const jane = await createAffiliate(p.keys.secret, { promo_codes: ['JANE20', 'Summer'] })
    const got = await call('GET', `/v1/affiliates/${jane.id}`, { token: p.keys.secret })
    expect(got.body.affiliate.promo_codes).toEqual(['JANE20', 'Summer'])

    const clash = await call('POST', '/v1/affiliates', {
      token: p.keys.secret,
      body: { name: 'Omar', email: 'omar@example.com', promo_codes: ['summer'] },
    })
    expect(clash.status).toBe(409)
    expect(clash.body.error.field).toBe('promo_codes')
    // Refused before anything was written: no affiliate Omar.
    const list = await call('GET', '/v1/affiliates', { token: p.keys.secret })
    expect(list.body.affiliates.map((a: { name: string }) => a.name)).not.toContain('Omar')

    const patched = await call('PATCH', `/v1/affiliates/${jane.id}`, {
      token: p.keys.secret,
      body: { promo_codes: ['JANE25'] },
    })
    expect(patched.status).toBe(200)
    expect(patched.body.affiliate.promo_codes).toEqual(['JANE25'])
    const dup = await call('PATCH', `/v1/affiliates/${jane.id}`, {
      token: p.keys.secret,
      body: { promo_codes: ['A1', 'a1'] },
    })
    expect(dup.status).toBe(400)
    expect(dup.body.error.field).toBe('promo_codes')
  })

  it('attributes POST /v1/signups and /v1/conversions by promo_code, case-insensitively', async () => {
    const p = await createProgram({ commission: { type: 'percent', percent: 10 } })
    const jane = await createAffiliate(p.keys.secret, { promo_codes: ['JANE20'] })
    const conv = await call('POST', '/v1/conversions', {
      token: p.keys.secret,
      body: { event_id: 'ord_1', amount: 5000, currency: 'EUR', promo_code: 'jane20' },
    })
    expect(conv.status).toBe(201)
    expect(conv.body.conversion).toMatchObject({ affiliate: { id: jane.id }, commission: { amount: 500 } })
    const signup = await call('POST', '/v1/signups', {
      token: p.keys.secret,
      body: { customer_id: 'u_1', promo_code: 'Jane20' },
    })
    expect(signup.body.signup.affiliate).toMatchObject({ id: jane.id })
    const unknown = await call('POST', '/v1/signups', {
      token: p.keys.secret,
      body: { customer_id: 'u_2', promo_code: 'NOPE' },
    })
    expect(unknown.status).toBe(201)
    expect(unknown.body.signup.affiliate).toBeNull()
  })
})

describe('settings', () => {
  it('stores the secrets with the live key only and never shows them', async () => {
    const p = await createProgram()
    const test = await call('PUT', '/v1/integrations/stripe', {
      token: p.keys.test_secret,
      body: { webhook_secret: LIVE_SECRET },
    })
    expect(test.status).toBe(403)
    const put = await call('PUT', '/v1/integrations/stripe', {
      token: p.keys.secret,
      body: { webhook_secret: LIVE_SECRET },
    })
    expect(put.status).toBe(200)
    expect(put.body.stripe).toMatchObject({
      connected: true,
      webhook_url: `http://collector.test/v1/integrations/stripe/${p.program.id}`,
      last_event_at: null,
    })
    expect(JSON.stringify(put.body)).not.toContain('whsec_')
    const unknownField = await call('PUT', '/v1/integrations/stripe', {
      token: p.keys.secret,
      body: { webhook_secret: LIVE_SECRET, secret_key: 'sk_live_x' },
    })
    expect(unknownField.status).toBe(400)
    expect(unknownField.body.error.field).toBe('secret_key')
    const bad = await call('PUT', '/v1/integrations/stripe', {
      token: p.keys.secret,
      body: { webhook_secret: 'x' },
    })
    expect(bad.body.error.field).toBe('webhook_secret')

    // A refused delivery is shown with its reason; a processed one sets last_event_at.
    await deliver(p.program.id, checkoutCompleted(), 'whsec_wrongSecret00000000000')
    let got = await call('GET', '/v1/integrations/stripe', { token: p.keys.secret })
    expect(got.body.stripe.last_delivery_error).toMatch(/signature/i)
    await deliver(p.program.id, checkoutCompleted(), LIVE_SECRET)
    got = await call('GET', '/v1/integrations/stripe', { token: p.keys.secret })
    expect(got.body.stripe).toMatchObject({ last_delivery_error: null })
    expect(got.body.stripe.last_event_at).toEqual(expect.any(String))
    expect(got.body.stripe.events).toContain('invoice_payment.paid')

    const del = await call('DELETE', '/v1/integrations/stripe', { token: p.keys.secret })
    expect(del.body.stripe.connected).toBe(false)
    expect((await deliver(p.program.id, checkoutCompleted(), LIVE_SECRET)).status).toBe(400)
  })
})
