/**
 * Rebuilding the hub's derived state from D1, and checking that the two agree. D1 holds every
 * committed money event, customer and rollup; the hub's counters, customers, idempotency records
 * and recent clicks are all derived from them. Used when the hub's storage is found empty while
 * D1 knows the program (a lost or reset object), when D1 has an event the hub never recorded,
 * and by `POST /v1/admin/programs/:id/rebuild`.
 */
import { and, eq, gt, sql } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/d1'
import { clicks, customers, events, rollups, signups } from '../db/schema'
import type { Mode } from '../shared'
import type { LocalStore } from './local-store'

const PAGE = 2_000

export interface RebuildReport {
  totals: number
  customers: number
  events: number
  clicks: number
}

/** Hub counters as D1's rollups say they should be: one row per mode × affiliate × currency. */
export function rollupTotals(db: D1Database, programId: string) {
  return drizzle(db)
    .select({
      mode: rollups.mode,
      affiliate_id: rollups.affiliateId,
      currency: rollups.currency,
      clicks: sql<number>`sum(${rollups.clicks})`,
      unique_clicks: sql<number>`sum(${rollups.uniqueClicks})`,
      signups: sql<number>`sum(${rollups.signups})`,
      conversions: sql<number>`sum(${rollups.conversions})`,
      refunds: sql<number>`sum(${rollups.refunds})`,
      revenue: sql<number>`sum(${rollups.revenue})`,
      commission: sql<number>`sum(${rollups.commission})`,
    })
    .from(rollups)
    .where(eq(rollups.programId, programId))
    .groupBy(rollups.mode, rollups.affiliateId, rollups.currency)
    .all()
}

/**
 * Replaces the hub's counters, customers and idempotency records with what D1 holds, and
 * reloads the clicks that can still attribute (within `clickWindowMs`). The caller has flushed
 * the click outbox and resolved pending events first, so D1 is complete.
 */
