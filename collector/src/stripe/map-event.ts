/**
 * Stripe event → what Refline records, as pure functions of the event. The webhook route verifies
 * the signature, then carries out the action this returns (hub calls and D1 writes).
 *
 * Every Refline event id is derived from Stripe's own object ids, so a retried, duplicated or
 * reordered delivery maps to the same ids and the hub's idempotency makes it count once:
 * a conversion is its invoice (else its payment intent), a refund is its charge and cumulative
 * `amount_refunded`, a dispute step is the dispute and its outcome.
 *
 * Both invoice shapes are read: since API version 2025-03-31 ("basil") an invoice names its
 * subscription in `parent.subscription_details` and neither the invoice nor the charge says which
 * payment paid what (`invoice_payment.paid` does); older versions have `invoice.subscription`
 * and `charge.invoice`.
 */
import type { Mode } from '../shared'

/** The fields of a Stripe event this module reads (any API version). */
export interface StripeEventLike {
  id: string
  type: string
  created: number
  livemode: boolean
  data: { object: Record<string, unknown> }
}

/** A conversion as the hub takes it (`POST /v1/conversions` body). */
export interface ConversionInput {
  event_id: string
  customer_id: string
  amount: number
  currency: string
  occurred_at: string
  click_id?: string
}

export interface SignupInput {
  event_id: string
  customer_id: string
  occurred_at: string
  click_id?: string
}

export type StripeAction =
  | {
      kind: 'checkout'
      signup: SignupInput
      /** The promotion code ids applied to the session (matched to affiliates' codes). */
      promotionCodeIds: string[]
      /** The buyer's email, hashed by the caller for the self-referral rule (never stored as is). */
      email: string | null
      conversion: ConversionInput | null
      invoiceId: string | null
    }
  | {
      kind: 'invoice'
      conversion: ConversionInput
      /** The first invoice of a subscription: its checkout session may still be on its way. */
      firstOfSubscription: boolean
      subscriptionId: string | null
    }
  | {
      kind: 'refund'
      chargeId: string
      /** The charge's `amount_refunded` after this refund: the refund is its growth. */
      cumulative: number
      /** Where the conversion may be found, most specific first. */
      conversionEventIds: string[]
      paymentIntentId: string | null
    }
  | {
      kind: 'dispute'
      disputeId: string
      step: 'open' | 'won' | 'lost'
      chargeId: string | null
      paymentIntentId: string | null
    }
  | { kind: 'churn'; customerId: string; subscriptionId: string; churnedAt: string }
  | { kind: 'promotion_code'; promotionCodeId: string; code: string }
  | { kind: 'invoice_payment'; invoiceId: string; paymentIntentId: string }
  | { kind: 'ignored'; reason: string }

/** The event types the founder selects when adding the endpoint in Stripe (the settings page lists them). */
export const STRIPE_EVENT_TYPES = [
  'checkout.session.completed',
  'invoice.paid',
  'invoice_payment.paid',
  'charge.refunded',
  'charge.dispute.created',
  'charge.dispute.closed',
  'customer.subscription.deleted',
  'promotion_code.created',
  'promotion_code.updated',
] as const

/** The click id r.js writes: the same rule as `POST /v1/clicks`. */
const CLICK_ID = /^[A-Za-z0-9_-]{16,64}$/
const MAX_ID = 255

export function eventMode(event: Pick<StripeEventLike, 'livemode'>): Mode {
  return event.livemode ? 'live' : 'test'
}

function str(v: unknown): string | null {
  return typeof v === 'string' && v.length > 0 && v.length <= MAX_ID ? v : null
}

/** An id field that Stripe sends as a string, or as the object when expanded. */
function idOf(v: unknown): string | null {
  if (typeof v === 'string') return str(v)
  if (v && typeof v === 'object') return str((v as { id?: unknown }).id)
  return null
}

function obj(v: unknown): Record<string, unknown> | null {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null
}

function int(v: unknown): number | null {
  return typeof v === 'number' && Number.isSafeInteger(v) ? v : null
}

/** Unix seconds Stripe could plausibly send: 2000-01-01 to 9999-12-31 (outside, a Date cannot print). */
export function plausibleSeconds(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 946_684_800 && v <= 253_402_300_799
}

