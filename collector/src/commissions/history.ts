/**
 * A commission's status history (`commission_events`): the statements that record a change.
 * They are planned with the change itself and join the same hub batch, so the history and the
 * commission can never disagree; nothing writes history on its own.
 */
import { sql } from 'drizzle-orm'
import { prepared, qb } from '../db/builder'
import { commissionEvents } from '../db/schema'
import type { Stmt } from '../hub/types'
import { newId } from '../lib/crypto'
import type { CommissionEventType, CommissionStatus, Mode } from '../shared'

export type CommissionActor = 'founder' | 'hold_end' | 'refund' | 'payout' | 'dispute' | 'event'

export interface CommissionChange {
  programId: string
  mode: Mode
  commissionId: string
  type: CommissionEventType
  /** Status and amount after the change. */
  status: CommissionStatus
  amount: number
  reason?: string | null
  actor: CommissionActor
  refId?: string | null
  /** ms */
  at: number
  /** Orders several changes of one commission planned in the same batch. */
  seq?: number
}

const p = sql.placeholder

const historyInsert = prepared(() =>
  qb.insert(commissionEvents).values({
    id: p('id'),
    programId: p('programId'),
    mode: p('mode'),
    commissionId: p('commissionId'),
    type: p('type'),
    status: p('status'),
    amount: p('amount'),
    reason: p('reason'),
    actor: p('actor'),
    refId: p('refId'),
    seq: p('seq'),
    at: p('at'),
  }),
)

export function historyStmt(c: CommissionChange): Stmt {
  return historyInsert({
    id: newId('che'),
    programId: c.programId,
    mode: c.mode,
    commissionId: c.commissionId,
    type: c.type,
    status: c.status,
    amount: c.amount,
    reason: c.reason ?? null,
    actor: c.actor,
    refId: c.refId ?? null,
    seq: c.seq ?? 0,
    at: new Date(c.at).toISOString(),
  })
}

/** Ids per statement: D1 binds at most 100 parameters. */
const IDS_PER_STMT = 50

/**
 * History rows for many commissions changed by one statement (approvals, a payout marked
 * paid), read from the commissions themselves: place them after the change in the batch, so
 * status and amount are the new ones.
 */
export function historyForIdsStmts(c: {
  ids: string[]
  type: CommissionEventType
  actor: CommissionActor
  reason?: string | null
  refId?: string | null
  at: number
}): Stmt[] {
  const out: Stmt[] = []
  const at = new Date(c.at).toISOString()
  for (let i = 0; i < c.ids.length; i += IDS_PER_STMT) {
    const ids = c.ids.slice(i, i + IDS_PER_STMT)
    out.push({
      // Raw SQL: INSERT … SELECT over the changed rows; the id is random like newId's.
      sql: `INSERT INTO commission_events (id, program_id, mode, commission_id, type, status, amount, reason, actor, ref_id, seq, at)
        SELECT 'che_' || lower(hex(randomblob(12))), program_id, mode, id, ?, status, amount, ?, ?, ?, 0, ?
        FROM commissions WHERE id IN (${ids.map(() => '?').join(', ')})`,
      params: [c.type, c.reason ?? null, c.actor, c.refId ?? null, at, ...ids],
    })
  }
  return out
}
