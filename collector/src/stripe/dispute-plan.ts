/**
 * Plans a dispute step on the commission of the disputed conversion. Runs in the hub (like a
 * refund) so the commission, the D1 rollups, the live counters and the `commission` message agree.
 *
 * - `open`: the commission goes `on_hold` (reason `dispute`); the status it had is kept in
 *   `stripe_disputes`. A commission already paid stays paid (the money left); a reversed or
 *   rejected one has nothing left to hold.
 * - `lost`: the held commission is `reversed` (amount 0); one already paid gets a clawback of
 *   what is left of it, as a refund after payout does.
 * - `won`: the commission goes back to the status (and reason) it had before the dispute.
 *
 * Each step happens at most once per dispute: a repeated or out-of-order step plans nothing.
 */

import { historyStmt } from '../commissions/history'
import { commissionJson } from '../hub/commission-status'
import { rollupStatement } from '../hub/d1-writes'
import {
  type EventContext,
  type EventPlan,
  type HubEvent,
  type HubResult,
  hubError,
  type Stmt,
  stmt,
} from '../hub/types'
import { newId } from '../lib/crypto'
import type { CommissionRecord, CommissionStatus } from '../shared'

export type DisputeStep = 'open' | 'won' | 'lost'

export interface DisputeInput {
  /** `dispute:<dispute id>:<step>`, the idempotency key of the step. */
  event_id: string
  dispute_id: string
  conversion_event_id: string
  step: DisputeStep
}

export interface DisputeResult {
  dispute: {
    id: string
    step: DisputeStep
    commission: { id: string; amount: number; currency: string; status: CommissionStatus } | null
  }
}

/** What the planner needs to know, read from D1 by the hub before planning. */
export interface DisputeState {
  commission: {
    id: string
    affiliate_id: string
    affiliate_code: string
    affiliate_name: string
    conversion_id: string
    kind: 'conversion' | 'clawback'
    original_amount: number
    due_at: string
    created_at: string
    updated_at: string
    amount: number
    clawed_back: number
    currency: string
    status: CommissionStatus
    reason: string | null
    sub: string | null
  } | null
  /** The row of this dispute, once it was opened. */
  dispute: {
    status: 'open' | 'won' | 'lost'
    previous_status: CommissionStatus
    previous_reason: string | null
  } | null
}

export async function loadDisputeState(
  db: D1Database,
  ctx: EventContext,
  input: DisputeInput,
): Promise<DisputeState | HubResult<never>> {
  const [convRows, commissionRows, disputeRows] = await db.batch([
    db
      .prepare('SELECT 1 AS one FROM conversions WHERE program_id = ? AND mode = ? AND event_id = ?')
      .bind(ctx.programId, ctx.mode, input.conversion_event_id),
    db
      .prepare(
        `SELECT m.id, m.affiliate_id, a.code AS affiliate_code, a.name AS affiliate_name, m.conversion_id, m.kind,
                m.original_amount, m.due_at, m.created_at, m.updated_at, m.amount, m.clawed_back, m.currency,
                -- In a payout (pending or paid) the commission is locked: a dispute treats it as paid
                -- (a lost one is clawed back from the next payout) rather than changing the line.
                CASE WHEN m.payout_id IS NOT NULL THEN 'paid' ELSE m.status END AS status, m.reason, c.sub
         FROM conversions c JOIN commissions m ON m.conversion_id = c.id AND m.kind = 'conversion'
         JOIN affiliates a ON a.id = m.affiliate_id
         WHERE c.program_id = ? AND c.mode = ? AND c.event_id = ?`,
      )
      .bind(ctx.programId, ctx.mode, input.conversion_event_id),
    db
      .prepare(
        'SELECT status, previous_status, previous_reason FROM stripe_disputes WHERE program_id = ? AND mode = ? AND dispute_id = ?',
      )
      .bind(ctx.programId, ctx.mode, input.dispute_id),
  ])
  if (!convRows?.results.length)
    return hubError('not_found', 'No conversion with that event id', 'conversion_event_id')
  return {
    commission: (commissionRows?.results[0] as DisputeState['commission']) ?? null,
    dispute: (disputeRows?.results[0] as DisputeState['dispute']) ?? null,
  }
}

