/**
 * Webhook endpoints and deliveries in D1: rows typed from the drizzle schema, their API shapes,
 * and the queries the routes need. Every query is scoped to a program AND a mode, so a test key
 * never sees or touches a live endpoint.
 */
import { and, desc, eq, sql } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/d1'
import { webhookDeliveries, webhookEndpoints } from '../db/schema'
import { newId } from '../lib/crypto'
import type { Mode } from '../shared'
import type { WebhookDelivery, WebhookEndpoint, WebhookEventType } from './events'
import { newEndpointSecret } from './signing'

export type EndpointRow = typeof webhookEndpoints.$inferSelect
export type DeliveryRow = typeof webhookDeliveries.$inferSelect

/** Endpoints per program and mode: enough for any integration, bounded for the fan-out. */
export const MAX_ENDPOINTS = 20

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString())

export function endpointJson(row: EndpointRow, withSecret = false): WebhookEndpoint {
  return {
    id: row.id,
    url: row.url,
    events: JSON.parse(row.events) as WebhookEventType[],
    status: row.status,
    disabled_reason: row.disabledReason,
    mode: row.mode,
    created_at: row.createdAt,
    ...(withSecret ? { secret: row.secret } : {}),
  }
}

export function deliveryJson(row: DeliveryRow): WebhookDelivery {
  return {
    id: row.id,
    event_id: row.eventId,
    type: row.type as WebhookEventType,
    status: row.status,
    attempts: row.attempts,
    response_code: row.lastStatusCode,
    last_error: row.lastError,
    next_attempt_at: row.status === 'pending' ? iso(row.nextAttemptAt) : null,
    last_attempt_at: iso(row.lastAttemptAt),
    delivered_at: iso(row.deliveredAt),
    created_at: row.createdAt,
  }
}

export async function countEndpoints(db: D1Database, programId: string, mode: Mode): Promise<number> {
  const row = await drizzle(db)
    .select({ n: sql<number>`count(*)` })
    .from(webhookEndpoints)
    .where(and(eq(webhookEndpoints.programId, programId), eq(webhookEndpoints.mode, mode)))
    .get()
  return row?.n ?? 0
}

export async function insertEndpoint(
  db: D1Database,
  programId: string,
  mode: Mode,
  url: string,
  events: WebhookEventType[],
): Promise<EndpointRow> {
  const now = new Date().toISOString()
  const row: EndpointRow = {
    id: newId('whe'),
    programId,
    mode,
    url,
    events: JSON.stringify(events),
    secret: newEndpointSecret(),
    status: 'enabled',
    disabledReason: null,
    createdAt: now,
    updatedAt: now,
  }
  await drizzle(db).insert(webhookEndpoints).values(row)
  return row
}

export function listEndpoints(db: D1Database, programId: string, mode: Mode): Promise<EndpointRow[]> {
  return drizzle(db)
    .select()
    .from(webhookEndpoints)
    .where(and(eq(webhookEndpoints.programId, programId), eq(webhookEndpoints.mode, mode)))
    .orderBy(webhookEndpoints.createdAt)
    .all()
}

export async function findEndpoint(
  db: D1Database,
  programId: string,
  mode: Mode,
  id: string,
): Promise<EndpointRow | undefined> {
  return drizzle(db)
    .select()
    .from(webhookEndpoints)
    .where(
      and(
        eq(webhookEndpoints.id, id),
        eq(webhookEndpoints.programId, programId),
        eq(webhookEndpoints.mode, mode),
      ),
    )
    .get()
}

export async function updateEndpoint(
  db: D1Database,
  row: EndpointRow,
  change: { url?: string; events?: WebhookEventType[]; enabled?: boolean },
): Promise<EndpointRow> {
  const next: EndpointRow = {
    ...row,
    url: change.url ?? row.url,
    events: change.events ? JSON.stringify(change.events) : row.events,
    status: change.enabled === undefined ? row.status : change.enabled ? 'enabled' : 'disabled',
    disabledReason:
      change.enabled === undefined ? row.disabledReason : change.enabled ? null : 'disabled_by_founder',
    updatedAt: new Date().toISOString(),
  }
  await drizzle(db).update(webhookEndpoints).set(next).where(eq(webhookEndpoints.id, row.id))
  return next
}

/** Deletes the endpoint and its delivery log in one batch; pending deliveries are never sent. */
export async function deleteEndpoint(db: D1Database, id: string): Promise<void> {
  const d = drizzle(db)
  await d.batch([
    d.delete(webhookDeliveries).where(eq(webhookDeliveries.endpointId, id)),
    d.delete(webhookEndpoints).where(eq(webhookEndpoints.id, id)),
  ])
}

export function listDeliveries(
  db: D1Database,
  endpointId: string,
  filter: { status?: DeliveryRow['status']; limit: number },
): Promise<DeliveryRow[]> {
  const where = filter.status
    ? and(eq(webhookDeliveries.endpointId, endpointId), eq(webhookDeliveries.status, filter.status))
    : eq(webhookDeliveries.endpointId, endpointId)
  return drizzle(db)
    .select()
    .from(webhookDeliveries)
    .where(where)
    .orderBy(desc(webhookDeliveries.createdAt), desc(webhookDeliveries.id))
    .limit(filter.limit)
    .all()
}

export function findDelivery(
  db: D1Database,
  endpointId: string,
  id: string,
): Promise<DeliveryRow | undefined> {
  return drizzle(db)
    .select()
    .from(webhookDeliveries)
    .where(and(eq(webhookDeliveries.id, id), eq(webhookDeliveries.endpointId, endpointId)))
    .get()
}

/** Puts a delivery back in the outbox, due now, with a fresh retry window; same id, same body. */
export async function requeueDelivery(db: D1Database, row: DeliveryRow, now: number): Promise<DeliveryRow> {
  const next: DeliveryRow = {
    ...row,
    status: 'pending',
    attempts: 0,
    windowStartedAt: null,
    nextAttemptAt: now,
    deliveredAt: null,
  }
  await drizzle(db)
    .update(webhookDeliveries)
    .set({ status: 'pending', attempts: 0, windowStartedAt: null, nextAttemptAt: now, deliveredAt: null })
    .where(eq(webhookDeliveries.id, row.id))
  return next
}
