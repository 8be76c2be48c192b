/**
 * The commissions data module: rows typed from the drizzle schema, the list with its filters,
 * one commission with its history, and the pending commissions a bulk approval may take.
 * Reads only: every change is planned by the program's hub (hub/commission-status.ts and friends).
 */
import { and, asc, desc, eq, gte, inArray, isNull, lte, sql } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/d1'
import { affiliates, commissionEvents, commissions, conversions } from '../db/schema'
import { ApiError } from '../lib/errors'
import type {
  CommissionHistoryEntry,
  CommissionKind,
  CommissionRecord,
  CommissionRuleSource,
  CommissionStatus,
  Mode,
} from '../shared'

export type CommissionRowDb = typeof commissions.$inferSelect
export type CommissionEventRow = typeof commissionEvents.$inferSelect

export const COMMISSION_STATUSES: CommissionStatus[] = [
  'pending',
  'approved',
  'on_hold',
  'paid',
  'reversed',
  'rejected',
]

/** A commission joined with its affiliate (and its conversion's sub), as the API shows it. */
export interface CommissionRow {
  id: string
  affiliate_id: string
  affiliate_code: string
  affiliate_name: string
  conversion_id: string
  kind: CommissionKind
  amount: number
  original_amount: number
  currency: string
  status: CommissionStatus
  reason: string | null
  due_at: string
  payout_id: string | null
  /** JSON; optional so rows read by other modules without it still print. */
  rule?: string | null
  created_at: string
  updated_at: string
  sub: string | null
}

/** The same join in raw SQL, for modules that read commissions inside a larger query. */
export const COMMISSION_SELECT = `SELECT m.id, m.affiliate_id, a.code AS affiliate_code, a.name AS affiliate_name,
  m.conversion_id, m.kind, m.amount, m.original_amount, m.currency, m.status, m.reason, m.due_at, m.payout_id,
  m.rule, m.created_at, m.updated_at, c.sub
  FROM commissions m JOIN affiliates a ON a.id = m.affiliate_id LEFT JOIN conversions c ON c.id = m.conversion_id`

const columns = {
  id: commissions.id,
  affiliate_id: commissions.affiliateId,
  affiliate_code: affiliates.code,
  affiliate_name: affiliates.name,
  conversion_id: commissions.conversionId,
  kind: commissions.kind,
  amount: commissions.amount,
  original_amount: commissions.originalAmount,
  currency: commissions.currency,
  status: commissions.status,
  reason: commissions.reason,
  due_at: commissions.dueAt,
  payout_id: commissions.payoutId,
  rule: commissions.rule,
  created_at: commissions.createdAt,
  updated_at: commissions.updatedAt,
  sub: conversions.sub,
}

function parseRule(rule: string | null | undefined): CommissionRuleSource | null {
  if (!rule) return null
  try {
    return JSON.parse(rule) as CommissionRuleSource
  } catch {
    return null
  }
}

export function commissionJson(r: Omit<CommissionRow, 'sub' | 'payout_id'>): CommissionRecord {
  return {
    id: r.id,
    affiliate: { id: r.affiliate_id, code: r.affiliate_code, name: r.affiliate_name },
    conversion_id: r.conversion_id,
    kind: r.kind,
    rule: parseRule(r.rule),
    amount: r.amount,
    original_amount: r.original_amount,
    currency: r.currency,
    status: r.status,
    reason: r.reason,
    due_at: r.due_at,
    created_at: r.created_at,
    updated_at: r.updated_at,
  }
}

function baseQuery(db: D1Database) {
  return drizzle(db)
    .select(columns)
    .from(commissions)
    .innerJoin(affiliates, eq(affiliates.id, commissions.affiliateId))
    .leftJoin(conversions, eq(conversions.id, commissions.conversionId))
}

/** Validated filters of `GET /v1/commissions` (see routes/commissions.ts). */
export interface CommissionQuery {
  statuses?: CommissionStatus[]
  /** A resolved affiliate id (see affiliates/filter.ts). */
  affiliateId?: string
  /** Created at or after / at or before (ms). */
  from?: number | null
  to?: number | null
  limit: number
}

