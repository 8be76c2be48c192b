/**
 * Stripe events for the collector tests: built from the fixture payloads (Stripe's own object
 * shapes) with the ids and amounts a test needs, and signed by the `stripe` package itself.
 */
import Stripe from 'stripe'
import chargeRefunded from '../src/stripe/fixtures/charge-refunded.json'
import checkoutSub from '../src/stripe/fixtures/checkout-session-subscription.json'
import disputeCreated from '../src/stripe/fixtures/dispute-created.json'
import invoiceBasil from '../src/stripe/fixtures/invoice-paid-basil.json'
import invoicePayment from '../src/stripe/fixtures/invoice-payment-paid.json'
import promoCreated from '../src/stripe/fixtures/promotion-code-created.json'
import subDeleted from '../src/stripe/fixtures/subscription-deleted.json'
import { call } from './helpers'

// biome-ignore lint/suspicious/noExplicitAny: Stripe payloads, bent freely by the tests
type Json = Record<string, any>

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v))
let seq = 0
const nowS = () => Math.floor(Date.now() / 1000)

function envelope(base: Json, type: string, object: Json, livemode: boolean): Json {
  seq++
  return {
    ...clone(base),
    id: `evt_${Date.now().toString(36)}${seq}`,
    type,
    created: nowS(),
    livemode,
    data: { object: { ...object, livemode } },
  }
}

export interface CheckoutOptions {
  id?: string
  customer?: string | null
  clickId?: string | null
  invoice?: string | null
  paymentIntent?: string | null
  amount?: number
  currency?: string
  mode?: 'subscription' | 'payment'
  promotionCode?: string
  email?: string
  livemode?: boolean
}

export function checkoutCompleted(o: CheckoutOptions = {}): Json {
  const s = clone(checkoutSub.data.object) as Json
  Object.assign(s, {
    id: o.id ?? `cs_${Date.now().toString(36)}${++seq}`,
    mode: o.mode ?? 'subscription',
    customer: o.customer === undefined ? `cus_${seq}` : o.customer,
    client_reference_id: o.clickId ?? null,
    invoice: o.invoice === undefined ? null : o.invoice,
    payment_intent: o.paymentIntent ?? null,
    subscription: o.mode === 'payment' ? null : `sub_${seq}`,
    amount_subtotal: o.amount ?? 4900,
    amount_total: o.amount ?? 4900,
    currency: o.currency ?? 'usd',
    created: nowS(),
    discounts: o.promotionCode ? [{ coupon: null, promotion_code: o.promotionCode }] : [],
  })
  s.customer_details.email = o.email ?? 'buyer@example.com'
  return envelope(checkoutSub, 'checkout.session.completed', s, o.livemode ?? true)
}

export interface InvoiceOptions {
  id: string
  customer: string
  subscription?: string
  amount?: number
  billingReason?: 'subscription_create' | 'subscription_cycle'
  paidAt?: number
  livemode?: boolean
}

export function invoicePaid(o: InvoiceOptions): Json {
  const inv = clone(invoiceBasil.data.object) as Json
  const amount = o.amount ?? 4900
  Object.assign(inv, {
    id: o.id,
    customer: o.customer,
    amount_due: amount,
    amount_paid: amount,
    total: amount,
    subtotal: amount,
    billing_reason: o.billingReason ?? 'subscription_cycle',
    status_transitions: { ...inv.status_transitions, paid_at: o.paidAt ?? nowS() },
  })
  inv.parent.subscription_details.subscription = o.subscription ?? 'sub_x'
  return envelope(invoiceBasil, 'invoice.paid', inv, o.livemode ?? true)
}

export function invoicePaymentPaid(invoice: string, paymentIntent: string, livemode = true): Json {
  const ip = clone(invoicePayment.data.object) as Json
  Object.assign(ip, {
    id: `inpay_${++seq}`,
    invoice,
    payment: { type: 'payment_intent', payment_intent: paymentIntent },
  })
  return envelope(invoicePayment, 'invoice_payment.paid', ip, livemode)
}

export function chargeRefundedEvent(o: {
  charge: string
  paymentIntent: string
  amount?: number
  refunded: number
  livemode?: boolean
}): Json {
  const ch = clone(chargeRefunded.data.object) as Json
  Object.assign(ch, {
    id: o.charge,
    payment_intent: o.paymentIntent,
    amount: o.amount ?? 4900,
    amount_refunded: o.refunded,
    refunded: o.refunded >= (o.amount ?? 4900),
  })
  return envelope(chargeRefunded, 'charge.refunded', ch, o.livemode ?? true)
}

export function disputeEvent(o: {
  id: string
  paymentIntent: string
  type: 'charge.dispute.created' | 'charge.dispute.closed'
  status?: 'needs_response' | 'won' | 'lost'
  livemode?: boolean
}): Json {
  const d = clone(disputeCreated.data.object) as Json
  Object.assign(d, { id: o.id, payment_intent: o.paymentIntent, status: o.status ?? 'needs_response' })
  return envelope(disputeCreated, o.type, d, o.livemode ?? true)
}

export function subscriptionDeleted(subscription: string, customer: string, livemode = true): Json {
  const s = clone(subDeleted.data.object) as Json
  Object.assign(s, { id: subscription, customer, ended_at: nowS(), canceled_at: nowS() })
  return envelope(subDeleted, 'customer.subscription.deleted', s, livemode)
}

export function promotionCodeCreated(id: string, code: string, livemode = true): Json {
  const p = clone(promoCreated.data.object) as Json
  Object.assign(p, { id, code })
  return envelope(promoCreated, 'promotion_code.created', p, livemode)
}

export function sign(payload: string, secret: string, timestamp = nowS()): Promise<string> {
  return Stripe.webhooks.generateTestHeaderStringAsync({
    payload,
    secret,
    timestamp,
    cryptoProvider: Stripe.createSubtleCryptoProvider(),
  })
}

/** Sends an event to the program's endpoint as Stripe does, signed with `secret`. */
export async function deliver(
  programId: string,
  event: Json,
  secret: string,
  o: { timestamp?: number; raw?: string; signature?: string | null } = {},
) {
  const raw = o.raw ?? JSON.stringify(event, null, 2)
  const signature = o.signature === undefined ? await sign(raw, secret, o.timestamp) : o.signature
  return call('POST', `/v1/integrations/stripe/${programId}`, {
    raw,
    headers: {
      'content-type': 'application/json; charset=utf-8',
      ...(signature ? { 'stripe-signature': signature } : {}),
    },
  })
}

export const LIVE_SECRET = 'whsec_liveSecretForTests0123456789'
export const TEST_SECRET = 'whsec_testSecretForTests0123456789'

export async function connectStripe(sk: string, secrets: Json = { webhook_secret: LIVE_SECRET }) {
  const res = await call('PUT', '/v1/integrations/stripe', { token: sk, body: secrets })
  if (res.status !== 200) throw new Error(`connectStripe: ${res.status} ${JSON.stringify(res.body)}`)
  return res.body.stripe
}