function iso(seconds: number): string {
  return new Date(seconds * 1000).toISOString()
}

function emailOf(v: unknown): string | null {
  return typeof v === 'string' && v.includes('@') && v.length <= 320 ? v : null
}

function clickIdOf(v: unknown): string | undefined {
  return typeof v === 'string' && CLICK_ID.test(v) ? v : undefined
}

/** `metadata.refline_click_id` of any Stripe object. */
function metadataClick(o: Record<string, unknown> | null): string | undefined {
  return clickIdOf(obj(o?.metadata)?.refline_click_id)
}

/** The payment's own time when Stripe gives one, else the event's. */
function paidAt(seconds: unknown, event: StripeEventLike): string {
  return iso(plausibleSeconds(seconds) ? seconds : event.created)
}

/** Promotion code ids on a session: `discounts[]` and, when expanded, `total_details.breakdown.discounts[]`. */
export function sessionPromotionCodes(session: Record<string, unknown>): string[] {
  const ids = new Set<string>()
  const discounts = Array.isArray(session.discounts) ? session.discounts : []
  for (const d of discounts) {
    const id = idOf(obj(d)?.promotion_code)
    if (id) ids.add(id)
  }
  const breakdown = obj(obj(session.total_details)?.breakdown)
  const applied = Array.isArray(breakdown?.discounts) ? breakdown.discounts : []
  for (const a of applied) {
    const id = idOf(obj(obj(a)?.discount)?.promotion_code)
    if (id) ids.add(id)
  }
  return [...ids].slice(0, 10)
}

function mapCheckout(event: StripeEventLike, s: Record<string, unknown>): StripeAction {
  const status = s.payment_status
  if (status !== 'paid' && status !== 'no_payment_required') {
    return { kind: 'ignored', reason: `checkout session payment_status is ${String(status)}` }
  }
  const sessionId = str(s.id)
  if (!sessionId) return { kind: 'ignored', reason: 'checkout session without an id' }
  // A guest checkout has no Stripe customer: the session stands for the customer.
  const customerId = idOf(s.customer) ?? sessionId
  const clickId = clickIdOf(s.client_reference_id) ?? metadataClick(s)
  const occurredAt = iso(event.created)
  const invoiceId = idOf(s.invoice)
  const paymentIntentId = idOf(s.payment_intent)
  const amount = int(s.amount_total) ?? 0
  const currency = typeof s.currency === 'string' ? s.currency : null
  const conversionId = invoiceId ?? paymentIntentId
  const conversion: ConversionInput | null =
    amount > 0 && currency && conversionId
      ? { event_id: conversionId, customer_id: customerId, amount, currency, occurred_at: occurredAt }
      : null
  return {
    kind: 'checkout',
    signup: {
      event_id: `signup:${sessionId}`,
      customer_id: customerId,
      occurred_at: occurredAt,
      ...(clickId ? { click_id: clickId } : {}),
    },
    promotionCodeIds: sessionPromotionCodes(s),
    email: emailOf(obj(s.customer_details)?.email) ?? emailOf(s.customer_email),
    conversion,
    invoiceId,
  }
}

/** The subscription of an invoice: `parent.subscription_details` (basil) or `subscription` (older). */
export function invoiceSubscription(inv: Record<string, unknown>): {
  id: string | null
  metadata: Record<string, unknown> | null
} {
  const details = obj(obj(inv.parent)?.subscription_details)
  const legacy = obj(inv.subscription_details)
  return {
    id: idOf(details?.subscription) ?? idOf(inv.subscription),
    metadata: obj(details?.metadata) ?? obj(legacy?.metadata) ?? obj(obj(inv.subscription)?.metadata),
  }
}

