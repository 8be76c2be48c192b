/**
 * Plans a conversion: attribute it, compute the commission (the rule, promotion and bonus that
 * apply at the conversion's time, recorded with it), record its `created` history, and count
 * the revenue.
 */

import { sql } from 'drizzle-orm'
import { checkConversion } from '../alerts/fraud-check'
import type { FraudMemory } from '../alerts/fraud-memory'
import { alertParts } from '../alerts/plan'
import { historyStmt } from '../commissions/history'
import { prepared, qb } from '../db/builder'
import { commissions, conversions } from '../db/schema'
import { mergeCustomer } from '../domain/attribution'
import { computeCommission } from '../domain/commissions'
import { newId } from '../lib/crypto'
import type { ConversionBody } from '../lib/schemas'
import type { ConversionResult } from '../shared'
import { customerStatement, rollupStatement } from './d1-writes'
import type { LocalStore } from './local-store'
import { commissionPlan, type HubProgram } from './program-config'
import { resolveAttribution } from './resolve-attribution'
import type { EventContext, EventPlan, HubEvent } from './types'

const p = sql.placeholder

/** Built once and filled per conversion (db/builder.ts, prepared). */
const conversionInsert = prepared(() =>
  qb.insert(conversions).values({
    id: p('id'),
    programId: p('programId'),
    mode: p('mode'),
    eventId: p('eventId'),
    customerId: p('customerId'),
    affiliateId: p('affiliateId'),
    clickId: p('clickId'),
    sub: p('sub'),
    amount: p('amount'),
    currency: p('currency'),
    metadata: p('metadata'),
    occurredAt: p('occurredAt'),
    createdAt: p('createdAt'),
  }),
)

const commissionInsert = prepared(() =>
  qb.insert(commissions).values({
    id: p('id'),
    programId: p('programId'),
    mode: p('mode'),
    affiliateId: p('affiliateId'),
    conversionId: p('conversionId'),
    kind: p('kind'),
    amount: p('amount'),
    originalAmount: p('originalAmount'),
    bonus: p('bonus'),
    currency: p('currency'),
    status: p('status'),
    reason: p('reason'),
    dueAt: p('dueAt'),
    rule: p('rule'),
    createdAt: p('createdAt'),
    updatedAt: p('updatedAt'),
  }),
)

