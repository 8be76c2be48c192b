/**
 * Reconciliation against Stripe, the pure part: given Stripe's paid invoices and what Refline
 * recorded over the same range, what disagrees. Three lists, each item linked to its customer's
 * journey:
 *
 * - `paid_without_conversion`: a referred customer (one with an affiliate) paid an invoice and no
 *   conversion was recorded for it — a webhook that never arrived, or was refused;
 * - `conversions_without_payment`: a conversion recorded under an invoice id that Stripe does not
 *   have as paid in this mode — a test or hand-made event, a voided invoice;
 * - `refunds_after_payout`: refunds whose commission had already been paid out (or was in a
 *   payout), so a clawback is carried to the affiliate's next payout.
 *
 * The route (routes.ts) gathers the inputs from Stripe and D1; nothing here does I/O.
 */
import type { AffiliateRef, Mode } from '../shared'

/** The fields of a Stripe invoice this module reads (the `stripe` package's `Stripe.Invoice` has them). */
export interface InvoiceLike {
  id: string
  customer: string | { id: string } | null
  status: string | null
  amount_paid: number
  currency: string
  created: number
  livemode: boolean
  status_transitions?: { paid_at?: number | null } | null
}

/** A recorded conversion whose event id may be a Stripe invoice id. */
export interface RecordedConversion {
  id: string
  event_id: string
  customer_id: string | null
  affiliate: AffiliateRef | null
  amount: number
  currency: string
  occurred_at: string
}

/** A refund that raised a clawback, with the commission it clawed back from. */
export interface RecordedRefundAfterPayout {
  id: string
  event_id: string
  amount: number
  currency: string
  created_at: string
  conversion_event_id: string
  customer_id: string | null
  affiliate: AffiliateRef | null
  /** Sum of the clawbacks the refund raised (≤ 0), in the commission's currency. */
  clawback_amount: number
  clawback_currency: string
  commission: { id: string; status: string; payout_id: string | null } | null
}

export interface ReconcileInput {
  mode: Mode
  /** Stripe's paid invoices created in the range (one list, any order). */
  invoices: InvoiceLike[]
  /**
   * Invoices of recorded conversions that the list did not hold (created before the range, or
   * not paid), looked up one by one: null when Stripe has no such invoice.
   */
  lookedUp: ReadonlyMap<string, InvoiceLike | null>
  /** Referred customers among the invoices' customers: customer id → affiliate. */
  referred: ReadonlyMap<string, AffiliateRef>
  /** Event ids of recorded conversions, among the listed invoices' ids (any date). */
  recorded: ReadonlySet<string>
  /** First invoices of a subscription held a few minutes for their checkout session (stripe/apply.ts). */
  held: ReadonlySet<string>
  /** Conversions in the range whose event id looks like an invoice id. */
  conversions: RecordedConversion[]
  refunds: RecordedRefundAfterPayout[]
}

export interface PaidWithoutConversion {
  customer_id: string
  affiliate: AffiliateRef
  invoice_id: string
  amount: number
  currency: string
  paid_at: string
  journey: string
}

export interface ConversionWithoutPayment {
  customer_id: string | null
  affiliate: AffiliateRef | null
  conversion_id: string
  /** The conversion's event id: the invoice id Stripe does not have as paid. */
  invoice_id: string
  amount: number
  currency: string
  occurred_at: string
  /** Stripe's status of the invoice (`open`, `void`, `uncollectible`, …); null when Stripe has no such invoice in this mode. */
  stripe_status: string | null
  journey: string | null
}

export interface RefundAfterPayout {
  customer_id: string | null
  affiliate: AffiliateRef | null
  refund_id: string
  refund_event_id: string
  amount: number
  currency: string
  refunded_at: string
  conversion_event_id: string
  /** Stripe's ids behind the refund, when Stripe's webhooks recorded it. */
  stripe: { charge_id: string | null; invoice_id: string | null; payment_intent_id: string | null }
  clawback: { amount: number; currency: string }
  /** The commission that was paid out (or was in a payout) when the refund came. */
  commission: { id: string; status: string; payout_id: string | null } | null
  journey: string | null
}

export interface ReconciliationLists {
  paid_without_conversion: PaidWithoutConversion[]
  conversions_without_payment: ConversionWithoutPayment[]
  refunds_after_payout: RefundAfterPayout[]
  checked: { invoices: number; conversions: number }
}

const INVOICE_ID = /^in_[A-Za-z0-9_]{1,250}$/

/** True when a conversion's event id is a Stripe invoice id (`in_…`), as `invoice.paid` records them. */
export function looksLikeInvoiceId(eventId: string): boolean {
  return INVOICE_ID.test(eventId)
}

/** The API address of a customer's journey. */
export function journeyPath(customerId: string): string {
  return `/v1/customers/${encodeURIComponent(customerId)}/journey`
}

function customerOf(invoice: InvoiceLike): string | null {
  const c = invoice.customer
  if (typeof c === 'string') return c || null
  return c && typeof c.id === 'string' ? c.id : null
}

