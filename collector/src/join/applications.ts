/**
 * Deciding an application from the join page, for the API and the dashboard alike. Approving
 * makes the affiliate `active`, mints its portal link (a hashed link exists only in the answer
 * that makes it, so the answer and the `affiliate.approved` webhook are the only places it is
 * seen) and lets the hub credit it from the next event; rejecting makes it `rejected`, which earns
 * nothing, like `pending`.
 */
import { and, asc, eq, inArray } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/d1'
import { affiliateJson } from '../affiliates/json'
import { replacePortalLink } from '../affiliates/service'
import { affiliates } from '../db/schema'
import { newId } from '../lib/crypto'
import { type Env, hubFor } from '../lib/env'
import { ApiError } from '../lib/errors'
import type { Affiliate, Mode } from '../shared'
import { emitWebhook } from '../webhooks/enqueue'

type Row = typeof affiliates.$inferSelect
type RequestLike = { env: Env; req: { url: string } }

/** The states each decision may start from: a rejected applicant can still be approved later. */
const FROM: Record<'approve' | 'reject', Row['status'][]> = {
  approve: ['pending', 'rejected'],
  reject: ['pending'],
}

export async function decideApplication(
  c: RequestLike,
  row: Row,
  action: 'approve' | 'reject',
): Promise<Affiliate> {
  if (!FROM[action].includes(row.status)) {
    throw new ApiError(
      'conflict',
      `Only ${FROM[action].join(' or ')} affiliates can be ${action === 'approve' ? 'approved' : 'rejected'}; this one is ${row.status}`,
      'status',
    )
  }
  const now = new Date().toISOString()
  const status = action === 'approve' ? 'active' : 'rejected'
  // The status guard in the WHERE makes two clicks on "approve" mint one link, not two.
  const updated = await drizzle(c.env.DB)
    .update(affiliates)
    .set({ status, updatedAt: now })
    .where(and(eq(affiliates.id, row.id), eq(affiliates.status, row.status)))
    .returning({ id: affiliates.id })
  if (!updated.length) throw new ApiError('conflict', 'The application was decided meanwhile', 'status')
  await hubFor(c.env, row.programId).invalidate()
  const next: Row = { ...row, status, updatedAt: now }
  await announceApplication(c.env, next)
  const affiliate = affiliateJson(c, next)
  if (action === 'approve') {
    affiliate.portal_url = await replacePortalLink(c, next)
    await emitWebhook(c.env, {
      programId: row.programId,
      mode: row.mode,
      type: 'affiliate.approved',
      id: newId('evt'),
      createdAt: now,
      data: affiliate,
    })
  }
  return affiliate
}

/** An application as the dashboard lists it: the affiliate plus what the applicant wrote. */
export interface Application {
  id: string
  code: string
  name: string
  email: string
  website: string | null
  promotion: string | null
  status: Row['status']
  created_at: string
}

/** Pending applications first (oldest first), then the rejected ones, at most `limit`. */
export async function listApplications(
  db: D1Database,
  programId: string,
  mode: Mode,
  limit = 200,
): Promise<Application[]> {
  const rows = await drizzle(db)
    .select()
    .from(affiliates)
    .where(
      and(
        eq(affiliates.programId, programId),
        eq(affiliates.mode, mode),
        inArray(affiliates.status, ['pending', 'rejected']),
      ),
    )
    // 'pending' sorts before 'rejected'.
    .orderBy(asc(affiliates.status), asc(affiliates.createdAt))
    .limit(limit)
  return rows.map((r) => ({
    id: r.id,
    code: r.code,
    name: r.name,
    email: r.email,
    website: r.website,
    promotion: r.promotion,
    status: r.status,
    created_at: r.createdAt,
  }))
}

/**
 * An application the program approves automatically: already `active` and holding the portal
 * link minted at its creation, so `affiliate.approved` carries that same link.
 */
export async function approveNewAffiliate(
  c: RequestLike,
  row: Row & { newPortalToken?: string },
): Promise<Affiliate> {
  const affiliate = affiliateJson(c, row)
  await emitWebhook(c.env, {
    programId: row.programId,
    mode: row.mode,
    type: 'affiliate.approved',
    id: newId('evt'),
    createdAt: row.createdAt,
    data: affiliate,
  })
  return affiliate
}

/** Applications waiting for a decision: the count in the dashboard's navigation. */
export async function pendingApplications(db: D1Database, programId: string): Promise<number> {
  const row = await db
    .prepare(
      "SELECT count(*) AS n FROM affiliates WHERE program_id = ? AND mode = 'live' AND status = 'pending'",
    )
    .bind(programId)
    .first<{ n: number }>()
  return row?.n ?? 0
}

/**
 * Tells open dashboards that an application arrived or was decided (an `application` live
 * message, founders only). A dashboard that misses it still counts right on its next load, so a
 * failure here never fails the application.
 */
export async function announceApplication(env: Env, row: Row): Promise<void> {
  try {
    await hubFor(env, row.programId).announceApplication(row.programId, row.mode, {
      id: row.id,
      code: row.code,
      name: row.name,
      status: row.status,
    })
  } catch (err) {
    console.error('application live message', err)
  }
}
