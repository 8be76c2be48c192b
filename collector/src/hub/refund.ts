/** Plans a refund: reduce or reverse the commission, or claw back one already paid. */
import { applyRefund } from '../domain/commissions'
import { newId } from '../lib/crypto'
import type { RefundBody } from '../lib/schemas'
import type { CommissionStatus, RefundResult } from '../shared'
import { rollupStatement } from './d1-writes'
import type { LocalStore } from './local-store'
import type { HubProgram } from './program-config'
import { type EventContext, type EventPlan, type HubEvent, type HubResult, hubError } from './types'

interface ConversionRow {
  id: string
  affiliate_id: string | null
  sub: string | null
  amount: number
  currency: string
  refunded_amount: number
  commission_id: string | null
  commission_amount: number | null
  original_amount: number | null
  clawed_back: number | null
  commission_currency: string | null
  status: CommissionStatus | null
}

export async function planRefund(
  db: D1Database,
  store: LocalStore,
  program: HubProgram,
  ctx: EventContext,
  input: RefundBody,
): Promise<EventPlan<RefundResult> | HubResult<never>> {
  const conv = await db
    .prepare(
      `SELECT c.id, c.affiliate_id, c.sub, c.amount, c.currency, c.refunded_amount,
              m.id AS commission_id, m.amount AS commission_amount, m.original_amount, m.clawed_back,
              m.currency AS commission_currency, m.status
       FROM conversions c LEFT JOIN commissions m ON m.conversion_id = c.id AND m.kind = 'conversion'
       WHERE c.program_id = ? AND c.mode = ? AND c.event_id = ?`,
    )
    .bind(ctx.programId, ctx.mode, input.conversion_event_id)
    .first<ConversionRow>()
  if (!conv) return hubError('not_found', 'No conversion with that event id', 'conversion_event_id')
  const refundable = conv.amount - conv.refunded_amount
  if (refundable <= 0)
    return hubError('invalid_request', 'The conversion is already fully refunded', 'conversion_event_id')
  const amount = input.amount ?? refundable
  if (amount > refundable) {
    return hubError('invalid_request', `amount exceeds the refundable ${refundable}`, 'amount')
  }
  const hasCommission = conv.commission_id !== null && conv.status !== null
  const decision = applyRefund({
    conversionAmount: conv.amount,
    alreadyRefunded: conv.refunded_amount,
    refundAmount: amount,
    commission: hasCommission
      ? {
          // A paid commission's effective amount includes the clawbacks already raised against it.
          amount: (conv.commission_amount ?? 0) + (conv.status === 'paid' ? (conv.clawed_back ?? 0) : 0),
          originalAmount: conv.original_amount ?? 0,
          status: conv.status as CommissionStatus,
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
    db
      .prepare(
        'INSERT INTO refunds (id, program_id, mode, event_id, conversion_id, amount, commission_delta, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .bind(id, ctx.programId, ctx.mode, input.event_id, conv.id, amount, decision.delta, nowIso),
    db
      .prepare('UPDATE conversions SET refunded_amount = refunded_amount + ? WHERE id = ?')
      .bind(amount, conv.id),
    rollupStatement(db, { ...key, currency: '' }, { refunds: 1 }),
    rollupStatement(db, { ...key, currency: conv.currency }, { revenue: -amount }),
  ]
  let commission: RefundResult['refund']['commission'] = null
  if (hasCommission && decision.commission && conv.commission_id) {
    if (decision.clawback !== 0) {
      const clawbackId = newId('com')
      statements.push(
        db
          .prepare(
            `INSERT INTO commissions (id, program_id, mode, affiliate_id, conversion_id, kind, amount, original_amount, currency, status, reason, due_at, created_at, updated_at)
             VALUES (?, ?, ?, ?, ?, 'clawback', ?, ?, ?, 'approved', 'refund_after_payment', ?, ?, ?)`,
          )
          .bind(
            clawbackId,
            ctx.programId,
            ctx.mode,
            conv.affiliate_id,
            conv.id,
            decision.clawback,
            decision.clawback,
            commissionCurrency,
            nowIso,
            nowIso,
            nowIso,
          ),
        db
          .prepare('UPDATE commissions SET clawed_back = clawed_back + ?, updated_at = ? WHERE id = ?')
          .bind(decision.clawback, nowIso, conv.commission_id),
      )
      commission = {
        id: clawbackId,
        amount: decision.clawback,
        currency: commissionCurrency,
        status: 'approved',
      }
    } else {
      statements.push(
        db
          .prepare('UPDATE commissions SET amount = ?, status = ?, updated_at = ? WHERE id = ?')
          .bind(decision.commission.amount, decision.commission.status, nowIso, conv.commission_id),
      )
      commission = {
        id: conv.commission_id,
        amount: decision.commission.amount,
        currency: commissionCurrency,
        status: decision.commission.status,
      }
    }
    if (decision.delta !== 0) {
      statements.push(
        rollupStatement(db, { ...key, currency: commissionCurrency }, { commission: decision.delta }),
      )
    }
  }
  const body: RefundResult = { refund: { id, amount, commission } }
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
    commit: () => {
      store.addTotals(ctx.mode, conv.affiliate_id, '', { refunds: 1 })
      store.addTotals(ctx.mode, conv.affiliate_id, conv.currency, { revenue: -amount })
      if (decision.delta !== 0)
        store.addTotals(ctx.mode, conv.affiliate_id, commissionCurrency, { commission: decision.delta })
    },
  }
}
