/**
 * The customer journey's data: every row that explains why an affiliate did or did not get paid
 * for one customer — the customer's clicks (the attributed click and the same visitor's other
 * clicks), the signup, every conversion and refund, every commission with its status history,
 * and a churn. One mode only: a test key never reads a live customer, nor the other way round.
 * Rows are typed from the drizzle schema; each list is bounded.
 */
import { and, asc, eq, inArray, or } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/d1'
import {
  affiliates,
  churns,
  clicks,
  commissionEvents,
  commissions,
  conversions,
  customers,
  programs,
  refunds,
  signups,
} from '../db/schema'
import type { Mode } from '../shared'

/** Most rows of each kind a journey lists (a customer paying monthly for 40 years stays under it). */
export const JOURNEY_MAX_ROWS = 500
/** Most clicks a journey lists. */
export const JOURNEY_MAX_CLICKS = 100

export type CustomerRow = typeof customers.$inferSelect
export type ClickRow = typeof clicks.$inferSelect
export type SignupRow = typeof signups.$inferSelect
export type ConversionRow = typeof conversions.$inferSelect
export type RefundRow = typeof refunds.$inferSelect
export type CommissionRow = typeof commissions.$inferSelect
export type CommissionEventRow = typeof commissionEvents.$inferSelect
export type ChurnRow = typeof churns.$inferSelect
export type AffiliateRefRow = Pick<typeof affiliates.$inferSelect, 'id' | 'code' | 'name'>

export interface JourneyRows {
  program: { attribution: 'last_click' | 'first_click'; cookieDays: number }
  customer: CustomerRow | null
  signup: SignupRow | null
  clicks: ClickRow[]
  conversions: ConversionRow[]
  refunds: RefundRow[]
  commissions: CommissionRow[]
  history: CommissionEventRow[]
  churns: ChurnRow[]
  affiliates: AffiliateRefRow[]
}

