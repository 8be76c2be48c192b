/**
 * The journey's answer, built from its rows: no reads here. Affiliates appear as `{id, code,
 * name}` only (never an email or portal link, so a test key that credited a live affiliate
 * learns nothing private); fraud flags appear because only the founder's secret key reads this.
 */
import type { AffiliateRefRow, ClickRow, JourneyRows } from './data'
import { type AttributionVia, explainAttribution } from './explain'

export interface JourneyAttribution {
  affiliate: AffiliateRefRow | null
  via: AttributionVia
  reason: string
  click_id: string | null
}

export interface Journey {
  customer_id: string
  mode: string
  affiliate: AffiliateRefRow | null
  attribution: JourneyAttribution | null
  clicks: Array<{
    click_id: string
    at: string
    landing_path: string | null
    referrer: string | null
    sub: string | null
    ref: string
    affiliate: AffiliateRefRow | null
    unique: boolean
    source: string
    /** Two letters (`request.cf.country`), or null when unknown. */
    country: string | null
    /** The click an event of this customer was credited by. */
    credited: boolean
  }>
  signup: { id: string; event_id: string; at: string; attribution: JourneyAttribution } | null
  conversions: Array<{
    id: string
    event_id: string
    at: string
    amount: number
    currency: string
    refunded_amount: number
    attribution: JourneyAttribution
    commission_ids: string[]
  }>
  refunds: Array<{
    id: string
    event_id: string
    conversion_id: string
    at: string
    amount: number
    commission_delta: number
  }>
  commissions: Array<{
    id: string
    kind: string
    affiliate: AffiliateRefRow | null
    earned_on: string
    amount: number
    original_amount: number
    bonus: number
    clawed_back: number
    currency: string
    status: string
    /** Why it is on hold or was rejected (fraud rule, dispute, founder's note). */
    reason: string | null
    due_at: string
    payout_id: string | null
    created_at: string
    history: Array<{
      type: string
      status: string
      amount: number
      reason: string | null
      actor: string
      at: string
    }>
  }>
  churned_at: string | null
}

function landingPath(url: string | null): string | null {
  if (!url) return null
  try {
    const u = new URL(url)
    return u.pathname + u.search
  } catch {
    return null
  }
}

export function journeyJson(customerId: string, mode: string, rows: JourneyRows): Journey {
  const affiliates = new Map(rows.affiliates.map((a) => [a.id, a]))
  const aff = (id: string | null | undefined) => (id ? (affiliates.get(id) ?? null) : null)
  const clicks = new Map<string, ClickRow>(rows.clicks.map((c) => [c.clickId, c]))
  const explain = (affiliateId: string | null, clickId: string | null, at: string, kept: string | null) => {
    const e = explainAttribution({
      affiliateId,
      clickId,
      at,
      signupAffiliateId: kept,
      clicks,
      model: rows.program.attribution,
      cookieDays: rows.program.cookieDays,
    })
    return { affiliate: aff(affiliateId), via: e.via, reason: e.reason, click_id: clickId }
  }
  const credited = new Set<string>()
  const signup = rows.signup
    ? {
        id: rows.signup.id,
        event_id: rows.signup.eventId,
        at: rows.signup.occurredAt,
        attribution: explain(rows.signup.affiliateId, rows.signup.clickId, rows.signup.occurredAt, null),
      }
    : null
  if (rows.signup?.affiliateId && rows.signup.clickId) credited.add(rows.signup.clickId)
  // A customer attributed at signup, or else at its first attributed conversion, keeps that affiliate.
  let kept: string | null = rows.signup?.affiliateId ?? null
  const conversions = rows.conversions.map((c) => {
    const attribution = explain(c.affiliateId, c.clickId, c.occurredAt, kept)
    if (c.affiliateId && c.clickId && attribution.via !== 'kept_from_signup') credited.add(c.clickId)
    kept ??= c.affiliateId
    return {
      id: c.id,
      event_id: c.eventId,
      at: c.occurredAt,
      amount: c.amount,
      currency: c.currency,
      refunded_amount: c.refundedAmount,
      attribution,
      commission_ids: rows.commissions.filter((m) => m.conversionId === c.id).map((m) => m.id),
    }
  })
  const history = new Map<string, Journey['commissions'][number]['history']>()
  for (const h of rows.history) {
    const list = history.get(h.commissionId) ?? []
    list.push({
      type: h.type,
      status: h.status,
      amount: h.amount,
      reason: h.reason,
      actor: h.actor,
      at: h.at,
    })
    history.set(h.commissionId, list)
  }
  const last = signup?.attribution.affiliate
    ? signup.attribution
    : (conversions.find((c) => c.attribution.affiliate)?.attribution ??
      conversions[0]?.attribution ??
      signup?.attribution ??
      null)
  return {
    customer_id: customerId,
    mode,
    affiliate: aff(rows.customer?.affiliateId ?? rows.signup?.affiliateId ?? null),
    attribution: last,
    clicks: rows.clicks.map((c) => ({
      click_id: c.clickId,
      at: c.createdAt,
      landing_path: landingPath(c.url),
      referrer: c.referrer,
      sub: c.sub,
      ref: c.ref,
      affiliate: aff(c.affiliateId),
      unique: c.isUnique === 1,
      source: c.source,
      country: c.country,
      credited: credited.has(c.clickId),
    })),
    signup,
    conversions,
    refunds: rows.refunds.map((r) => ({
      id: r.id,
      event_id: r.eventId,
      conversion_id: r.conversionId,
      at: r.createdAt,
      amount: r.amount,
      commission_delta: r.commissionDelta,
    })),
    commissions: rows.commissions.map((m) => ({
      id: m.id,
      kind: m.kind,
      affiliate: aff(m.affiliateId),
      earned_on: m.conversionId,
      amount: m.amount,
      original_amount: m.originalAmount,
      bonus: m.bonus,
      clawed_back: m.clawedBack,
      currency: m.currency,
      status: m.status,
      reason: m.reason,
      due_at: m.dueAt,
      payout_id: m.payoutId,
      created_at: m.createdAt,
      history: history.get(m.id) ?? [],
    })),
    churned_at:
      rows.churns
        .map((c) => c.churnedAt)
        .sort()
        .at(-1) ?? null,
  }
}