function mapInvoicePaid(event: StripeEventLike, inv: Record<string, unknown>): StripeAction {
  const invoiceId = str(inv.id)
  const customerId = idOf(inv.customer)
  const amount = int(inv.amount_paid) ?? 0
  const currency = typeof inv.currency === 'string' ? inv.currency : null
  if (!invoiceId || !customerId) return { kind: 'ignored', reason: 'invoice without an id or a customer' }
  if (amount <= 0 || !currency) return { kind: 'ignored', reason: 'invoice paid nothing' }
  const sub = invoiceSubscription(inv)
  const clickId = clickIdOf(sub.metadata?.refline_click_id) ?? metadataClick(inv)
  return {
    kind: 'invoice',
    conversion: {
      event_id: invoiceId,
      customer_id: customerId,
      amount,
      currency,
      occurred_at: paidAt(obj(inv.status_transitions)?.paid_at, event),
      ...(clickId ? { click_id: clickId } : {}),
    },
    firstOfSubscription: inv.billing_reason === 'subscription_create',
    subscriptionId: sub.id,
  }
}

function mapChargeRefunded(ch: Record<string, unknown>): StripeAction {
  const chargeId = str(ch.id)
  const cumulative = int(ch.amount_refunded) ?? 0
  if (!chargeId || cumulative <= 0) return { kind: 'ignored', reason: 'charge with nothing refunded' }
  const paymentIntentId = idOf(ch.payment_intent)
  const legacyInvoice = idOf(ch.invoice)
  const candidates = [legacyInvoice, paymentIntentId].filter((x): x is string => !!x)
  return { kind: 'refund', chargeId, cumulative, conversionEventIds: candidates, paymentIntentId }
}

function mapDispute(type: string, d: Record<string, unknown>): StripeAction {
  const disputeId = str(d.id)
  if (!disputeId) return { kind: 'ignored', reason: 'dispute without an id' }
  let step: 'open' | 'won' | 'lost'
  if (type === 'charge.dispute.created') step = 'open'
  else if (d.status === 'lost') step = 'lost'
  // `won`, and `warning_closed` (an inquiry that never became a chargeback): the money stays.
  else if (d.status === 'won' || d.status === 'warning_closed') step = 'won'
  else return { kind: 'ignored', reason: `dispute closed as ${String(d.status)}` }
  return {
    kind: 'dispute',
    disputeId,
    step,
    chargeId: idOf(d.charge),
    paymentIntentId: idOf(d.payment_intent),
  }
}

export function mapStripeEvent(event: StripeEventLike): StripeAction {
  const o = obj(event.data?.object) ?? {}
  switch (event.type) {
    case 'checkout.session.completed':
      return mapCheckout(event, o)
    case 'invoice.paid':
      return mapInvoicePaid(event, o)
    case 'charge.refunded':
      return mapChargeRefunded(o)
    case 'charge.dispute.created':
    case 'charge.dispute.closed':
      return mapDispute(event.type, o)
    case 'customer.subscription.deleted': {
      const customerId = idOf(o.customer)
      const subscriptionId = str(o.id)
      if (!customerId || !subscriptionId)
        return { kind: 'ignored', reason: 'subscription without a customer' }
      const ended = plausibleSeconds(o.ended_at)
        ? o.ended_at
        : plausibleSeconds(o.canceled_at)
          ? o.canceled_at
          : null
      return { kind: 'churn', customerId, subscriptionId, churnedAt: iso(ended ?? event.created) }
    }
    case 'promotion_code.created':
    case 'promotion_code.updated': {
      const promotionCodeId = str(o.id)
      const code = typeof o.code === 'string' ? o.code.trim() : ''
      if (!promotionCodeId || !code || code.length > 64)
        return { kind: 'ignored', reason: 'promotion code without a code' }
      return { kind: 'promotion_code', promotionCodeId, code }
    }
    case 'invoice_payment.paid': {
      const invoiceId = idOf(o.invoice)
      const paymentIntentId = idOf(obj(o.payment)?.payment_intent)
      if (!invoiceId || !paymentIntentId)
        return { kind: 'ignored', reason: 'invoice payment without a payment intent' }
      return { kind: 'invoice_payment', invoiceId, paymentIntentId }
    }
    default:
      return { kind: 'ignored', reason: `event type ${event.type} is not used` }
  }
}

/** The Refline event id of the refund a charge's cumulative `amount_refunded` stands for. */
export function refundEventId(chargeId: string, cumulative: number): string {
  return `refund:${chargeId}:${cumulative}`
}
