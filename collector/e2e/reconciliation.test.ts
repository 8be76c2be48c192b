/**
 * Reconciliation against Stripe, end to end: a real collector (wrangler dev, local D1) calls, with
 * the official `stripe` package, a local server that answers Stripe's own API paths and shapes
 * (fake-stripe.ts: `GET /v1/invoices` as a paginated list, `GET /v1/invoices/:id` with Stripe's
 * 404), pointed at by `STRIPE_API_BASE`. Nothing reaches the internet. Then the Health page's
 * panel in Chromium (how often it asks Stripe: reconciliation-panel.test.ts).
 */
import { join } from 'node:path'
import type { BrowserContext } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type FakeStripe, invoice, startFakeStripe } from './fake-stripe'
import { type Collector, launchBrowser, launchCollector, resultsDir, signIn } from './support'

// biome-ignore lint/suspicious/noExplicitAny: Stripe objects and API answers as JSON
type Json = any

const RK_LIVE = `rk_live_${'L1ve'.repeat(10)}5678`
const RK_TEST = `rk_test_${'T3st'.repeat(10)}9012`
const DAY = 86_400

let stripe: FakeStripe
/** Every request the fake Stripe received: its path and its bearer. */
let seen: FakeStripe['seen'] = []
let collector: Collector
let browser: BrowserContext
let programId = ''
let keys: Record<string, string> = {}
let otherProgramId = ''

async function ok(method: string, path: string, token: string, body?: unknown): Promise<Json> {
  const res = await collector.api(method, path, { token, ...(body === undefined ? {} : { body }) })
  expect(res.status, `${method} ${path}: ${JSON.stringify(res.body)}`).toBeLessThan(300)
  return res.body
}

beforeAll(async () => {
  stripe = await startFakeStripe()
  seen = stripe.seen
  stripe.books[RK_LIVE] = []
  stripe.books[RK_TEST] = []
  collector = await launchCollector({ vars: { STRIPE_API_BASE: stripe.url } })
  browser = await launchBrowser()

  const created = await collector.createProgram({ name: 'Ledger Co' })
  programId = created.program.id
  keys = created.keys
  otherProgramId = (await collector.createProgram({ name: 'No Key Co' })).program.id
  const sk = keys.secret ?? ''
  const testSk = keys.test_secret ?? ''
  const jane = (
    await ok('POST', '/v1/affiliates', sk, {
      name: 'Jane',
      email: 'jane@ledger.example',
      code: 'jane-ledger',
    })
  ).affiliate

  // Live: referred customers, what Refline recorded, and what Stripe has.
  for (const customer of ['cus_missed', 'cus_ok', 'cus_paid'])
    await ok('POST', '/v1/signups', sk, { customer_id: customer, ref: jane.code })
  await ok('POST', '/v1/conversions', sk, {
    event_id: 'in_ok',
    customer_id: 'cus_ok',
    amount: 4900,
    currency: 'USD',
  })
  await ok('POST', '/v1/conversions', sk, {
    event_id: 'in_ghost',
    customer_id: 'cus_ok',
    amount: 2500,
    currency: 'USD',
  })
  await ok('POST', '/v1/conversions', sk, {
    event_id: 'in_void',
    customer_id: 'cus_ok',
    amount: 1500,
    currency: 'USD',
  })
  // Paid out, then refunded in full (the id Stripe's charge.refunded is recorded under): a clawback.
  const paidOut = await ok('POST', '/v1/conversions', sk, {
    event_id: 'in_paidout',
    customer_id: 'cus_paid',
    amount: 10_000,
    currency: 'USD',
  })
  await ok('POST', `/v1/commissions/${paidOut.conversion.commission.id}/approve`, sk)
  const payout = (await ok('POST', '/v1/payouts', sk, {})).payout
  await ok('POST', `/v1/payouts/${payout.id}/paid`, sk)
  await ok('POST', '/v1/refunds', sk, {
    event_id: 'refund:ch_paidout:10000',
    conversion_event_id: 'in_paidout',
  })
  // A refund before any payout: the commission is reduced, nothing to claw back.
  await ok('POST', '/v1/refunds', sk, {
    event_id: 'refund:ch_ok:1000',
    conversion_event_id: 'in_ok',
    amount: 1000,
  })

  stripe.books[RK_LIVE]?.push(
    invoice({ id: 'in_missed', customer: 'cus_missed', amount: 7900, livemode: true }),
    invoice({ id: 'in_ok', customer: 'cus_ok', livemode: true }),
    invoice({ id: 'in_paidout', customer: 'cus_paid', amount: 10_000, livemode: true }),
    invoice({ id: 'in_void', customer: 'cus_ok', amount: 1500, status: 'void', livemode: true }),
    invoice({ id: 'in_stranger', customer: 'cus_stranger', livemode: true }),
    // Older than the range: Stripe is asked for the range only.
    invoice({ id: 'in_old_missed', customer: 'cus_missed', daysAgo: 45, livemode: true }),
    // More than one page (Stripe pages hold at most 100): customers nobody referred.
    ...Array.from({ length: 130 }, (_, i) =>
      invoice({ id: `in_fill${i}`, customer: `cus_fill${i}`, daysAgo: 2 + i / 100, livemode: true }),
    ),
  )

  // Test mode: its own customer (credited to the live affiliate, as test keys may) and invoices.
  await ok('POST', '/v1/signups', testSk, { customer_id: 'cus_test_missed', ref: jane.code })
  await ok('POST', '/v1/conversions', testSk, {
    event_id: 'in_test_ghost',
    customer_id: 'cus_test_missed',
    amount: 300,
    currency: 'USD',
  })
  stripe.books[RK_TEST]?.push(
    invoice({ id: 'in_test_missed', customer: 'cus_test_missed', amount: 1200, livemode: false }),
  )
})