export async function rebuildFromD1(
  db: D1Database,
  store: LocalStore,
  storage: DurableObjectStorage,
  programId: string,
  clickWindowMs: number,
  now: number,
): Promise<RebuildReport> {
  const orm = drizzle(db)
  const totals = await rollupTotals(db, programId)
  const report: RebuildReport = { totals: totals.length, customers: 0, events: 0, clicks: 0 }
  storage.transactionSync(() => {
    store.clearDerived()
    for (const t of totals) {
      store.addTotals(t.mode, t.affiliate_id || null, t.currency, {
        clicks: Number(t.clicks),
        unique_clicks: Number(t.unique_clicks),
        signups: Number(t.signups),
        conversions: Number(t.conversions),
        refunds: Number(t.refunds),
        revenue: Number(t.revenue),
        commission: Number(t.commission),
      })
    }
  })

  for (let after = ''; ; ) {
    const rows = await orm
      .select({
        mode: customers.mode,
        customer_id: customers.customerId,
        affiliate_id: customers.affiliateId,
        click_id: customers.clickId,
        sub: customers.sub,
        email_hash: customers.emailHash,
        first_conversion_at: customers.firstConversionAt,
        click_at: clicks.createdAt,
        signup_event_id: signups.eventId,
      })
      .from(customers)
      .leftJoin(clicks, and(eq(clicks.programId, customers.programId), eq(clicks.clickId, customers.clickId)))
      .leftJoin(
        signups,
        and(
          eq(signups.programId, customers.programId),
          eq(signups.mode, customers.mode),
          eq(signups.customerId, customers.customerId),
        ),
      )
      .where(
        and(
          eq(customers.programId, programId),
          gt(sql`${customers.mode} || ':' || ${customers.customerId}`, after),
        ),
      )
      .orderBy(sql`${customers.mode} || ':' || ${customers.customerId}`)
      .limit(PAGE)
      .all()
    if (!rows.length) break
    storage.transactionSync(() => {
      for (const r of rows) {
        store.saveCustomer({
          mode: r.mode as Mode,
          customer_id: r.customer_id,
          affiliate_id: r.affiliate_id,
          click_id: r.click_id,
          click_at: r.click_at ? Date.parse(r.click_at) : null,
          sub: r.sub,
          email_hash: r.email_hash,
          first_conversion_at: r.first_conversion_at ? Date.parse(r.first_conversion_at) : null,
          signup_event_id: r.signup_event_id,
        })
      }
    })
    report.customers += rows.length
    const last = rows[rows.length - 1]
    after = last ? `${last.mode}:${last.customer_id}` : after
  }

  for (let after = ''; ; ) {
    const rows = await orm
      .select({
        key: sql<string>`${events.mode} || ':' || ${events.kind} || ':' || ${events.eventId}`,
        mode: events.mode,
        kind: events.kind,
        event_id: events.eventId,
        body_hash: events.bodyHash,
        status: events.status,
        response: events.response,
      })
      .from(events)
      .where(
        and(
          eq(events.programId, programId),
          gt(sql`${events.mode} || ':' || ${events.kind} || ':' || ${events.eventId}`, after),
        ),
      )
      .orderBy(sql`${events.mode} || ':' || ${events.kind} || ':' || ${events.eventId}`)
      .limit(PAGE)
      .all()
    if (!rows.length) break
    storage.transactionSync(() => {
      for (const r of rows) store.saveEvent(r.mode, r.kind, r.event_id, r)
    })
    report.events += rows.length
    after = rows[rows.length - 1]?.key ?? after
  }

  const since = new Date(now - clickWindowMs).toISOString()
  for (let after = ''; ; ) {
    const rows = await orm
      .select({
        click_id: clicks.clickId,
        mode: clicks.mode,
        affiliate_id: clicks.affiliateId,
        sub: clicks.sub,
        ip_hash: clicks.ipHash,
        first_click_id: clicks.firstClickId,
        created_at: clicks.createdAt,
        is_unique: clicks.isUnique,
      })
      .from(clicks)
      .where(and(eq(clicks.programId, programId), gt(clicks.clickId, after), gt(clicks.createdAt, since)))
      .orderBy(clicks.clickId)
      .limit(PAGE)
      .all()
    if (!rows.length) break
    storage.transactionSync(() => {
      for (const r of rows) {
        if (store.click(r.click_id)) continue
        store.insertClickOnly({ ...r, at: Date.parse(r.created_at) })
      }
    })
    report.clicks += rows.length
    after = rows[rows.length - 1]?.click_id ?? after
  }
  return report
}

export interface AuditDifference {
  mode: string
  affiliate_id: string
  currency: string
  field: string
  hub: number
  d1: number
}

/** Compares every hub counter with D1's rollups; an empty list means they agree exactly. */
export async function auditAgainstD1(db: D1Database, store: LocalStore, programId: string) {
  const d1 = await rollupTotals(db, programId)
  const hub = store.totalRows()
  const fields = [
    'clicks',
    'unique_clicks',
    'signups',
    'conversions',
    'refunds',
    'revenue',
    'commission',
  ] as const
  const key = (r: { mode: string; affiliate_id: string; currency: string }) =>
    `${r.mode}|${r.affiliate_id}|${r.currency}`
  const rows = new Map<string, { hub?: Record<string, number>; d1?: Record<string, number> }>()
  for (const r of hub) rows.set(key(r), { ...rows.get(key(r)), hub: r })
  for (const r of d1) rows.set(key(r), { ...rows.get(key(r)), d1: r as unknown as Record<string, number> })
  const differences: AuditDifference[] = []
  for (const [k, v] of rows) {
    const [mode = '', affiliate_id = '', currency = ''] = k.split('|')
    for (const f of fields) {
      const h = Number(v.hub?.[f] ?? 0)
      const d = Number(v.d1?.[f] ?? 0)
      if (h !== d) differences.push({ mode, affiliate_id, currency, field: f, hub: h, d1: d })
    }
  }
  return differences
}
