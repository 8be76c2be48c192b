/**
 * Carries out what a verified Stripe event means (see map-event.ts): money through the program's
 * hub (signups, conversions, refunds, disputes — each idempotent on an id derived from Stripe's
 * objects), and what is not money (learned ids, churn) straight to D1.
 */
import type { EventContext, HubResult } from '../hub/types'
import { type Env, hubFor } from '../lib/env'
import { hashEmail } from '../lib/ip-hash'
import { conversionInput } from '../lib/schemas'
import {
  customerSignedUp,
  deferInvoice,
  dropDeferredInvoice,
  dueDeferredInvoices,
  firstRecordedConversion,
  invoiceOfPaymentIntent,
  learnPromotionCode,
  linkInvoicePayment,
  promoCodeForStripeIds,
  recordChurn,
  refundStep,
} from './data'
import { type ConversionInput, refundEventId, type StripeAction, type StripeEventLike } from './map-event'

/**
 * How long a subscription's first invoice waits for its checkout session (which carries the click)
 * when it arrives first. Stripe sends both within seconds; after this it is recorded as it is.
 */
export const DEFER_FIRST_INVOICE_MS = 5 * 60_000

/** The answer to Stripe: what was recorded, for the founder reading the delivery in Stripe's dashboard. */
export type StripeOutcome = Record<string, unknown>

function summary(result: HubResult): unknown {
  if (!result.ok) return { error: { code: result.code, message: result.message } }
  return { ...(result.body as object), ...(result.replayed ? { replayed: true } : {}) }
}

/**
 * A conversion Stripe tells us about twice (the session and its invoice) is one conversion. It
 * passes the same validation as `POST /v1/conversions` (currency upper-cased, amount and time bounded).
 */
async function recordConversion(env: Env, ctx: EventContext, conversion: ConversionInput): Promise<unknown> {
  const parsed = conversionInput.safeParse(conversion)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    return {
      ignored: true,
      reason: `${issue?.path.join('.') || 'conversion'}: ${issue?.message ?? 'invalid'}`,
    }
  }
  const result = await hubFor(env, ctx.programId).recordConversion(ctx, parsed.data)
  if (!result.ok && result.code === 'conflict')
    return { event_id: conversion.event_id, already_recorded: true }
  return summary(result)
}

export async function conversionEventFor(
  env: Env,
  ctx: EventContext,
  ids: { candidates: string[]; paymentIntentId: string | null },
): Promise<string | null> {
  const candidates = [...ids.candidates]
  if (ids.paymentIntentId) {
    // Since 2025-03-31 only `invoice_payment.paid` says which invoice a payment intent paid.
    const invoice = await invoiceOfPaymentIntent(env.DB, ctx.programId, ctx.mode, ids.paymentIntentId)
    if (invoice) candidates.unshift(invoice)
    if (!candidates.includes(ids.paymentIntentId)) candidates.push(ids.paymentIntentId)
  }
  return firstRecordedConversion(env.DB, ctx.programId, ctx.mode, candidates)
}

export async function applyStripeAction(
  env: Env,
  ctx: EventContext,
  event: StripeEventLike,
  action: StripeAction,
): Promise<StripeOutcome> {
  const hub = hubFor(env, ctx.programId)
  switch (action.kind) {
    case 'ignored':
      return { ignored: true, reason: action.reason }

    case 'checkout': {
      const promoCode = await promoCodeForStripeIds(env.DB, ctx.programId, ctx.mode, action.promotionCodeIds)
      const signup = await hub.recordSignup(ctx, {
        ...action.signup,
        ...(promoCode ? { promo_code: promoCode } : {}),
        email_hash: action.email ? await hashEmail(ctx.programId, action.email) : null,
      })
      const out: StripeOutcome = { signup: summary(signup) }
      if (action.conversion) out.conversion = await recordConversion(env, ctx, action.conversion)
      if (action.invoiceId) await dropDeferredInvoice(env.DB, ctx.programId, ctx.mode, action.invoiceId)
      return out
    }

    case 'invoice': {
      const c = action.conversion
      const waitUntil = event.created * 1000 + DEFER_FIRST_INVOICE_MS
      if (
        action.firstOfSubscription &&
        !c.click_id &&
        ctx.now < waitUntil &&
        !(await customerSignedUp(env.DB, ctx.programId, ctx.mode, c.customer_id))
      ) {
        await deferInvoice(env.DB, {
          programId: ctx.programId,
          mode: ctx.mode,
          conversion: c,
          dueAt: waitUntil,
        })
        return { deferred: { invoice: c.event_id, until: new Date(waitUntil).toISOString() } }
      }
      const conversion = await recordConversion(env, ctx, c)
      if (action.firstOfSubscription) await dropDeferredInvoice(env.DB, ctx.programId, ctx.mode, c.event_id)
      return { conversion }
    }

    case 'refund': {
      const conversionEventId = await conversionEventFor(env, ctx, {
        candidates: action.conversionEventIds,
        paymentIntentId: action.paymentIntentId,
      })
      if (!conversionEventId) return { ignored: true, reason: 'no recorded conversion for this charge' }
      const step = await refundStep(env.DB, {
        programId: ctx.programId,
        mode: ctx.mode,
        chargeId: action.chargeId,
        cumulative: action.cumulative,
        conversionEventId,
      })
      if (!step || step.amount <= 0) return { ignored: true, reason: 'this refund was already counted' }
      const refund = await hub.recordRefund(ctx, {
        event_id: refundEventId(action.chargeId, action.cumulative),
        conversion_event_id: step.conversionEventId,
        amount: step.amount,
      })
      return { refund: summary(refund) }
    }

    case 'dispute': {
      const conversionEventId = await conversionEventFor(env, ctx, {
        candidates: [],
        paymentIntentId: action.paymentIntentId,
      })
      if (!conversionEventId) return { ignored: true, reason: 'no recorded conversion for this dispute' }
      const result = await hub.applyDispute(ctx, {
        event_id: `dispute:${action.disputeId}:${action.step}`,
        dispute_id: action.disputeId,
        conversion_event_id: conversionEventId,
        step: action.step,
      })
      return { dispute: summary(result) }
    }

    case 'churn':
      await recordChurn(env.DB, { programId: ctx.programId, mode: ctx.mode, ...action })
      return { churn: { customer_id: action.customerId, subscription_id: action.subscriptionId } }

    case 'promotion_code': {
      const learned = await learnPromotionCode(
        env.DB,
        ctx.programId,
        ctx.mode,
        action.code,
        action.promotionCodeId,
      )
      return learned
        ? { promotion_code: { code: action.code.toLowerCase(), learned: true } }
        : { ignored: true, reason: 'no affiliate has this promotion code' }
    }

    case 'invoice_payment':
      await linkInvoicePayment(env.DB, ctx.programId, ctx.mode, action.paymentIntentId, action.invoiceId)
      return { invoice_payment: { invoice: action.invoiceId, payment_intent: action.paymentIntentId } }
  }
}

/**
 * Records first invoices whose wait for a checkout session is over (the session never came: a
 * subscription created some other way). Bounded per call; run after each delivery and by the cron.
 */
export async function flushDeferredInvoices(
  env: Env,
  programId: string | null,
  now: number,
  limit = 10,
): Promise<number> {
  const due = await dueDeferredInvoices(env.DB, programId, now, limit)
  for (const d of due) {
    const ctx: EventContext = { programId: d.programId, mode: d.mode, now }
    await recordConversion(env, ctx, d.conversion)
    await dropDeferredInvoice(env.DB, d.programId, d.mode, d.conversion.event_id)
  }
  return due.length
}