afterAll(async () => {
  await browser?.close()
  await collector?.stop()
  await stripe?.close()
})

describe('restricted keys on the Stripe integration', () => {
  it('refuses a key of the wrong kind or mode, naming the field, and unknown fields', async () => {
    const sk = keys.secret ?? ''
    const base = { webhook_secret: `whsec_${'w'.repeat(32)}` }
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ restricted_key: `sk_live_${'x'.repeat(30)}` }, 'restricted_key'],
      [{ restricted_key: RK_TEST }, 'restricted_key'],
      [{ test_restricted_key: RK_LIVE }, 'test_restricted_key'],
      [{ restricted_key: 42 }, 'restricted_key'],
      [{ read_key: RK_LIVE }, 'read_key'],
    ]
    for (const [extra, field] of cases) {
      const res = await collector.api('PUT', '/v1/integrations/stripe', {
        token: sk,
        body: { ...base, ...extra },
      })
      expect(res.status, JSON.stringify(extra)).toBe(400)
      expect(res.body.error.field).toBe(field)
    }
  })

  it('stores both keys and shows only that they are set and their last four characters', async () => {
    const sk = keys.secret ?? ''
    const put = await collector.api('PUT', '/v1/integrations/stripe', {
      token: sk,
      body: {
        webhook_secret: `whsec_${'w'.repeat(32)}`,
        restricted_key: RK_LIVE,
        test_restricted_key: RK_TEST,
      },
    })
    expect(put.status).toBe(200)
    expect(put.body.stripe.restricted_key).toEqual({ set: true, last4: '5678' })
    expect(put.body.stripe.test_restricted_key).toEqual({ set: true, last4: '9012' })
    // Sending only the signing secret (as the settings page does) keeps the keys.
    await ok('PUT', '/v1/integrations/stripe', sk, { webhook_secret: `whsec_${'w'.repeat(32)}` })
    const got = await collector.api('GET', '/v1/integrations/stripe', { token: sk })
    expect(got.body.stripe.restricted_key).toEqual({ set: true, last4: '5678' })
    const text = JSON.stringify([put.body, got.body])
    expect(text).not.toContain(RK_LIVE)
    expect(text).not.toContain(RK_TEST)
  })
})