export function planConversion(
  store: LocalStore,
  program: HubProgram,
  ctx: EventContext,
  input: ConversionBody,
  fraud?: FraudMemory,
): EventPlan<ConversionResult> {
  const at = input.occurred_at ? Date.parse(input.occurred_at) : ctx.now
  const customer = input.customer_id ? store.customer(ctx.mode, input.customer_id) : null
  const result = resolveAttribution(store, program, ctx.mode, customer, input, at)
  const { affiliate, affiliateRef: affRef, sub } = result
  const firstConversionAt = customer?.first_conversion_at ?? null

  // Fraud rules (alerts/fraud-check.ts): the customer's facts from signup, the click's flags and
  // the email rule hold the commission with its reasons; outliers and bursts raise alerts.
  const verdict = fraud
    ? checkConversion(
        fraud,
        program,
        ctx.mode,
        ctx.now,
        input,
        customer?.email_hash ?? null,
        affiliate,
        customer?.click_id ?? result.clickId,
        at,
      )
    : null
  const selfReferral = verdict
    ? verdict.reason !== null
    : !!affiliate && !!customer?.email_hash && customer.email_hash === affiliate.emailHash
  const holdReason = selfReferral ? (verdict?.reason ?? 'self_referral') : null
  const decision = affiliate
    ? computeCommission({
        plan: commissionPlan(program, affiliate, at),
        amount: input.amount,
        currency: input.currency,
        at,
        firstConversionAt,
        clickAt: result.clickAt,
        flagged: selfReferral,
      })
    : null

  const id = newId('cnv')
  const commissionId = decision ? newId('com') : null
  const iso = new Date(at).toISOString()
  const nowIso = new Date(ctx.now).toISOString()
  const body: ConversionResult = {
    conversion: {
      id,
      event_id: input.event_id,
      affiliate: affRef,
      commission:
        decision && commissionId
          ? {
              id: commissionId,
              amount: decision.amount,
              currency: decision.currency,
              status: decision.status,
            }
          : null,
    },
  }
  const key = { programId: ctx.programId, mode: ctx.mode, affiliateId: affiliate?.id ?? null, sub, at }
  const statements = [
    conversionInsert({
      id,
      programId: ctx.programId,
      mode: ctx.mode,
      eventId: input.event_id,
      customerId: input.customer_id ?? null,
      affiliateId: affiliate?.id ?? null,
      clickId: customer?.click_id ?? result.clickId,
      sub,
      amount: input.amount,
      currency: input.currency,
      metadata: input.metadata ? JSON.stringify(input.metadata) : null,
      occurredAt: iso,
      createdAt: nowIso,
    }),
    rollupStatement({ ...key, currency: input.currency }, { conversions: 1, revenue: input.amount }),
  ]
  if (input.customer_id) {
    statements.push(
      customerStatement({
        programId: ctx.programId,
        mode: ctx.mode,
        customerId: input.customer_id,
        affiliateId: affiliate?.id ?? null,
        clickId: result.clickId,
        sub,
        firstConversionAt: iso,
        at: nowIso,
      }),
    )
  }
  if (decision && commissionId && affiliate) {
    statements.push(
      commissionInsert({
        id: commissionId,
        programId: ctx.programId,
        mode: ctx.mode,
        affiliateId: affiliate.id,
        conversionId: id,
        kind: 'conversion',
        amount: decision.amount,
        originalAmount: decision.amount,
        bonus: decision.bonus,
        currency: decision.currency,
        status: decision.status,
        reason: holdReason,
        dueAt: new Date(decision.dueAt).toISOString(),
        rule: JSON.stringify(decision.rule),
        createdAt: nowIso,
        updatedAt: nowIso,
      }),
      historyStmt({
        programId: ctx.programId,
        mode: ctx.mode,
        commissionId,
        type: 'created',
        status: decision.status,
        amount: decision.amount,
        reason: holdReason,
        actor: 'event',
        refId: id,
        at: ctx.now,
      }),
      rollupStatement({ ...key, currency: decision.currency }, { commission: decision.amount }),
    )
  }
  const events: HubEvent[] = [
    {
      type: 'conversion',
      mode: ctx.mode,
      at,
      affiliate: affRef,
      amount: input.amount,
      currency: input.currency,
    },
  ]
  if (decision) {
    events.push({
      type: 'commission',
      mode: ctx.mode,
      at,
      affiliate: affRef,
      amount: decision.amount,
      currency: decision.currency,
      status: decision.status,
    })
  }
  if (selfReferral && !verdict) {
    events.push({
      type: 'alert',
      mode: ctx.mode,
      at,
      affiliate: affRef,
      message: `Self-referral: customer ${input.customer_id} has the affiliate's own email; commission put on hold`,
    })
  }
  const raised = alertParts(ctx, verdict?.alerts ?? [])
  statements.push(...raised.statements)
  events.push(...raised.events)
  return {
    statements,
    body,
    events,
    webhooks: [{ type: 'conversion.created', data: body.conversion }, ...raised.webhooks],
    local: {
      customers: input.customer_id
        ? [
            {
              mode: ctx.mode,
              customer_id: input.customer_id,
              ...mergeCustomer(customer, {
                affiliate_id: affiliate?.id ?? null,
                click_id: result.clickId,
                click_at: result.clickAt,
                sub,
                email_hash: null,
                first_conversion_at: at,
                signup_event_id: null,
              }),
            },
          ]
        : [],
      totals: [
        {
          mode: ctx.mode,
          affiliateId: affiliate?.id ?? null,
          currency: input.currency,
          delta: { conversions: 1, revenue: input.amount },
        },
        ...(decision
          ? [
              {
                mode: ctx.mode,
                affiliateId: affiliate?.id ?? null,
                currency: decision.currency,
                delta: { commission: decision.amount },
              },
            ]
          : []),
      ],
    },
  }
}