/** Everything D1 holds about one customer of one mode; `null` when it knows no such customer. */
export async function loadJourney(
  db: D1Database,
  programId: string,
  mode: Mode,
  customerId: string,
): Promise<JourneyRows | null> {
  const orm = drizzle(db)
  const [program] = await orm
    .select({ attribution: programs.attribution, cookieDays: programs.cookieDays })
    .from(programs)
    .where(eq(programs.id, programId))
    .all()
  if (!program) return null
  const [customer, signupRows, conversionRows, churnRows] = await Promise.all([
    orm
      .select()
      .from(customers)
      .where(
        and(
          eq(customers.programId, programId),
          eq(customers.mode, mode),
          eq(customers.customerId, customerId),
        ),
      )
      .get(),
    orm
      .select()
      .from(signups)
      .where(
        and(eq(signups.programId, programId), eq(signups.mode, mode), eq(signups.customerId, customerId)),
      )
      .limit(1)
      .all(),
    orm
      .select()
      .from(conversions)
      .where(
        and(
          eq(conversions.programId, programId),
          eq(conversions.mode, mode),
          eq(conversions.customerId, customerId),
        ),
      )
      .orderBy(asc(conversions.occurredAt), asc(conversions.id))
      .limit(JOURNEY_MAX_ROWS)
      .all(),
    orm
      .select()
      .from(churns)
      .where(and(eq(churns.programId, programId), eq(churns.mode, mode), eq(churns.customerId, customerId)))
      .limit(JOURNEY_MAX_ROWS)
      .all(),
  ])
  const signup = signupRows[0] ?? null
  if (!customer && !signup && !conversionRows.length) return null

  // The customer's clicks: every click an event of theirs carried, and the same visitor's clicks
  // (those sharing the first click id), so a journey shows the click that lost as well.
  const eventClickIds = new Set<string>()
  for (const id of [customer?.clickId, signup?.clickId, ...conversionRows.map((c) => c.clickId)]) {
    if (id) eventClickIds.add(id)
  }
  const clickIds = [...eventClickIds].slice(0, 50)
  let clickRows: ClickRow[] = []
  if (clickIds.length) {
    const own = await orm
      .select()
      .from(clicks)
      .where(and(eq(clicks.programId, programId), inArray(clicks.clickId, clickIds)))
      .all()
    const visitors = [...new Set(own.map((c) => c.firstClickId ?? c.clickId))].slice(0, 40)
    clickRows = await orm
      .select()
      .from(clicks)
      .where(
        and(
          eq(clicks.programId, programId),
          eq(clicks.mode, mode),
          or(
            inArray(clicks.clickId, clickIds),
            inArray(clicks.firstClickId, visitors),
            inArray(clicks.clickId, visitors),
          ),
        ),
      )
      .orderBy(asc(clicks.createdAt), asc(clicks.clickId))
      .limit(JOURNEY_MAX_CLICKS)
      .all()
  }

  const earnedOn = conversionIdsOf(orm, programId, mode, customerId)
  const commissionRows = await orm
    .select()
    .from(commissions)
    .where(
      and(
        eq(commissions.programId, programId),
        eq(commissions.mode, mode),
        signup
          ? or(inArray(commissions.conversionId, earnedOn), eq(commissions.conversionId, signup.id))
          : inArray(commissions.conversionId, earnedOn),
      ),
    )
    .orderBy(asc(commissions.createdAt), asc(commissions.id))
    .limit(JOURNEY_MAX_ROWS)
    .all()
  const [refundRows, history] = await Promise.all([
    orm
      .select()
      .from(refunds)
      .where(
        and(
          eq(refunds.programId, programId),
          eq(refunds.mode, mode),
          inArray(refunds.conversionId, earnedOn),
        ),
      )
      .orderBy(asc(refunds.createdAt), asc(refunds.id))
      .limit(JOURNEY_MAX_ROWS)
      .all(),
    commissionRows.length
      ? orm
          .select()
          .from(commissionEvents)
          .where(
            and(
              eq(commissionEvents.programId, programId),
              eq(commissionEvents.mode, mode),
              inArray(
                commissionEvents.commissionId,
                orm
                  .select({ id: commissions.id })
                  .from(commissions)
                  .where(
                    and(
                      eq(commissions.programId, programId),
                      eq(commissions.mode, mode),
                      signup
                        ? or(
                            inArray(commissions.conversionId, earnedOn),
                            eq(commissions.conversionId, signup.id),
                          )
                        : inArray(commissions.conversionId, earnedOn),
                    ),
                  ),
              ),
            ),
          )
          .orderBy(asc(commissionEvents.at), asc(commissionEvents.seq))
          .limit(JOURNEY_MAX_ROWS * 4)
          .all()
      : Promise.resolve([]),
  ])

  const affiliateIds = [
    ...new Set(
      [
        customer?.affiliateId,
        signup?.affiliateId,
        ...clickRows.map((c) => c.affiliateId),
        ...conversionRows.map((c) => c.affiliateId),
        ...commissionRows.map((c) => c.affiliateId),
      ].filter((id): id is string => !!id),
    ),
  ].slice(0, 90)
  const affiliateRows = affiliateIds.length
    ? await orm
        .select({ id: affiliates.id, code: affiliates.code, name: affiliates.name })
        .from(affiliates)
        .where(and(eq(affiliates.programId, programId), inArray(affiliates.id, affiliateIds)))
        .all()
    : []
  return {
    program,
    customer: customer ?? null,
    signup,
    clicks: clickRows,
    conversions: conversionRows,
    refunds: refundRows,
    commissions: commissionRows,
    history,
    churns: churnRows,
    affiliates: affiliateRows,
  }
}

/** The ids of the customer's conversions, as a subquery (no bound-parameter limit). */
function conversionIdsOf(orm: ReturnType<typeof drizzle>, programId: string, mode: Mode, customerId: string) {
  return orm
    .select({ id: conversions.id })
    .from(conversions)
    .where(
      and(
        eq(conversions.programId, programId),
        eq(conversions.mode, mode),
        eq(conversions.customerId, customerId),
      ),
    )
}