describe('GET /v1/reconciliation', () => {
  it('lists the paid invoice with no conversion, the conversions Stripe has no payment for and the refund after payout', async () => {
    seen.length = 0
    const res = await collector.api('GET', '/v1/reconciliation', { token: keys.secret ?? '' })
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    const r = res.body.reconciliation
    expect(r.paid_without_conversion).toEqual([
      {
        customer_id: 'cus_missed',
        affiliate: expect.objectContaining({ code: 'jane-ledger' }),
        invoice_id: 'in_missed',
        amount: 7900,
        currency: 'USD',
        paid_at: expect.any(String),
        journey: '/v1/customers/cus_missed/journey',
      },
    ])
    expect(
      r.conversions_without_payment.map((x: Json) => [
        x.invoice_id,
        x.customer_id,
        x.stripe_status,
        x.journey,
      ]),
    ).toEqual(
      expect.arrayContaining([
        ['in_ghost', 'cus_ok', null, '/v1/customers/cus_ok/journey'],
        ['in_void', 'cus_ok', 'void', '/v1/customers/cus_ok/journey'],
      ]),
    )
    expect(r.conversions_without_payment).toHaveLength(2)
    expect(r.refunds_after_payout).toHaveLength(1)
    const [refund] = r.refunds_after_payout
    expect(refund).toMatchObject({
      customer_id: 'cus_paid',
      amount: 10_000,
      currency: 'USD',
      conversion_event_id: 'in_paidout',
      stripe: { charge_id: 'ch_paidout', invoice_id: 'in_paidout', payment_intent_id: null },
      commission: { status: 'paid' },
      journey: '/v1/customers/cus_paid/journey',
    })
    expect(refund.clawback.amount).toBeLessThan(0)
    // Four paid invoices of the range plus 130 fillers, read across two pages; the void one is not
    // paid and the 45-day-old one is outside the range, so neither is listed.
    expect(r.checked).toEqual({ invoices: 134, conversions: 4 })
    expect(r.truncated).toBe(false)
    expect(seen.filter((s) => s.path === 'GET /v1/invoices')).toHaveLength(2)
    // The journey link answers.
    const journey = await collector.api('GET', refund.journey, { token: keys.secret ?? '' })
    expect(journey.status).toBe(200)
  })

  it('test mode reads Stripe with the test restricted key and compares test data only', async () => {
    seen.length = 0
    const res = await collector.api('GET', '/v1/reconciliation', { token: keys.test_secret ?? '' })
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    const r = res.body.reconciliation
    expect(r.paid_without_conversion.map((x: Json) => x.invoice_id)).toEqual(['in_test_missed'])
    expect(r.conversions_without_payment.map((x: Json) => [x.invoice_id, x.stripe_status])).toEqual([
      ['in_test_ghost', null],
    ])
    expect(r.refunds_after_payout).toEqual([])
    expect(r.checked).toEqual({ invoices: 1, conversions: 1 })
    expect(new Set(seen.map((s) => s.bearer))).toEqual(new Set([RK_TEST]))
  })

  it('Stripe only ever sees a restricted key as the bearer, never a secret key', async () => {
    await ok('GET', '/v1/reconciliation', keys.secret ?? '')
    expect(seen.length).toBeGreaterThan(0)
    for (const s of seen) {
      expect([RK_LIVE, RK_TEST]).toContain(s.bearer)
      expect(s.bearer).not.toMatch(/^sk_/)
    }
  })

  it('a bad range is a 400 naming the field', async () => {
    const sk = keys.secret ?? ''
    const cases: Array<[string, string]> = [
      ['from=2026-13-01', 'from'],
      ['from=yesterday', 'from'],
      ['to=2026-02-30', 'to'],
      ['from=2026-01-01&to=2026-06-01', 'from'],
      ['from=2026-03-02&to=2026-03-01', 'from'],
    ]
    for (const [query, field] of cases) {
      const res = await collector.api('GET', `/v1/reconciliation?${query}`, { token: sk })
      expect(res.status, query).toBe(400)
      expect(res.body.error).toMatchObject({ code: 'invalid_request', field })
    }
    // An explicit range inside the limit is fine: the 45-day-old invoice is in this one.
    const from = new Date(Date.now() - 60 * DAY * 1000).toISOString().slice(0, 10)
    const to = new Date(Date.now() - 30 * DAY * 1000).toISOString().slice(0, 10)
    const res = await collector.api('GET', `/v1/reconciliation?from=${from}&to=${to}`, { token: sk })
    expect(res.status).toBe(200)
    expect(res.body.reconciliation.paid_without_conversion.map((x: Json) => x.invoice_id)).toEqual([
      'in_old_missed',
    ])
  })

  it('without a restricted key for the mode, a 409 says how to store one', async () => {
    const created = await collector.createProgram({ name: 'Keyless' })
    const res = await collector.api('GET', '/v1/reconciliation', { token: created.keys.secret ?? '' })
    expect(res.status).toBe(409)
    expect(res.body.error.field).toBe('restricted_key')
    expect(res.body.error.message).toMatch(/PUT \/v1\/integrations\/stripe/)
  })

  it('a key Stripe refuses is a 409 naming the field, and the key is not in the answer', async () => {
    const created = await collector.createProgram({ name: 'Revoked Key Co' })
    const sk = created.keys.secret ?? ''
    const unknown = `rk_live_${'Z'.repeat(40)}`
    await ok('PUT', '/v1/integrations/stripe', sk, {
      webhook_secret: `whsec_${'w'.repeat(32)}`,
      restricted_key: unknown,
    })
    const res = await collector.api('GET', '/v1/reconciliation', { token: sk })
    expect(res.status).toBe(409)
    expect(res.body.error.field).toBe('restricted_key')
    expect(JSON.stringify(res.body)).not.toContain(unknown)
  })
})

