/**
 * An affiliate's side of payouts, for their portal: the balance by where their commissions
 * stand, their own payout lines (never another affiliate's), and when they can expect the next
 * payout. The balance sums the same `commissions` rows `GET /v1/commissions` lists, so the
 * portal and the API always show the same numbers.
 */
import { and, desc, eq, inArray, isNotNull, min, sql } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/d1'
import { commissions, payoutItems, payouts } from '../db/schema'
import { formatMajor } from '../domain/currency-format'
import type { AffiliateBalance, Mode, Money, PortalPayout } from '../shared'

export interface AffiliateScope {
  programId: string
  mode: Mode
  affiliateId: string
}

function add(into: Money, currency: string, amount: number): void {
  into[currency] = (into[currency] ?? 0) + amount
}

type Orm = ReturnType<typeof drizzle>

function balanceQuery(orm: Orm, s: AffiliateScope) {
  return orm
    .select({
      status: commissions.status,
      currency: commissions.currency,
      inPayout: sql<number>`${commissions.payoutId} IS NOT NULL`.mapWith(Number),
      amount: sql<number>`sum(${commissions.amount})`.mapWith(Number),
    })
    .from(commissions)
    .where(
      and(
        eq(commissions.programId, s.programId),
        eq(commissions.mode, s.mode),
        eq(commissions.affiliateId, s.affiliateId),
        inArray(commissions.status, ['pending', 'on_hold', 'approved', 'paid']),
      ),
    )
    .groupBy(commissions.status, commissions.currency, sql`${commissions.payoutId} IS NOT NULL`)
}

function balanceOf(rows: Array<{ status: string; currency: string; inPayout: number; amount: number }>) {
  const balance: AffiliateBalance = { pending: {}, approved: {}, in_payout: {}, paid: {} }
  for (const r of rows) {
    if (r.status === 'pending' || r.status === 'on_hold') add(balance.pending, r.currency, r.amount)
    else if (r.status === 'paid') add(balance.paid, r.currency, r.amount)
    else {
      add(balance.approved, r.currency, r.amount)
      if (r.inPayout) add(balance.in_payout, r.currency, r.amount)
    }
  }
  return balance
}

const HISTORY = 20

function payoutsQuery(orm: Orm, s: AffiliateScope) {
  return orm
    .select({
      id: payouts.id,
      status: payouts.status,
      period_end: payouts.periodEnd,
      created_at: payouts.createdAt,
      paid_at: payouts.paidAt,
      currency: payoutItems.currency,
      amount: payoutItems.amount,
    })
    .from(payoutItems)
    .innerJoin(payouts, eq(payouts.id, payoutItems.payoutId))
    .where(
      and(
        eq(payoutItems.affiliateId, s.affiliateId),
        eq(payouts.programId, s.programId),
        eq(payouts.mode, s.mode),
      ),
    )
    .orderBy(desc(payouts.createdAt), payoutItems.currency)
    .limit(HISTORY)
}

/** The affiliate's latest payout lines, newest first (the founder's affiliate page shows them too). */
export function affiliatePayouts(db: D1Database, s: AffiliateScope): Promise<PortalPayout[]> {
  return payoutsQuery(drizzle(db), s).all()
}

/** When the affiliate's next pending commission leaves its hold: the earliest due date, or none. */
function nextApprovalQuery(orm: Orm, s: AffiliateScope) {
  return orm
    .select({ due: min(commissions.dueAt) })
    .from(commissions)
    .where(
      and(
        eq(commissions.programId, s.programId),
        eq(commissions.mode, s.mode),
        eq(commissions.affiliateId, s.affiliateId),
        eq(commissions.status, 'pending'),
        isNotNull(commissions.dueAt),
      ),
    )
}

/**
 * The portal's money: the balance, the payout lines and when the next pending commission becomes
 * payable (ISO, or null), read in one D1 batch (they were three round trips side by side).
 */
export async function affiliateMoney(
  db: D1Database,
  s: AffiliateScope,
): Promise<{ balance: AffiliateBalance; payouts: PortalPayout[]; nextApprovalAt: string | null }> {
  const orm = drizzle(db)
  const [balanceRows, payoutRows, next] = await orm.batch([
    balanceQuery(orm, s),
    payoutsQuery(orm, s),
    nextApprovalQuery(orm, s),
  ])
  return { balance: balanceOf(balanceRows), payouts: payoutRows, nextApprovalAt: next[0]?.due ?? null }
}

/**
 * What the portal says about the next payout. Refline has no payout schedule: the founder
 * decides when to pay out, so no date is invented. What can be said is said: a payout already
 * prepared, a balance waiting for the founder's next payout or for the program's minimum, and
 * the date the next pending commission becomes payable.
 */
export function nextPayoutNote(input: {
  balance: AffiliateBalance
  minPayout: Money
  nextApprovalAt: string | null
}): string {
  const { balance, minPayout } = input
  const parts: string[] = []
  const preparing = Object.entries(balance.in_payout).filter(([, v]) => v > 0)
  if (preparing.length) {
    parts.push(
      `${preparing.map(([c, v]) => `${formatMajor(v, c)} ${c}`).join(' and ')} is in a payout the founder has prepared; it is sent when they mark it paid.`,
    )
  }
  for (const [cur, total] of Object.entries(balance.approved)) {
    const waiting = total - (balance.in_payout[cur] ?? 0)
    if (waiting === 0) continue
    const min = minPayout[cur] ?? 0
    if (waiting < 0) {
      parts.push(
        `${formatMajor(-waiting, cur)} ${cur} of refunds after payment will be deducted from your next payout.`,
      )
    } else if (waiting >= min) {
      parts.push(`${formatMajor(waiting, cur)} ${cur} is paid when the founder next pays out.`)
    } else {
      parts.push(
        `${formatMajor(waiting, cur)} ${cur} is approved; it is paid once it reaches the program's minimum payout of ${formatMajor(min, cur)} ${cur}.`,
      )
    }
  }
  if (input.nextApprovalAt) {
    parts.push(`Your next pending commission becomes payable on ${input.nextApprovalAt.slice(0, 10)}.`)
  }
  return parts.length
    ? parts.join(' ')
    : 'Nothing to pay out yet: approved commissions are paid when the founder next pays out.'
}
