/** The reconciliation comparison as a pure function of Stripe's invoices and Refline's records. */
import { describe, expect, it } from 'vitest'
import {
  type InvoiceLike,
  invoiceCustomers,
  invoicesToLookUp,
  looksLikeInvoiceId,
  type ReconcileInput,
  type RecordedConversion,
  type RecordedRefundAfterPayout,
  reconcile,
} from './compare'

const jane = { id: 'aff_jane', code: 'jane' }
const T = 1_764_547_200 // 2025-12-01T00:00:00Z

const invoice = (o: Partial<InvoiceLike> & { id: string }): InvoiceLike => ({
  customer: 'cus_a',
  status: 'paid',
  amount_paid: 4900,
  currency: 'usd',
  created: T,
  livemode: true,
  status_transitions: { paid_at: T + 2 },
  ...o,
})

const conversion = (o: Partial<RecordedConversion> & { event_id: string }): RecordedConversion => ({
  id: `cnv_${o.event_id}`,
  customer_id: 'cus_a',
  affiliate: jane,
  amount: 4900,
  currency: 'USD',
  occurred_at: '2025-12-01T00:00:02.000Z',
  ...o,
})

const input = (o: Partial<ReconcileInput>): ReconcileInput => ({
  mode: 'live',
  invoices: [],
  lookedUp: new Map(),
  referred: new Map([['cus_a', jane]]),
  recorded: new Set(),
  held: new Set(),
  conversions: [],
  refunds: [],
  ...o,
})

describe('paid invoices with no conversion', () => {
  it('lists a referred customer’s paid invoice that no conversion records, linked to the journey', () => {
    const out = reconcile(input({ invoices: [invoice({ id: 'in_missed' })] }))
    expect(out.paid_without_conversion).toEqual([
      {
        customer_id: 'cus_a',
        affiliate: jane,
        invoice_id: 'in_missed',
        amount: 4900,
        currency: 'USD',
        paid_at: '2025-12-01T00:00:02.000Z',
        journey: '/v1/customers/cus_a/journey',
      },
    ])
    expect(out.checked.invoices).toBe(1)
  })

  it('leaves out invoices that are recorded, held for their checkout, free, or of customers nobody referred', () => {
    const out = reconcile(
      input({
        invoices: [
          invoice({ id: 'in_recorded' }),
          invoice({ id: 'in_held' }),
          invoice({ id: 'in_free', amount_paid: 0 }),
          invoice({ id: 'in_stranger', customer: 'cus_stranger' }),
          invoice({ id: 'in_guest', customer: null }),
        ],
        recorded: new Set(['in_recorded']),
        held: new Set(['in_held']),
      }),
    )
    expect(out.paid_without_conversion).toEqual([])
  })

  it('reads an expanded customer object as its id', () => {
    const out = reconcile(input({ invoices: [invoice({ id: 'in_x', customer: { id: 'cus_a' } })] }))
    expect(out.paid_without_conversion.map((x) => x.customer_id)).toEqual(['cus_a'])
  })

  it('never compares one mode’s records with the other mode’s invoices', () => {
    const out = reconcile(input({ mode: 'test', invoices: [invoice({ id: 'in_live', livemode: true })] }))
    expect(out.paid_without_conversion).toEqual([])
    expect(out.checked.invoices).toBe(0)
  })

  it('escapes the customer id in the journey link', () => {
    const referred = new Map([['cus/1 2', jane]])
    const out = reconcile(input({ referred, invoices: [invoice({ id: 'in_y', customer: 'cus/1 2' })] }))
    expect(out.paid_without_conversion[0]?.journey).toBe('/v1/customers/cus%2F1%202/journey')
  })
})

