/**
 * The pure mapping on realistic payloads. The fixtures are Stripe's own object shapes (from
 * stripe/openapi's fixtures3.json) filled with a subscription's values, in the 2025-03-31 "basil"
 * shape and the older one.
 */
import { describe, expect, it } from 'vitest'
import chargeRefunded from './fixtures/charge-refunded.json'
import guestPromo from './fixtures/checkout-session-guest-promo.json'
import checkoutSub from './fixtures/checkout-session-subscription.json'
import disputeLost from './fixtures/dispute-closed-lost.json'
import disputeCreated from './fixtures/dispute-created.json'
import invoiceBasil from './fixtures/invoice-paid-basil.json'
import invoiceLegacy from './fixtures/invoice-paid-legacy.json'
import invoicePayment from './fixtures/invoice-payment-paid.json'
import promoCreated from './fixtures/promotion-code-created.json'
import subDeleted from './fixtures/subscription-deleted.json'
import { mapStripeEvent, type StripeEventLike } from './map-event'

const map = (e: unknown) => mapStripeEvent(e as StripeEventLike)
const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v))

describe('checkout.session.completed', () => {
  it('signs up the Stripe customer with the click id and counts the first invoice as the conversion', () => {
    expect(map(checkoutSub)).toEqual({
      kind: 'checkout',
      signup: {
        event_id: 'signup:cs_test_a1sub',
        customer_id: 'cus_Sub001',
        occurred_at: '2025-12-01T00:00:05.000Z',
        click_id: 'rlclick0000000000000001',
      },
      promotionCodeIds: [],
      email: 'buyer@example.com',
      conversion: {
        event_id: 'in_sub001_first',
        customer_id: 'cus_Sub001',
        amount: 4900,
        currency: 'usd',
        occurred_at: '2025-12-01T00:00:05.000Z',
      },
      invoiceId: 'in_sub001_first',
    })
  })

  it('uses the session id as the customer of a guest checkout and the payment intent as the event id', () => {
    const a = map(guestPromo)
    expect(a).toMatchObject({
      kind: 'checkout',
      signup: { customer_id: 'cs_test_a1guest' },
      promotionCodeIds: ['promo_1Jane20'],
      conversion: { event_id: 'pi_guest001', customer_id: 'cs_test_a1guest', amount: 8000 },
    })
    expect(a.kind === 'checkout' && a.signup.click_id).toBeFalsy()
  })

  it('falls back to metadata.refline_click_id when there is no client_reference_id', () => {
    const e = clone(checkoutSub)
    e.data.object.client_reference_id = null as never
    ;(e.data.object.metadata as Record<string, string>).refline_click_id = 'fromMetadata0000000001'
    expect(map(e)).toMatchObject({ signup: { click_id: 'fromMetadata0000000001' } })
  })

  it('drops a client_reference_id that is not a click id (the founder used it for something else)', () => {
    const e = clone(checkoutSub)
    e.data.object.client_reference_id = 'order #1234' as never
    const a = map(e)
    expect(a.kind === 'checkout' && 'click_id' in a.signup).toBe(false)
  })

  it('reads promotion codes from an expanded total_details.breakdown too', () => {
    const e = clone(guestPromo)
    e.data.object.discounts = []
    ;(e.data.object.total_details as Record<string, unknown>).breakdown = {
      discounts: [
        { amount: 2000, discount: { id: 'di_1', promotion_code: { id: 'promo_X', code: 'OMAR' } } },
      ],
      taxes: [],
    }
    expect(map(e)).toMatchObject({ promotionCodeIds: ['promo_X'] })
  })

  it('records a free checkout as a signup without a conversion', () => {
    const e = clone(checkoutSub)
    Object.assign(e.data.object, { amount_total: 0, payment_status: 'no_payment_required' })
    expect(map(e)).toMatchObject({ kind: 'checkout', conversion: null })
  })

  it('ignores a session that is not paid yet (delayed payment methods)', () => {
    const e = clone(checkoutSub)
    e.data.object.payment_status = 'unpaid'
    expect(map(e).kind).toBe('ignored')
  })
})

describe('invoice.paid', () => {
  it('reads the basil shape: subscription in parent.subscription_details, time from paid_at', () => {
    expect(map(invoiceBasil)).toEqual({
      kind: 'invoice',
      conversion: {
        event_id: 'in_sub001_first',
        customer_id: 'cus_Sub001',
        amount: 4900,
        currency: 'usd',
        occurred_at: '2025-12-01T00:00:02.000Z',
      },
      firstOfSubscription: true,
      subscriptionId: 'sub_001',
    })
  })

  it('reads the older shape: top-level subscription and subscription_details metadata', () => {
    expect(map(invoiceLegacy)).toMatchObject({
      kind: 'invoice',
      conversion: { event_id: 'in_legacy_renewal', click_id: 'rlclickLegacy000000001' },
      firstOfSubscription: false,
      subscriptionId: 'sub_legacy',
    })
  })

  it('skips an invoice that paid nothing (a trial, a 100% coupon)', () => {
    const e = clone(invoiceBasil)
    e.data.object.amount_paid = 0
    expect(map(e)).toMatchObject({ kind: 'ignored' })
  })

  it("uses the event's time when the invoice has no paid_at", () => {
    const e = clone(invoiceBasil)
    e.data.object.status_transitions.paid_at = null as never
    expect(map(e)).toMatchObject({ conversion: { occurred_at: '2025-12-01T00:00:05.000Z' } })
  })
})

describe('refunds, disputes and the rest', () => {
  it('maps charge.refunded to the cumulative amount refunded, looked up by payment intent', () => {
    expect(map(chargeRefunded)).toEqual({
      kind: 'refund',
      chargeId: 'ch_sub001_first',
      cumulative: 1000,
      conversionEventIds: ['pi_sub001_first'],
      paymentIntentId: 'pi_sub001_first',
    })
  })

  it("prefers an older charge's invoice field to find the conversion", () => {
    const e = clone(chargeRefunded)
    ;(e.data.object as Record<string, unknown>).invoice = 'in_old'
    expect(map(e)).toMatchObject({ conversionEventIds: ['in_old', 'pi_sub001_first'] })
  })

  it('maps a dispute opened, lost and won', () => {
    expect(map(disputeCreated)).toMatchObject({ kind: 'dispute', disputeId: 'dp_001', step: 'open' })
    expect(map(disputeLost)).toMatchObject({
      kind: 'dispute',
      step: 'lost',
      paymentIntentId: 'pi_sub001_first',
    })
    const won = clone(disputeLost)
    won.data.object.status = 'won'
    expect(map(won)).toMatchObject({ step: 'won' })
  })

  it('maps the end of a subscription to churn at ended_at', () => {
    expect(map(subDeleted)).toEqual({
      kind: 'churn',
      customerId: 'cus_Sub001',
      subscriptionId: 'sub_001',
      churnedAt: new Date((1764547200 + 90 * 86400) * 1000).toISOString(),
    })
  })

  it('learns promotion code ids and invoice payments', () => {
    expect(map(promoCreated)).toEqual({
      kind: 'promotion_code',
      promotionCodeId: 'promo_1Jane20',
      code: 'JANE20',
    })
    expect(map(invoicePayment)).toEqual({
      kind: 'invoice_payment',
      invoiceId: 'in_sub001_first',
      paymentIntentId: 'pi_sub001_first',
    })
  })

  it('ignores event types it does not use', () => {
    expect(map({ ...clone(invoiceBasil), type: 'invoice.created' })).toMatchObject({ kind: 'ignored' })
  })
})