describe('the Health page panel', () => {
  it('shows the three lists with each customer linked to their journey, per mode; and how to enable it without a key', async () => {
    const page = await browser.newPage()
    await signIn(page, collector.url, collector.adminToken)
    await page.goto(`${collector.url}/dashboard/health?program=${programId}&mode=live`)
    const panel = page.locator('#reconciliation')
    await expect.poll(() => panel.locator('h2').textContent()).toBe('Reconciliation with Stripe')
    const missed = panel.locator('#paid-without-conversion a', { hasText: 'cus_missed' })
    expect(await missed.getAttribute('href')).toBe(
      `/dashboard/customers/cus_missed?program=${programId}&mode=live`,
    )
    expect(await panel.locator('#paid-without-conversion').textContent()).toContain('in_missed')
    expect(await panel.locator('#paid-without-conversion').textContent()).toContain('$79.00')
    const unpaid = (await panel.locator('#conversions-without-payment').textContent()) ?? ''
    expect(unpaid).toContain('in_ghost')
    expect(unpaid).toContain('no such invoice')
    expect(unpaid).toContain('void')
    expect(await panel.locator('#refunds-after-payout a').textContent()).toBe('cus_paid')
    expect(await panel.locator('#refunds-after-payout').textContent()).toContain('ch_paidout')
    // Accessible tables: every header cell is a column header.
    for (const id of ['paid-without-conversion', 'conversions-without-payment', 'refunds-after-payout']) {
      const headers = panel.locator(`#${id} th`)
      expect(await headers.count()).toBeGreaterThan(0)
      expect(await panel.locator(`#${id} th[scope="col"]`).count()).toBe(await headers.count())
    }
    await panel.screenshot({ path: join(resultsDir, 'health-reconciliation.png') })
    // The journey link opens the customer's journey.
    await missed.click()
    await page.waitForURL(/\/dashboard\/customers\/cus_missed/)
    expect(await page.locator('#journey').getAttribute('data-customer')).toBe('cus_missed')

    await page.goto(`${collector.url}/dashboard/health?program=${programId}&mode=test`)
    const testText = (await page.locator('#reconciliation').textContent()) ?? ''
    expect(testText).toContain('cus_test_missed')
    expect(testText).toContain('in_test_ghost')
    expect(testText).not.toContain('in_missed')

    await page.goto(`${collector.url}/dashboard/health?program=${otherProgramId}&mode=live`)
    const off = (await page.locator('#reconciliation-off').textContent()) ?? ''
    expect(off).toContain('restricted_key')
    expect(off).toContain('PUT /v1/integrations/stripe')
    await page.close()
  })
})