describe('conversions with no Stripe payment', () => {
  it('lists a conversion whose invoice Stripe does not have, and one whose invoice is not paid', () => {
    const out = reconcile(
      input({
        conversions: [
          conversion({ event_id: 'in_ghost', occurred_at: '2025-12-02T00:00:00.000Z' }),
          conversion({ event_id: 'in_void', occurred_at: '2025-12-01T00:00:00.000Z' }),
        ],
        lookedUp: new Map([
          ['in_ghost', null],
          ['in_void', invoice({ id: 'in_void', status: 'void', amount_paid: 0 })],
        ]),
      }),
    )
    expect(out.conversions_without_payment.map((x) => [x.invoice_id, x.stripe_status, x.journey])).toEqual([
      ['in_ghost', null, '/v1/customers/cus_a/journey'],
      ['in_void', 'void', '/v1/customers/cus_a/journey'],
    ])
    expect(out.checked.conversions).toBe(2)
  })

  it('accepts a conversion whose invoice is in the list, or was created earlier and found paid', () => {
    const out = reconcile(
      input({
        invoices: [invoice({ id: 'in_listed' })],
        conversions: [conversion({ event_id: 'in_listed' }), conversion({ event_id: 'in_older' })],
        lookedUp: new Map([['in_older', invoice({ id: 'in_older', created: T - 86_400 * 40 })]]),
      }),
    )
    expect(out.conversions_without_payment).toEqual([])
  })

  it('treats an invoice found only in the other mode as missing', () => {
    const out = reconcile(
      input({
        mode: 'test',
        conversions: [conversion({ event_id: 'in_live_one' })],
        lookedUp: new Map([['in_live_one', invoice({ id: 'in_live_one', livemode: true })]]),
      }),
    )
    expect(out.conversions_without_payment.map((x) => [x.invoice_id, x.stripe_status])).toEqual([
      ['in_live_one', null],
    ])
  })

  it('checks only invoice ids, and claims nothing about conversions it could not look up', () => {
    const out = reconcile(
      input({
        conversions: [
          conversion({ event_id: 'order_42' }),
          conversion({ event_id: 'pi_123' }),
          conversion({ event_id: 'in_unchecked' }),
        ],
      }),
    )
    expect(out.conversions_without_payment).toEqual([])
    expect(out.checked.conversions).toBe(1)
  })

  it('a conversion with no customer has no journey link', () => {
    const out = reconcile(
      input({
        conversions: [conversion({ event_id: 'in_anon', customer_id: null, affiliate: null })],
        lookedUp: new Map([['in_anon', null]]),
      }),
    )
    expect(out.conversions_without_payment[0]?.journey).toBeNull()
  })
})

describe('refunds after payout', () => {
  const refund = (o: Partial<RecordedRefundAfterPayout> = {}): RecordedRefundAfterPayout => ({
    id: 'rfd_1',
    event_id: 'refund:ch_1:4900',
    amount: 4900,
    currency: 'usd',
    created_at: '2025-12-03T00:00:00.000Z',
    conversion_event_id: 'in_paid',
    customer_id: 'cus_a',
    affiliate: jane,
    clawback_amount: -980,
    clawback_currency: 'usd',
    commission: { id: 'com_1', status: 'paid', payout_id: 'pay_1' },
    ...o,
  })

  it('names the Stripe charge and invoice behind a refund from Stripe, with its clawback', () => {
    const [item] = reconcile(input({ refunds: [refund()] })).refunds_after_payout
    expect(item).toEqual({
      customer_id: 'cus_a',
      affiliate: jane,
      refund_id: 'rfd_1',
      refund_event_id: 'refund:ch_1:4900',
      amount: 4900,
      currency: 'USD',
      refunded_at: '2025-12-03T00:00:00.000Z',
      conversion_event_id: 'in_paid',
      stripe: { charge_id: 'ch_1', invoice_id: 'in_paid', payment_intent_id: null },
      clawback: { amount: -980, currency: 'USD' },
      commission: { id: 'com_1', status: 'paid', payout_id: 'pay_1' },
      journey: '/v1/customers/cus_a/journey',
    })
  })

  it('a refund sent through the API has no Stripe ids', () => {
    const [item] = reconcile(
      input({ refunds: [refund({ event_id: 'rf_api', conversion_event_id: 'in_looks_like' })] }),
    ).refunds_after_payout
    expect(item?.stripe).toEqual({ charge_id: null, invoice_id: null, payment_intent_id: null })
  })

  it('lists the newest first', () => {
    const out = reconcile(
      input({
        refunds: [
          refund({ id: 'rfd_old', created_at: '2025-12-01T00:00:00.000Z' }),
          refund({ id: 'rfd_new', created_at: '2025-12-05T00:00:00.000Z' }),
        ],
      }),
    )
    expect(out.refunds_after_payout.map((r) => r.refund_id)).toEqual(['rfd_new', 'rfd_old'])
  })
})

describe('helpers', () => {
  it('recognises Stripe invoice ids', () => {
    expect(looksLikeInvoiceId('in_1Pgc6sB7WZ01zgkW')).toBe(true)
    expect(looksLikeInvoiceId('in_sub001_first')).toBe(true)
    expect(looksLikeInvoiceId('inv_seed_1')).toBe(false)
    expect(looksLikeInvoiceId('in_')).toBe(false)
    expect(looksLikeInvoiceId('in_x y')).toBe(false)
  })

  it('looks up only invoice ids the list does not hold, once each', () => {
    const ids = invoicesToLookUp(
      [
        conversion({ event_id: 'in_a' }),
        conversion({ event_id: 'in_b' }),
        conversion({ event_id: 'in_b' }),
        conversion({ event_id: 'order_1' }),
      ],
      [invoice({ id: 'in_a' })],
    )
    expect(ids).toEqual(['in_b'])
  })

  it('collects each invoice customer once', () => {
    expect(
      invoiceCustomers([
        invoice({ id: 'in_1' }),
        invoice({ id: 'in_2' }),
        invoice({ id: 'in_3', customer: 'cus_b' }),
        invoice({ id: 'in_4', customer: null }),
      ]),
    ).toEqual(['cus_a', 'cus_b'])
  })
})
