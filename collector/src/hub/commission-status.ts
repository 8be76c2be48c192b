/**
 * Approving and rejecting commissions by hand. Runs in the hub, one at a time with refunds, so
 * the D1 rollups, the hub's counters and the `commission` live message always agree. Commission
 * totals are net: rejecting subtracts the commission from them (its amount becomes 0, as when
 * reversed); approving changes only the status.
 */
import { and, eq, inArray, isNull } from 'drizzle-orm'
import { COMMISSION_SELECT, commissionJson, findCommissionRow } from '../commissions/data'
import { historyStmt } from '../commissions/history'
import { qb, toStmt } from '../db/builder'
import { commissions } from '../db/schema'
import type { CommissionRecord, CommissionStatus } from '../shared'
import { rollupStatement } from './d1-writes'
import { type EventContext, type EventPlan, type HubEvent, type HubResult, hubError } from './types'

export type CommissionAction = 'approve' | 'reject'

export { COMMISSION_SELECT, commissionJson }

const FROM: Record<CommissionAction, CommissionStatus[]> = {
  approve: ['pending', 'on_hold'],
  reject: ['pending', 'on_hold', 'approved'],
}

export async function planCommissionStatus(
  db: D1Database,
  ctx: EventContext,
  commissionId: string,
  action: CommissionAction,
  reason: string | null = null,
): Promise<EventPlan<{ commission: CommissionRecord }> | HubResult<never>> {
  const row = await findCommissionRow(db, ctx.programId, ctx.mode, commissionId)
  if (!row) return hubError('not_found', 'No commission with that id', 'id')
  const target: CommissionStatus = action === 'approve' ? 'approved' : 'rejected'
  // In a payout (pending or paid) a commission is locked: no hand-made change at all.
  if (row.payout_id)
    return hubError('conflict', `The commission is in payout ${row.payout_id}; it cannot be ${target}`)
  if (row.status === target) {
    return { statements: [], body: { commission: commissionJson(row) }, events: [], local: {} }
  }
  if (row.kind === 'clawback')
    return hubError('conflict', 'A clawback follows its refund; it cannot be approved or rejected')
  if (!FROM[action].includes(row.status) || row.payout_id)
    return hubError('conflict', `A commission that is ${row.status} cannot be ${target}`)

  const nowIso = new Date(ctx.now).toISOString()
  const amount = action === 'reject' ? 0 : row.amount
  const delta = amount - row.amount
  const statements = [
    toStmt(
      qb
        .update(commissions)
        .set({ status: target, amount, updatedAt: nowIso, ...(reason ? { reason } : {}) })
        // Guarded by the statuses we may leave (the hourly cron may have approved it meanwhile).
        .where(
          and(
            eq(commissions.id, row.id),
            isNull(commissions.payoutId),
            inArray(commissions.status, FROM[action]),
          ),
        ),
    ),
    historyStmt({
      programId: ctx.programId,
      mode: ctx.mode,
      commissionId: row.id,
      type: action === 'approve' ? 'approved' : 'rejected',
      status: target,
      amount,
      reason,
      actor: 'founder',
      at: ctx.now,
    }),
  ]
  if (delta !== 0) {
    statements.push(
      rollupStatement(
        {
          programId: ctx.programId,
          mode: ctx.mode,
          affiliateId: row.affiliate_id,
          sub: row.sub,
          at: ctx.now,
          currency: row.currency,
        },
        { commission: delta },
      ),
    )
  }
  const updated: CommissionRecord = {
    ...commissionJson(row),
    status: target,
    amount,
    updated_at: nowIso,
    ...(reason ? { reason } : {}),
  }
  const event: HubEvent = {
    type: 'commission',
    mode: ctx.mode,
    at: ctx.now,
    affiliate: { id: row.affiliate_id, code: row.affiliate_code },
    // The commission's value, also when rejected (its amount is then 0 and the status says why).
    amount: row.amount,
    currency: row.currency,
    status: target,
  }
  return {
    statements,
    body: { commission: updated },
    events: [event],
    webhooks: [{ type: 'commission.updated', data: { commission: updated } }],
    local: {
      totals:
        delta !== 0
          ? [
              {
                mode: ctx.mode,
                affiliateId: row.affiliate_id,
                currency: row.currency,
                delta: { commission: delta },
              },
            ]
          : [],
    },
  }
}
