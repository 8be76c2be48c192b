/**
 * Reads for `GET /v1/alerts` and `GET /v1/health`, rows typed from the drizzle schema. Alerts
 * are written only by the hub (alerts/plan.ts, in its batches); this module never writes them.
 */
import { and, count, desc, eq, gte, lt, sql, sum } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/d1'
import {
  alerts,
  conversions,
  rollups,
  stripeIntegrations,
  webhookDeliveries,
  webhookEndpoints,
} from '../db/schema'
import type { Mode } from '../shared'
import type { Alert, AlertSeverity, AlertType } from './types'

export type AlertRow = typeof alerts.$inferSelect

export const ALERTS_PAGE_MAX = 200

export function alertJson(row: AlertRow, affiliateCode: string | null): Alert {
  return {
    id: row.id,
    type: row.type as AlertType,
    severity: row.severity as AlertSeverity,
    mode: row.mode,
    message: row.message,
    affiliate: row.affiliateId ? { id: row.affiliateId, code: affiliateCode ?? '' } : null,
    data: JSON.parse(row.data) as Record<string, unknown>,
    created_at: row.createdAt,
  }
}

/** The program's alerts in one mode, newest first; `before` pages by `created_at`. */
export async function listAlerts(
  db: D1Database,
  programId: string,
  mode: Mode,
  opts: { limit: number; before?: string | undefined; type?: string | undefined },
): Promise<AlertRow[]> {
  const conds = [eq(alerts.programId, programId), eq(alerts.mode, mode)]
  if (opts.before) conds.push(lt(alerts.createdAt, opts.before))
  if (opts.type) conds.push(eq(alerts.type, opts.type))
  return drizzle(db)
    .select()
    .from(alerts)
    .where(and(...conds))
    .orderBy(desc(alerts.createdAt), desc(alerts.id))
    .limit(opts.limit)
}

export interface HealthFigures {
  /** Conversions in the window and how many were attributed to an affiliate. */
  conversions: { total: number; attributed: number }
  clicks: { counted: number; not_counted: number }
  webhooks: { endpoints: number; disabled: number; pending: number; failed: number }
  stripe: {
    connected: boolean
    last_event_at: string | null
    last_delivery_at: string | null
    last_error: string | null
  }
}

/** D1's side of tracking health over the last `days` days (rollups, so no event table is scanned for clicks). */
export async function healthFigures(
  db: D1Database,
  programId: string,
  mode: Mode,
  since: Date,
): Promise<HealthFigures> {
  const d = drizzle(db)
  const sinceIso = since.toISOString()
  const [conv, clicks, endpoints, deliveries, stripe] = await Promise.all([
    d
      .select({
        total: count(),
        attributed: sql<number>`COALESCE(SUM(${conversions.affiliateId} IS NOT NULL), 0)`,
      })
      .from(conversions)
      .where(
        and(
          eq(conversions.programId, programId),
          eq(conversions.mode, mode),
          gte(conversions.createdAt, sinceIso),
        ),
      ),
    d
      .select({ counted: sum(rollups.clicks), notCounted: sum(rollups.botClicks) })
      .from(rollups)
      .where(
        and(
          eq(rollups.programId, programId),
          eq(rollups.mode, mode),
          gte(rollups.hour, sinceIso.slice(0, 13)),
        ),
      ),
    d
      .select({ status: webhookEndpoints.status, n: count() })
      .from(webhookEndpoints)
      .where(and(eq(webhookEndpoints.programId, programId), eq(webhookEndpoints.mode, mode)))
      .groupBy(webhookEndpoints.status),
    d
      .select({ status: webhookDeliveries.status, n: count() })
      .from(webhookDeliveries)
      .where(and(eq(webhookDeliveries.programId, programId), eq(webhookDeliveries.mode, mode)))
      .groupBy(webhookDeliveries.status),
    d.select().from(stripeIntegrations).where(eq(stripeIntegrations.programId, programId)).limit(1),
  ])
  const byStatus = <T extends { status: string; n: number }>(rows: T[], s: string) =>
    rows.find((r) => r.status === s)?.n ?? 0
  const st = stripe[0]
  return {
    conversions: { total: conv[0]?.total ?? 0, attributed: Number(conv[0]?.attributed ?? 0) },
    clicks: { counted: Number(clicks[0]?.counted ?? 0), not_counted: Number(clicks[0]?.notCounted ?? 0) },
    webhooks: {
      endpoints: endpoints.reduce((a, r) => a + r.n, 0),
      disabled: byStatus(endpoints, 'disabled'),
      pending: byStatus(deliveries, 'pending'),
      failed: byStatus(deliveries, 'failed'),
    },
    stripe: {
      connected: !!st,
      last_event_at: st?.lastEventAt ?? null,
      last_delivery_at: st?.lastDeliveryAt ?? null,
      last_error: st?.lastDeliveryError ?? null,
    },
  }
}
