/**
 * "Pay with Stripe (simulated)": the no-code integration without a Stripe account. This file
 * plays Stripe's part. It registers a signing secret for the demo program with
 * `PUT /v1/integrations/stripe` (what the founder does once, pasting the secret Stripe shows),
 * then sends the events a real account sends after a Payment Link checkout — signed exactly as
 * Stripe signs them (`Stripe-Signature: t=…,v1=HMAC-SHA256(secret, "t.body")`) — to the
 * endpoint URL the collector gives. The demo's own server code calls no Refline API for them.
 */
import { createHmac, randomBytes } from 'node:crypto'

export interface StripeSimOptions {
  baseUrl: string
  /** The live secret key (sk_live_…): only it may set the integration up. */
  secretKey: string
}

export interface SimCheckout {
  customerId: string
  invoiceId: string
  paymentIntentId: string
  chargeId: string
  amount: number
}

type Json = Record<string, unknown>

const id = (prefix: string) => `${prefix}_sim${randomBytes(8).toString('hex')}`
const now = () => Math.floor(Date.now() / 1000)

export class StripeSim {
  readonly #secret = `whsec_${randomBytes(24).toString('base64url')}`
  #endpoint: Promise<string> | null = null

  constructor(private readonly options: StripeSimOptions) {}

  /** Registers this process's signing secret once and learns the webhook URL to post to. */
  endpoint(): Promise<string> {
    this.#endpoint ??= (async () => {
      const res = await fetch(`${this.options.baseUrl}/v1/integrations/stripe`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${this.options.secretKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ webhook_secret: this.#secret }),
      })
      const body = (await res.json()) as { stripe?: { webhook_url: string }; error?: { message: string } }
      if (!res.ok || !body.stripe) {
        this.#endpoint = null
        throw new Error(`PUT /v1/integrations/stripe: ${res.status} ${body.error?.message ?? ''}`)
      }
      return body.stripe.webhook_url
    })()
    return this.#endpoint
  }

  /** Signs and delivers one event as Stripe does; returns the collector's answer. */
  async send(type: string, object: Json): Promise<Json> {
    const url = await this.endpoint()
    const event = {
      id: id('evt'),
      object: 'event',
      api_version: '2025-03-31.basil',
      created: now(),
      livemode: true,
      pending_webhooks: 1,
      request: { id: null, idempotency_key: null },
      type,
      data: { object: { ...object, livemode: true } },
    }
    const payload = JSON.stringify(event)
    const t = now()
    const v1 = createHmac('sha256', this.#secret).update(`${t}.${payload}`).digest('hex')
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'stripe-signature': `t=${t},v1=${v1}` },
      body: payload,
    })
    const answer = (await res.json()) as Json
    if (!res.ok) throw new Error(`${type}: ${res.status} ${JSON.stringify(answer)}`)
    return answer
  }

  /**
   * A subscription bought through a Payment Link: the link carried the visitor's click id as
   * `client_reference_id` (r.js adds it). Stripe sends the session, the first invoice and
   * which payment paid it — in that order here, in any order for real.
   */
  async checkout(input: { clickId?: string; email: string; amount: number }): Promise<{
    sale: SimCheckout
    answer: Json
  }> {
    const sale: SimCheckout = {
      customerId: id('cus'),
      invoiceId: id('in'),
      paymentIntentId: id('pi'),
      chargeId: id('ch'),
      amount: input.amount,
    }
    const subscription = id('sub')
    const answer = await this.send('checkout.session.completed', {
      id: id('cs'),
      object: 'checkout.session',
      mode: 'subscription',
      status: 'complete',
      payment_status: 'paid',
      amount_subtotal: input.amount,
      amount_total: input.amount,
      currency: 'usd',
      customer: sale.customerId,
      customer_details: { email: input.email },
      client_reference_id: input.clickId ?? null,
      invoice: sale.invoiceId,
      payment_intent: null,
      subscription,
      payment_link: id('plink'),
      metadata: {},
      discounts: [],
      created: now(),
    })
    await this.send('invoice.paid', {
      id: sale.invoiceId,
      object: 'invoice',
      customer: sale.customerId,
      billing_reason: 'subscription_create',
      status: 'paid',
      amount_due: input.amount,
      amount_paid: input.amount,
      currency: 'usd',
      status_transitions: { paid_at: now() },
      parent: { type: 'subscription_details', subscription_details: { subscription, metadata: {} } },
    })
    await this.send('invoice_payment.paid', {
      id: id('inpay'),
      object: 'invoice_payment',
      invoice: sale.invoiceId,
      amount_paid: input.amount,
      currency: 'usd',
      status: 'paid',
      payment: { type: 'payment_intent', payment_intent: sale.paymentIntentId },
    })
    return { sale, answer }
  }

  /** A refund in Stripe's dashboard: `charge.refunded` with the charge's cumulative amount refunded. */
  refund(sale: SimCheckout, refundedSoFar: number): Promise<Json> {
    return this.send('charge.refunded', {
      id: sale.chargeId,
      object: 'charge',
      amount: sale.amount,
      amount_refunded: refundedSoFar,
      refunded: refundedSoFar >= sale.amount,
      currency: 'usd',
      customer: sale.customerId,
      payment_intent: sale.paymentIntentId,
      created: now(),
    })
  }
}