function iso(seconds: number): string {
  return new Date(seconds * 1000).toISOString()
}

/** Paid, with money, in the mode asked for: what `invoice.paid` turns into a conversion. */
function paidInMode(invoice: InvoiceLike, mode: Mode): boolean {
  return invoice.status === 'paid' && invoice.amount_paid > 0 && invoice.livemode === (mode === 'live')
}

/** The customers of the listed invoices, for the referred-customer lookup. */
export function invoiceCustomers(invoices: InvoiceLike[]): string[] {
  return [...new Set(invoices.map(customerOf).filter((c): c is string => !!c))]
}

/**
 * The invoice ids of recorded conversions that the list does not hold, to look up one by one
 * (an invoice created before the range but paid in it is still paid).
 */
export function invoicesToLookUp(conversions: RecordedConversion[], invoices: InvoiceLike[]): string[] {
  const listed = new Set(invoices.map((i) => i.id))
  return [...new Set(conversions.map((c) => c.event_id))].filter(
    (id) => looksLikeInvoiceId(id) && !listed.has(id),
  )
}

/** The event ids a Stripe refund is recorded under (`refund:<charge>:<cumulative>`, stripe/map-event.ts). */
function chargeOfRefund(eventId: string): string | null {
  const m = /^refund:(ch_[A-Za-z0-9_]+):\d+$/.exec(eventId)
  return m?.[1] ?? null
}

function newestFirst<T>(at: (x: T) => string) {
  return (a: T, b: T) => (at(a) < at(b) ? 1 : at(a) > at(b) ? -1 : 0)
}

export function reconcile(input: ReconcileInput): ReconciliationLists {
  const { mode } = input
  const invoices = input.invoices.filter((i) => i.livemode === (mode === 'live'))
  const paidIds = new Set(invoices.filter((i) => paidInMode(i, mode)).map((i) => i.id))

  const paidWithoutConversion: PaidWithoutConversion[] = []
  for (const inv of invoices) {
    if (!paidInMode(inv, mode) || input.recorded.has(inv.id) || input.held.has(inv.id)) continue
    const customerId = customerOf(inv)
    const affiliate = customerId ? input.referred.get(customerId) : undefined
    if (!customerId || !affiliate) continue
    const paidAt = inv.status_transitions?.paid_at ?? inv.created
    paidWithoutConversion.push({
      customer_id: customerId,
      affiliate,
      invoice_id: inv.id,
      amount: inv.amount_paid,
      currency: inv.currency.toUpperCase(),
      paid_at: iso(paidAt),
      journey: journeyPath(customerId),
    })
  }

  const checkedConversions = input.conversions.filter((c) => looksLikeInvoiceId(c.event_id))
  const conversionsWithoutPayment: ConversionWithoutPayment[] = []
  for (const c of checkedConversions) {
    if (paidIds.has(c.event_id)) continue
    const found = input.lookedUp.get(c.event_id)
    // Not looked up (the lookups were bounded): nothing is known, so nothing is claimed.
    if (found === undefined) continue
    if (found && paidInMode(found, mode)) continue
    const inMode = found && found.livemode === (mode === 'live') ? found : null
    conversionsWithoutPayment.push({
      customer_id: c.customer_id,
      affiliate: c.affiliate,
      conversion_id: c.id,
      invoice_id: c.event_id,
      amount: c.amount,
      currency: c.currency.toUpperCase(),
      occurred_at: c.occurred_at,
      stripe_status: inMode ? (inMode.status ?? 'unknown') : null,
      journey: c.customer_id ? journeyPath(c.customer_id) : null,
    })
  }

  const refundsAfterPayout: RefundAfterPayout[] = input.refunds.map((r) => {
    const chargeId = chargeOfRefund(r.event_id)
    const fromStripe = chargeId !== null
    return {
      customer_id: r.customer_id,
      affiliate: r.affiliate,
      refund_id: r.id,
      refund_event_id: r.event_id,
      amount: r.amount,
      currency: r.currency.toUpperCase(),
      refunded_at: r.created_at,
      conversion_event_id: r.conversion_event_id,
      stripe: {
        charge_id: chargeId,
        invoice_id: fromStripe && looksLikeInvoiceId(r.conversion_event_id) ? r.conversion_event_id : null,
        payment_intent_id:
          fromStripe && r.conversion_event_id.startsWith('pi_') ? r.conversion_event_id : null,
      },
      clawback: { amount: r.clawback_amount, currency: r.clawback_currency.toUpperCase() },
      commission: r.commission,
      journey: r.customer_id ? journeyPath(r.customer_id) : null,
    }
  })

  return {
    paid_without_conversion: paidWithoutConversion.sort(newestFirst((x) => x.paid_at)),
    conversions_without_payment: conversionsWithoutPayment.sort(newestFirst((x) => x.occurred_at)),
    refunds_after_payout: refundsAfterPayout.sort(newestFirst((x) => x.refunded_at)),
    checked: { invoices: invoices.length, conversions: checkedConversions.length },
  }
}