export async function listCommissionRows(
  db: D1Database,
  programId: string,
  mode: Mode,
  q: CommissionQuery,
): Promise<CommissionRow[]> {
  const where = [eq(commissions.programId, programId), eq(commissions.mode, mode)]
  if (q.statuses?.length) where.push(inArray(commissions.status, q.statuses))
  if (q.affiliateId) where.push(eq(commissions.affiliateId, q.affiliateId))
  if (q.from != null) where.push(gte(commissions.createdAt, new Date(q.from).toISOString()))
  if (q.to != null) where.push(lte(commissions.createdAt, new Date(q.to).toISOString()))
  return baseQuery(db)
    .where(and(...where))
    .orderBy(desc(commissions.createdAt), asc(commissions.id))
    .limit(q.limit)
    .all()
}

export function findCommissionRow(
  db: D1Database,
  programId: string,
  mode: Mode,
  id: string,
): Promise<CommissionRow | undefined> {
  return baseQuery(db)
    .where(and(eq(commissions.id, id), eq(commissions.programId, programId), eq(commissions.mode, mode)))
    .get()
}

export async function commissionHistory(
  db: D1Database,
  programId: string,
  mode: Mode,
  commissionId: string,
): Promise<CommissionHistoryEntry[]> {
  const rows = await drizzle(db)
    .select()
    .from(commissionEvents)
    .where(
      and(
        eq(commissionEvents.commissionId, commissionId),
        eq(commissionEvents.programId, programId),
        eq(commissionEvents.mode, mode),
      ),
    )
    .orderBy(asc(commissionEvents.at), asc(commissionEvents.seq), asc(commissionEvents.id))
    .all()
  return rows.map((r: CommissionEventRow) => ({
    type: r.type,
    status: r.status,
    amount: r.amount,
    reason: r.reason,
    actor: r.actor,
    ref_id: r.refId,
    at: r.at,
  }))
}

/** How many commissions `approve-due` would approve now: pending, in no payout, hold ended. */
export async function countDue(db: D1Database, programId: string, mode: Mode, now: number): Promise<number> {
  const row = await drizzle(db)
    .select({ n: sql<number>`count(*)` })
    .from(commissions)
    .where(
      and(
        eq(commissions.programId, programId),
        eq(commissions.mode, mode),
        eq(commissions.status, 'pending'),
        isNull(commissions.payoutId),
        lte(commissions.dueAt, new Date(now).toISOString()),
      ),
    )
    .get()
  return row?.n ?? 0
}

/** Commissions per bulk-approval batch: one UPDATE binds their ids (D1 binds at most 100 parameters). */
export const BULK_APPROVE_BATCH = 50

/** Commissions a bulk approval takes: `pending`, not in a payout, and (unless `all`) past their hold. */
export function pendingForApproval(
  db: D1Database,
  programId: string,
  mode: Mode,
  now: number,
  all: boolean,
  limit: number,
): Promise<CommissionRow[]> {
  const where = [
    eq(commissions.programId, programId),
    eq(commissions.mode, mode),
    eq(commissions.status, 'pending'),
    isNull(commissions.payoutId),
  ]
  if (!all) where.push(lte(commissions.dueAt, new Date(now).toISOString()))
  return baseQuery(db)
    .where(and(...where))
    .orderBy(asc(commissions.dueAt), asc(commissions.id))
    .limit(limit)
    .all()
}

/**
 * A promotion may only list affiliates of this program: the first id that is not one is a 400
 * naming it (`promotions.1.affiliates.0`). Settings routes call this after the schema.
 */
export async function assertPromotionAffiliates(
  db: D1Database,
  programId: string,
  promotions: readonly { affiliates?: string[] | undefined }[],
): Promise<void> {
  const wanted = [...new Set(promotions.flatMap((p) => p.affiliates ?? []))]
  const known = new Set<string>()
  for (let i = 0; i < wanted.length; i += 90) {
    const chunk = wanted.slice(i, i + 90)
    const rows = await drizzle(db)
      .select({ id: affiliates.id })
      .from(affiliates)
      .where(and(eq(affiliates.programId, programId), inArray(affiliates.id, chunk)))
      .all()
    for (const r of rows) known.add(r.id)
  }
  promotions.forEach((p, i) => {
    const j = (p.affiliates ?? []).findIndex((id) => !known.has(id))
    if (j >= 0)
      throw new ApiError(
        'invalid_request',
        `promotions.${i}.affiliates.${j}: no affiliate ${p.affiliates?.[j]} in this program`,
        `promotions.${i}.affiliates.${j}`,
      )
  })
}
