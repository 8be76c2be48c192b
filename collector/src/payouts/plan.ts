/**
 * The hub's payout operations, planned as data (`EventPlan`) and committed by `ProgramHub` one at
 * a time (`serial`), so two concurrent requests can never put one commission in two payouts.
 *
 * - create: gathers the payable balances (select.ts) into a `pending` payout and assigns their
 *   commissions to it, which locks them (approve/reject answer 409 while it is pending).
 * - paid: marks the payout and its commissions `paid`. Counters do not move (commission totals
 *   are net amounts, whatever their status); founder and affiliate hear a `commission` message
 *   per line and `payout.paid` goes out. Paying a paid payout again changes nothing.
 */
import type { HubProgram } from '../hub/program-config'
import { type EventContext, type EventPlan, type HubEvent, type HubResult, hubError } from '../hub/types'
import { newId } from '../lib/crypto'
import {
  assignStmt,
  findPayout,
  insertPayoutStmts,
  markPaidStmts,
  type PayoutItemRow,
  type PayoutRow,
  payoutBalances,
} from './data'
import { paidHistoryStmts } from './history'
import { selectPayable } from './select'

/** The operation's answer; the route reads the payout back from D1 (read-your-writes). */
export interface PayoutOpBody {
  payout_id: string | null
}

export async function planCreatePayout(
  db: D1Database,
  program: HubProgram,
  ctx: EventContext,
  periodEnd: number,
): Promise<EventPlan<PayoutOpBody>> {
  const periodEndIso = new Date(periodEnd).toISOString()
  const balances = await payoutBalances(db, ctx.programId, ctx.mode, periodEndIso)
  const payable = selectPayable(balances, program.settings.min_payout)
  if (!payable.length) return { statements: [], body: { payout_id: null }, local: {}, events: [] }
  const nowIso = new Date(ctx.now).toISOString()
  const payout: PayoutRow = {
    id: newId('po'),
    programId: ctx.programId,
    mode: ctx.mode,
    status: 'pending',
    periodEnd: periodEndIso,
    createdAt: nowIso,
    paidAt: null,
  }
  const items: PayoutItemRow[] = payable.map((b) => ({
    payoutId: payout.id,
    affiliateId: b.affiliateId,
    currency: b.currency,
    amount: b.amount,
    commissionCount: b.count,
  }))
  return {
    statements: [
      ...insertPayoutStmts(payout, items),
      ...payable.map((b) => assignStmt(payout, b.affiliateId, b.currency, nowIso)),
    ],
    body: { payout_id: payout.id },
    local: {},
    events: [],
  }
}

export async function planPayoutPaid(
  db: D1Database,
  ctx: EventContext,
  payoutId: string,
): Promise<EventPlan<PayoutOpBody> | HubResult<never>> {
  const payout = await findPayout(db, ctx.programId, ctx.mode, payoutId)
  if (!payout) return hubError('not_found', 'No payout with that id', 'id')
  if (payout.status === 'paid')
    return { statements: [], body: { payout_id: payout.id }, local: {}, events: [] }
  const nowIso = new Date(ctx.now).toISOString()
  const paid = { ...payout, status: 'paid' as const, paid_at: nowIso }
  const events: HubEvent[] = payout.items.map((i) => ({
    type: 'commission',
    mode: ctx.mode,
    at: ctx.now,
    affiliate: { id: i.affiliate.id, code: i.affiliate.code },
    amount: i.amount,
    currency: i.currency,
    status: 'paid',
  }))
  return {
    statements: [
      ...markPaidStmts(payout.id, nowIso),
      ...paidHistoryStmts(
        payout.id,
        payout.items.flatMap((i) => i.commission_ids),
        nowIso,
      ),
    ],
    body: { payout_id: payout.id },
    local: {},
    events,
    webhooks: [{ type: 'payout.paid', data: { payout: paid } }],
  }
}
