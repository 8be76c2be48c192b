/** Plans a refund: reduce or reverse the commission, or claw back one already paid. */
import { and, eq, sql } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/d1'
import { qb, toStmt } from '../db/builder'
import { commissions, conversions, refunds } from '../db/schema'
import { applyRefund } from '../domain/commissions'
import { newId } from '../lib/crypto'
import type { RefundBody } from '../lib/schemas'
import type { CommissionStatus, RefundResult } from '../shared'
import { rollupStatement } from './d1-writes'
import type { HubProgram } from './program-config'
import {
  type EventContext,
  type EventPlan,
  type HubEvent,
  type HubResult,
  hubError,
  type TotalsChange,
} from './types'

/** The refunded conversion with its own commission (not its clawbacks). */
function findConversion(db: D1Database, ctx: EventContext, eventId: string) {
  return drizzle(db)
    .select({
      id: conversions.id,
      affiliate_id: conversions.affiliateId,
      sub: conversions.sub,
      amount: conversions.amount,
      currency: conversions.currency,
      refunded_amount: conversions.refundedAmount,
      commission_id: commissions.id,
      commission_amount: commissions.amount,
      original_amount: commissions.originalAmount,
      clawed_back: commissions.clawedBack,
      commission_currency: commissions.currency,
      status: commissions.status,
      payout_id: commissions.payoutId,
    })
    .from(conversions)
    .leftJoin(
      commissions,
      and(eq(commissions.conversionId, conversions.id), eq(commissions.kind, 'conversion')),
    )
    .where(
      and(
        eq(conversions.programId, ctx.programId),
        eq(conversions.mode, ctx.mode),
        eq(conversions.eventId, eventId),
      ),
    )
    .get()
}

export async function planRefund(
  db: D1Database,
  program: HubProgram,
  ctx: EventContext,
  input: RefundBody,
): Promise<EventPlan<RefundResult> | HubResult<never>> {
  const conv = await findConversion(db, ctx, input.conversion_event_id)
  if (!conv) return hubError('not_found', 'No conversion with that event id', 'conversion_event_id')
  const refundable = conv.amount - conv.refunded_amount
  if (refundable <= 0)
    return hubError('invalid_request', 'The conversion is already fully refunded', 'conversion_event_id')
  const amount = input.amount ?? refundable
  if (amount > refundable) {
    return hubError('invalid_request', `amount exceeds the refundable ${refundable}`, 'amount')
  }
  const hasCommission = conv.commission_id !== null && conv.status !== null
  // A commission in a pending payout is refunded as if paid (the founder may be sending the money
  // already): the payout stays as prepared and a clawback carries the difference to the next one.
  const paidOrLocked = conv.status === 'paid' || (conv.status === 'approved' && conv.payout_id !== null)
  const decision = applyRefund({
    conversionAmount: conv.amount,
    alreadyRefunded: conv.refunded_amount,
    refundAmount: amount,
    commission: hasCommission
      ? {
          // A paid commission's effective amount includes the clawbacks already raised against it.
          amount: (conv.commission_amount ?? 0) + (paidOrLocked ? (conv.clawed_back ?? 0) : 0),
          originalAmount: conv.original_amount ?? 0,
          status: paidOrLocked ? 'paid' : (conv.status as CommissionStatus),
        }
      : null,
  })
  const id = newId('rfd')
  const nowIso = new Date(ctx.now).toISOString()
  const affiliate = conv.affiliate_id ? (program.byId.get(conv.affiliate_id) ?? null) : null
  const affRef = affiliate ? { id: affiliate.id, code: affiliate.code } : null
  const key = {
    programId: ctx.programId,
    mode: ctx.mode,
    affiliateId: conv.affiliate_id,
    sub: conv.sub,
    at: ctx.now,
  }
  const commissionCurrency = conv.commission_currency ?? conv.currency

  const statements = [
    toStmt(
      qb.insert(refunds).values({
        id,
        programId: ctx.programId,
        mode: ctx.mode,
        eventId: input.event_id,
        conversionId: conv.id,
        amount,
        commissionDelta: decision.delta,
        createdAt: nowIso,
      }),
    ),
    toStmt(
      qb
        .update(conversions)
        .set({ refundedAmount: sql`${conversions.refundedAmount} + ${amount}` })
        .where(eq(conversions.id, conv.id)),
    ),
    rollupStatement({ ...key, currency: '' }, { refunds: 1 }),
    rollupStatement({ ...key, currency: conv.currency }, { revenue: -amount }),
  ]
  let commission: RefundResult['refund']['commission'] = null
  if (hasCommission && decision.commission && conv.commission_id) {
    if (decision.clawback !== 0) {
      const clawbackId = newId('com')
      statements.push(
        toStmt(
          qb.insert(commissions).values({
            id: clawbackId,
            programId: ctx.programId,
            mode: ctx.mode,
            affiliateId: conv.affiliate_id ?? '',
            conversionId: conv.id,
            kind: 'clawback',
            amount: decision.clawback,
            originalAmount: decision.clawback,
            currency: commissionCurrency,
            status: 'approved',
            reason: 'refund_after_payment',
            dueAt: nowIso,
            createdAt: nowIso,
            updatedAt: nowIso,
          }),
        ),
        toStmt(
          qb
            .update(commissions)
            .set({ clawedBack: sql`${commissions.clawedBack} + ${decision.clawback}`, updatedAt: nowIso })
            .where(eq(commissions.id, conv.commission_id)),
        ),
      )
      commission = {
        id: clawbackId,
        amount: decision.clawback,
        currency: commissionCurrency,
        status: 'approved',
      }
    } else {
      // No clawback needed: a locked commission keeps its own status until its payout is paid.
      const status = paidOrLocked ? (conv.status as CommissionStatus) : decision.commission.status
      statements.push(
        toStmt(
          qb
            .update(commissions)
            .set({
              amount: decision.commission.amount,
              status,
              updatedAt: nowIso,
            })
            .where(eq(commissions.id, conv.commission_id)),
        ),
      )
      commission = {
        id: conv.commission_id,
        amount: decision.commission.amount,
        currency: commissionCurrency,
        status,
      }
    }
    if (decision.delta !== 0) {
      statements.push(
        rollupStatement({ ...key, currency: commissionCurrency }, { commission: decision.delta }),
      )
    }
  }
  const body: RefundResult = { refund: { id, amount, commission } }
  const totals: TotalsChange[] = [
    { mode: ctx.mode, affiliateId: conv.affiliate_id, currency: '', delta: { refunds: 1 } },
    { mode: ctx.mode, affiliateId: conv.affiliate_id, currency: conv.currency, delta: { revenue: -amount } },
  ]
  if (decision.delta !== 0) {
    totals.push({
      mode: ctx.mode,
      affiliateId: conv.affiliate_id,
      currency: commissionCurrency,
      delta: { commission: decision.delta },
    })
  }
  const events: HubEvent[] = [
    { type: 'refund', mode: ctx.mode, at: ctx.now, affiliate: affRef, amount, currency: conv.currency },
  ]
  if (commission) {
    events.push({
      type: 'commission',
      mode: ctx.mode,
      at: ctx.now,
      affiliate: affRef,
      amount: commission.amount,
      currency: commission.currency,
      status: commission.status,
    })
  }
  return {
    statements,
    body,
    events,
    webhooks: [
      { type: 'refund.created', data: body.refund },
      ...(commission ? [{ type: 'commission.updated' as const, data: { commission } }] : []),
    ],
    local: { totals },
  }
}