/** Statuses a dispute may put on hold: the commission is still the program's to withhold. */
const HOLDABLE: CommissionStatus[] = ['pending', 'approved', 'on_hold']

export function planDispute(
  ctx: EventContext,
  input: DisputeInput,
  state: DisputeState,
): EventPlan<DisputeResult> {
  const nowIso = new Date(ctx.now).toISOString()
  const c = state.commission
  const statements: Stmt[] = []
  const events: HubEvent[] = []
  const totals: NonNullable<EventPlan<unknown>['local']['totals']> = []
  let commission: DisputeResult['dispute']['commission'] = c
    ? { id: c.id, amount: c.amount, currency: c.currency, status: c.status }
    : null
  const body = (): DisputeResult => ({ dispute: { id: input.dispute_id, step: input.step, commission } })
  const nothing = (): EventPlan<DisputeResult> => ({ statements, body: body(), local: {}, events })
  /** `commission.updated` for the founder's webhooks, with the record as it is after this step. */
  const webhooks: NonNullable<EventPlan<unknown>['webhooks']> = []
  const updated = (change: Partial<CommissionRecord>) => {
    if (!c) return
    const record: CommissionRecord = { ...commissionJson(c), ...change, updated_at: nowIso }
    webhooks.push({ type: 'commission.updated', data: { commission: record } })
    // The commission's history, in the same batch (a clawback is a new commission of its own).
    const clawback = change.kind === 'clawback'
    const base = { programId: ctx.programId, mode: ctx.mode, actor: 'dispute' as const, at: ctx.now }
    statements.push(
      historyStmt({
        ...base,
        commissionId: record.id,
        type: clawback
          ? 'created'
          : record.status === 'on_hold'
            ? 'on_hold'
            : record.status === 'reversed'
              ? 'reversed'
              : 'restored',
        status: record.status,
        amount: record.amount,
        reason: record.reason,
        refId: input.dispute_id,
      }),
    )
    if (clawback) {
      statements.push(
        historyStmt({
          ...base,
          commissionId: c.id,
          type: 'clawback',
          status: c.status,
          amount: c.amount,
          reason: 'dispute_lost',
          refId: record.id,
        }),
      )
    }
  }

  const rollup = (delta: number) =>
    c &&
    rollupStatement(
      {
        programId: ctx.programId,
        mode: ctx.mode,
        affiliateId: c.affiliate_id,
        sub: c.sub,
        at: ctx.now,
        currency: c.currency,
      },
      { commission: delta },
    )
  const announce = (amount: number, status: CommissionStatus) => {
    if (!c) return
    events.push({
      type: 'commission',
      mode: ctx.mode,
      at: ctx.now,
      affiliate: { id: c.affiliate_id, code: c.affiliate_code },
      amount,
      currency: c.currency,
      status,
    })
  }

  if (input.step === 'open') {
    if (state.dispute) return nothing()
    const previous = c?.status ?? 'reversed'
    statements.push(
      stmt(
        `INSERT OR IGNORE INTO stripe_disputes (program_id, mode, dispute_id, commission_id, previous_status, previous_reason, status, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, 'open', ?, ?)`,
        ctx.programId,
        ctx.mode,
        input.dispute_id,
        c?.id ?? '',
        previous,
        c?.reason ?? null,
        nowIso,
        nowIso,
      ),
    )
    if (c && HOLDABLE.includes(c.status) && !(c.status === 'on_hold' && c.reason === 'dispute')) {
      statements.push(
        stmt(
          "UPDATE commissions SET status = 'on_hold', reason = 'dispute', updated_at = ? WHERE id = ? AND payout_id IS NULL",
          nowIso,
          c.id,
        ),
      )
      commission = { id: c.id, amount: c.amount, currency: c.currency, status: 'on_hold' }
      announce(c.amount, 'on_hold')
      updated({ status: 'on_hold', reason: 'dispute' })
    }
    return { statements, body: body(), local: {}, events, webhooks }
  }

  // A close step needs the opened dispute (Stripe always sends `created` first; a `closed`
  // arriving first opens and closes it in one go).
  const opened = state.dispute ?? {
    status: 'open' as const,
    previous_status: c?.status ?? ('reversed' as CommissionStatus),
    previous_reason: c?.reason ?? null,
  }
  if (opened.status !== 'open') return nothing()
  statements.push(
    stmt(
      `INSERT INTO stripe_disputes (program_id, mode, dispute_id, commission_id, previous_status, previous_reason, status, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (program_id, mode, dispute_id) DO UPDATE SET status = excluded.status, updated_at = excluded.updated_at`,
      ctx.programId,
      ctx.mode,
      input.dispute_id,
      c?.id ?? '',
      opened.previous_status,
      opened.previous_reason,
      input.step,
      nowIso,
      nowIso,
    ),
  )
  if (!c) return nothing()

  if (input.step === 'won') {
    if (c.status === 'on_hold' && c.reason === 'dispute') {
      const back = opened.previous_status
      statements.push(
        stmt(
          'UPDATE commissions SET status = ?, reason = ?, updated_at = ? WHERE id = ? AND payout_id IS NULL',
          back,
          opened.previous_reason,
          nowIso,
          c.id,
        ),
      )
      commission = { id: c.id, amount: c.amount, currency: c.currency, status: back }
      announce(c.amount, back)
      updated({ status: back, reason: opened.previous_reason })
    }
    return { statements, body: body(), local: {}, events, webhooks }
  }

  // lost
  if (HOLDABLE.includes(c.status) && c.amount !== 0) {
    statements.push(
      stmt(
        "UPDATE commissions SET status = 'reversed', amount = 0, reason = 'dispute_lost', updated_at = ? WHERE id = ? AND payout_id IS NULL",
        nowIso,
        c.id,
      ),
    )
    const r = rollup(-c.amount)
    if (r) statements.push(r)
    totals.push({
      mode: ctx.mode,
      affiliateId: c.affiliate_id,
      currency: c.currency,
      delta: { commission: -c.amount },
    })
    commission = { id: c.id, amount: 0, currency: c.currency, status: 'reversed' }
    announce(c.amount, 'reversed')
    updated({ status: 'reversed', amount: 0, reason: 'dispute_lost' })
  } else if (c.status === 'paid' && c.amount + c.clawed_back > 0) {
    // Paid out already: claw back what is left of it, as a refund after payout does.
    const clawback = -(c.amount + c.clawed_back)
    const clawbackId = newId('com')
    statements.push(
      stmt(
        `INSERT INTO commissions (id, program_id, mode, affiliate_id, conversion_id, kind, amount, original_amount, currency, status, reason, due_at, created_at, updated_at)
         SELECT ?, ?, ?, ?, conversion_id, 'clawback', ?, ?, ?, 'approved', 'dispute_lost', ?, ?, ? FROM commissions WHERE id = ?`,
        clawbackId,
        ctx.programId,
        ctx.mode,
        c.affiliate_id,
        clawback,
        clawback,
        c.currency,
        nowIso,
        nowIso,
        nowIso,
        c.id,
      ),
      stmt(
        'UPDATE commissions SET clawed_back = clawed_back + ?, updated_at = ? WHERE id = ?',
        clawback,
        nowIso,
        c.id,
      ),
    )
    const r = rollup(clawback)
    if (r) statements.push(r)
    totals.push({
      mode: ctx.mode,
      affiliateId: c.affiliate_id,
      currency: c.currency,
      delta: { commission: clawback },
    })
    commission = { id: clawbackId, amount: clawback, currency: c.currency, status: 'approved' }
    announce(clawback, 'approved')
    updated({
      id: clawbackId,
      kind: 'clawback',
      amount: clawback,
      original_amount: clawback,
      status: 'approved',
      reason: 'dispute_lost',
      due_at: nowIso,
      created_at: nowIso,
    })
  }
  return { statements, body: body(), local: { totals }, events, webhooks }
}
