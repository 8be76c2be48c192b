/**
 * Plans a refund: reduce or reverse the commission, or claw back one already paid; and when it
 * refunds the customer's first payment in full, reverse (or claw back) their signup reward too.
 * Every commission it changes gets its history row in the same batch.
 */
import { and, asc, eq, sql } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/d1'
import { historyStmt } from '../commissions/history'
import { qb, toStmt } from '../db/builder'
import { commissions, conversions, refunds, signups } from '../db/schema'
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
  type PlannedWebhook,
  type Stmt,
  type TotalsChange,
} from './types'

/** The refunded conversion with its own commission (not its clawbacks). */
function findConversion(db: D1Database, ctx: EventContext, eventId: string) {
  return drizzle(db)
    .select({
      id: conversions.id,
      customer_id: conversions.customerId,
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

/** The customer's signup reward, when `conversionId` is their first payment. */
async function signupRewardOfFirstPayment(
  db: D1Database,
  ctx: EventContext,
  customerId: string,
  conversionId: string,
) {
  const d = drizzle(db)
  const first = await d
    .select({ id: conversions.id })
    .from(conversions)
    .where(
      and(
        eq(conversions.programId, ctx.programId),
        eq(conversions.mode, ctx.mode),
        eq(conversions.customerId, customerId),
      ),
    )
    .orderBy(asc(conversions.occurredAt), asc(conversions.createdAt), asc(conversions.id))
    .limit(1)
    .get()
  if (first?.id !== conversionId) return undefined
  return d
    .select({
      id: commissions.id,
      signup_id: signups.id,
      affiliate_id: commissions.affiliateId,
      sub: signups.sub,
      amount: commissions.amount,
      original_amount: commissions.originalAmount,
      clawed_back: commissions.clawedBack,
      currency: commissions.currency,
      status: commissions.status,
      payout_id: commissions.payoutId,
    })
    .from(commissions)
    .innerJoin(signups, eq(signups.id, commissions.conversionId))
    .where(
      and(
        eq(commissions.programId, ctx.programId),
        eq(commissions.mode, ctx.mode),
        eq(commissions.kind, 'signup'),
        eq(signups.customerId, customerId),
      ),
    )
    .get()
}

interface RefundedCommission {
  id: string
  /** The conversion (or, for a signup reward, the signup) a clawback is raised on. */
  sourceId: string
  affiliateId: string
  sub: string | null
  amount: number
  originalAmount: number
  clawedBack: number
  currency: string
  status: CommissionStatus
  payoutId: string | null
}

interface CommissionChangePlan {
  statements: Stmt[]
  totals: TotalsChange[]
  commission: { id: string; amount: number; currency: string; status: CommissionStatus }
  delta: number
}

/** How a refund changes one commission: reduced, reversed, or a clawback when already paid. */
function refundCommission(
  ctx: EventContext,
  refundId: string,
  c: RefundedCommission,
  money: { conversionAmount: number; alreadyRefunded: number; refundAmount: number },
): CommissionChangePlan | null {
  // A commission in a pending payout is refunded as if paid (the founder may be sending the money
  // already): the payout stays as prepared and a clawback carries the difference to the next one.
  const paidOrLocked = c.status === 'paid' || (c.status === 'approved' && c.payoutId !== null)
  const decision = applyRefund({
    ...money,
    commission: {
      // A paid commission's effective amount includes the clawbacks already raised against it.
      amount: c.amount + (paidOrLocked ? c.clawedBack : 0),
      originalAmount: c.originalAmount,
      status: paidOrLocked ? 'paid' : c.status,
    },
  })
  if (!decision.commission) return null
  const nowIso = new Date(ctx.now).toISOString()
  const statements: Stmt[] = []
  const base = { programId: ctx.programId, mode: ctx.mode, actor: 'refund' as const, at: ctx.now }
  let commission: CommissionChangePlan['commission']
  if (decision.clawback !== 0) {
    const clawbackId = newId('com')
    statements.push(
      toStmt(
        qb.insert(commissions).values({
          id: clawbackId,
          programId: ctx.programId,
          mode: ctx.mode,
          affiliateId: c.affiliateId,
          conversionId: c.sourceId,
          kind: 'clawback',
          amount: decision.clawback,
          originalAmount: decision.clawback,
          currency: c.currency,
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
          .where(eq(commissions.id, c.id)),
      ),
      historyStmt({
        ...base,
        commissionId: clawbackId,
        type: 'created',
        status: 'approved',
        amount: decision.clawback,
        reason: 'refund_after_payment',
        refId: refundId,
      }),
      historyStmt({
        ...base,
        commissionId: c.id,
        type: 'clawback',
        status: c.status,
        amount: c.amount,
        reason: `refund ${refundId}`,
        refId: clawbackId,
      }),
    )
    commission = { id: clawbackId, amount: decision.clawback, currency: c.currency, status: 'approved' }
  } else if (paidOrLocked) {
    // Nothing is due back (the pro-rata target still covers what was paid). Its `amount` is what
    // its payout holds and stays so; the decision's amount above includes the clawbacks, and
    // writing it here shrank a paid commission below its payout line.
    commission = { id: c.id, amount: c.amount, currency: c.currency, status: c.status }
  } else {
    const status = decision.commission.status
    statements.push(
      toStmt(
        qb
          .update(commissions)
          .set({ amount: decision.commission.amount, status, updatedAt: nowIso })
          .where(eq(commissions.id, c.id)),
      ),
    )
    if (decision.delta !== 0 || status !== c.status) {
      statements.push(
        historyStmt({
          ...base,
          commissionId: c.id,
          type: status === 'reversed' ? 'reversed' : 'reduced',
          status,
          amount: decision.commission.amount,
          reason: `refund ${refundId}`,
          refId: refundId,
        }),
      )
    }
    commission = { id: c.id, amount: decision.commission.amount, currency: c.currency, status }
  }
  const totals: TotalsChange[] = []
  if (decision.delta !== 0) {
    statements.push(
      rollupStatement(
        {
          programId: ctx.programId,
          mode: ctx.mode,
          affiliateId: c.affiliateId,
          sub: c.sub,
          at: ctx.now,
          currency: c.currency,
        },
        { commission: decision.delta },
      ),
    )
    totals.push({
      mode: ctx.mode,
      affiliateId: c.affiliateId,
      currency: c.currency,
      delta: { commission: decision.delta },
    })
  }
  return { statements, totals, commission, delta: decision.delta }
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

  const own =
    conv.commission_id !== null && conv.status !== null
      ? refundCommission(
          ctx,
          id,
          {
            id: conv.commission_id,
            sourceId: conv.id,
            affiliateId: conv.affiliate_id ?? '',
            sub: conv.sub,
            amount: conv.commission_amount ?? 0,
            originalAmount: conv.original_amount ?? 0,
            clawedBack: conv.clawed_back ?? 0,
            currency: conv.commission_currency ?? conv.currency,
            status: conv.status,
            payoutId: conv.payout_id,
          },
          { conversionAmount: conv.amount, alreadyRefunded: conv.refunded_amount, refundAmount: amount },
        )
      : null

  // The customer's first payment refunded in full: their signup reward goes too.
  const fullyRefunded = conv.amount - conv.refunded_amount - amount <= 0
  const reward =
    fullyRefunded && conv.customer_id
      ? await signupRewardOfFirstPayment(db, ctx, conv.customer_id, conv.id)
      : undefined
  const signupChange = reward
    ? refundCommission(
        ctx,
        id,
        {
          id: reward.id,
          sourceId: reward.signup_id,
          affiliateId: reward.affiliate_id,
          sub: reward.sub,
          amount: reward.amount,
          originalAmount: reward.original_amount,
          clawedBack: reward.clawed_back,
          currency: reward.currency,
          status: reward.status,
          payoutId: reward.payout_id,
        },
        { conversionAmount: 1, alreadyRefunded: 0, refundAmount: 1 },
      )
    : null
  // Already reversed or rejected: nothing changes, nothing to announce.
  const signup = signupChange && signupChange.delta !== 0 ? signupChange : null

  const statements: Stmt[] = [
    toStmt(
      qb.insert(refunds).values({
        id,
        programId: ctx.programId,
        mode: ctx.mode,
        eventId: input.event_id,
        conversionId: conv.id,
        amount,
        commissionDelta: (own?.delta ?? 0) + (signup?.delta ?? 0),
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
    ...(own?.statements ?? []),
    ...(signup?.statements ?? []),
  ]
  const commission = own?.commission ?? null
  const body: RefundResult = { refund: { id, amount, commission } }
  const totals: TotalsChange[] = [
    { mode: ctx.mode, affiliateId: conv.affiliate_id, currency: '', delta: { refunds: 1 } },
    { mode: ctx.mode, affiliateId: conv.affiliate_id, currency: conv.currency, delta: { revenue: -amount } },
    ...(own?.totals ?? []),
    ...(signup?.totals ?? []),
  ]
  const events: HubEvent[] = [
    { type: 'refund', mode: ctx.mode, at: ctx.now, affiliate: affRef, amount, currency: conv.currency },
  ]
  const webhooks: PlannedWebhook[] = [{ type: 'refund.created', data: body.refund }]
  for (const changed of [own?.commission, signup?.commission]) {
    if (!changed) continue
    const owner = changed === signup?.commission && reward ? program.byId.get(reward.affiliate_id) : affiliate
    events.push({
      type: 'commission',
      mode: ctx.mode,
      at: ctx.now,
      affiliate: owner ? { id: owner.id, code: owner.code } : affRef,
      amount: changed.amount,
      currency: changed.currency,
      status: changed.status,
    })
    webhooks.push({ type: 'commission.updated', data: { commission: changed } })
  }
  return { statements, body, events, webhooks, local: { totals } }
}
