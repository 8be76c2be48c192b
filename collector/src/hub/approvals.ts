/**
 * Commissions whose hold period has ended become `approved`, decided by the hub (not behind its
 * back), so the dashboard and the affiliate's portal hear of it live and the commission webhook
 * goes out. `on_hold` commissions are never approved here: a person decides those.
 */
import { and, eq, inArray, isNull, lte } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/d1'
import { type CommissionActor, historyForIdsStmts } from '../commissions/history'
import { qb, toStmt } from '../db/builder'
import { affiliates, commissions } from '../db/schema'
import type { Mode } from '../shared'
import type { EventPlan, HubEvent, PlannedWebhook } from './types'

/**
 * Commissions approved per hub operation; the caller repeats while there are more. 50 keeps the
 * `IN (…)` list of one statement well under D1's 100 bound parameters per query.
 */
export const APPROVE_BATCH = 50

export interface DueCommission {
  id: string
  mode: Mode
  affiliate_id: string
  code: string
  amount: number
  currency: string
}

export function dueCommissions(db: D1Database, programId: string, now: number): Promise<DueCommission[]> {
  return drizzle(db)
    .select({
      id: commissions.id,
      mode: commissions.mode,
      affiliate_id: commissions.affiliateId,
      code: affiliates.code,
      amount: commissions.amount,
      currency: commissions.currency,
    })
    .from(commissions)
    .innerJoin(affiliates, eq(affiliates.id, commissions.affiliateId))
    .where(
      and(
        eq(commissions.programId, programId),
        eq(commissions.status, 'pending'),
        isNull(commissions.payoutId),
        lte(commissions.dueAt, new Date(now).toISOString()),
      ),
    )
    .orderBy(commissions.dueAt)
    .limit(APPROVE_BATCH)
    .all()
}

/** Programs that have commissions past their hold (for the hourly cron). */
export async function programsWithDueCommissions(db: D1Database, now: number): Promise<string[]> {
  const rows = await drizzle(db)
    .selectDistinct({ programId: commissions.programId })
    .from(commissions)
    .where(and(eq(commissions.status, 'pending'), lte(commissions.dueAt, new Date(now).toISOString())))
    .all()
  return rows.map((r) => r.programId)
}

/** Approves due commissions of one mode: status only, so no counter changes. */
export function planApprovals(
  rows: DueCommission[],
  now: number,
  actor: CommissionActor = 'hold_end',
): EventPlan<{ approved: string[] }> {
  const reason = actor === 'hold_end' ? 'hold_ended' : 'approved_in_bulk'
  const nowIso = new Date(now).toISOString()
  const events: HubEvent[] = rows.map((r) => ({
    type: 'commission',
    mode: r.mode,
    at: now,
    affiliate: { id: r.affiliate_id, code: r.code },
    amount: r.amount,
    currency: r.currency,
    status: 'approved',
  }))
  const webhooks: PlannedWebhook[] = rows.map((r) => ({
    type: 'commission.updated',
    data: {
      commission: {
        id: r.id,
        affiliate: { id: r.affiliate_id, code: r.code },
        amount: r.amount,
        currency: r.currency,
        status: 'approved',
        reason,
      },
    },
  }))
  return {
    statements: [
      toStmt(
        qb
          .update(commissions)
          .set({ status: 'approved', updatedAt: nowIso })
          .where(
            and(
              inArray(
                commissions.id,
                rows.map((r) => r.id),
              ),
              eq(commissions.status, 'pending'),
            ),
          ),
      ),
      ...historyForIdsStmts({ ids: rows.map((r) => r.id), type: 'approved', actor, reason, at: now }),
    ],
    body: { approved: rows.map((r) => r.id) },
    local: {},
    events,
    webhooks,
  }
}
