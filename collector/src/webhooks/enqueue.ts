/**
 * Enqueueing outgoing webhooks. A delivery is a row of `webhook_deliveries`, one per subscribed
 * endpoint, inserted by ONE statement in the same D1 batch as the event that causes it, so the
 * event and its deliveries commit together (the hub's money events) — or alone with
 * `webhookDeliveryD1` for events written outside the hub (e.g. `affiliate.created`). Then
 * `kickWebhooks` wakes the program's dispatcher.
 *
 * @example
 * const plan = [...eventStatements, webhookDeliveryStmt({ programId, mode, type: 'conversion.created',
 *   id: `evt_${conversionId}`, createdAt: new Date(now).toISOString(), data: { conversion } })]
 * await db.batch(plan.map((s) => db.prepare(s.sql).bind(...s.params)))
 * await kickWebhooks(env, programId)
 */

import { type Stmt, stmt } from '../hub/types'
import type { Env } from '../lib/env'
import type { Mode } from '../shared'
import { webhooksEnv } from './env'
import type { WebhookEventType } from './events'

export interface WebhookEventInput {
  programId: string
  mode: Mode
  type: WebhookEventType
  /** The event's id: the body's `id` and the `webhook-id` header. Unique per program and mode. */
  id: string
  /** ISO 8601; also when the first attempt is due. */
  createdAt: string
  data: unknown
}

/** The delivery body, fixed once so it is byte-identical on every attempt. */
export function webhookPayload(e: WebhookEventInput): string {
  return JSON.stringify({ id: e.id, type: e.type, created_at: e.createdAt, data: e.data })
}

/**
 * One INSERT … SELECT: a pending delivery for every enabled endpoint of the program and mode that
 * subscribes to the type (an empty `events` list = every type). Replaying the statement (a hub
 * recovering from a crash) inserts nothing twice: (endpoint, event id) is unique.
 */
export function webhookDeliveryStmt(e: WebhookEventInput): Stmt {
  const due = Date.parse(e.createdAt)
  if (!Number.isFinite(due)) throw new Error(`webhookDeliveryStmt: createdAt is not a time: ${e.createdAt}`)
  return stmt(
    `INSERT INTO webhook_deliveries
       (id, endpoint_id, program_id, mode, event_id, type, payload, status, attempts, next_attempt_at, created_at)
     SELECT 'whd_' || lower(hex(randomblob(10))), w.id, w.program_id, w.mode, ?, ?, ?, 'pending', 0, ?, ?
     FROM webhook_endpoints w
     WHERE w.program_id = ? AND w.mode = ? AND w.status = 'enabled'
       AND (json_array_length(w.events) = 0
            OR EXISTS (SELECT 1 FROM json_each(w.events) AS t WHERE t.value = ?))
     ON CONFLICT (endpoint_id, event_id) DO NOTHING`,
    e.id,
    e.type,
    webhookPayload(e),
    due,
    e.createdAt,
    e.programId,
    e.mode,
    e.type,
  )
}

/** Runs `webhookDeliveryStmt` alone; resolves to the number of deliveries enqueued. */
export async function webhookDeliveryD1(db: D1Database, e: WebhookEventInput): Promise<number> {
  const s = webhookDeliveryStmt(e)
  const result = await db
    .prepare(s.sql)
    .bind(...s.params)
    .run()
  return result.meta.changes ?? 0
}

/**
 * Wakes the program's dispatcher so due deliveries go out now. Never throws: the deliveries are
 * already durable, and the hourly cron kicks every dispatcher with due deliveries anyway.
 */
export async function kickWebhooks(env: Env, programId: string): Promise<void> {
  const ns = webhooksEnv(env).WEBHOOKS
  if (!ns) return
  try {
    await ns.get(ns.idFromName(programId)).kick(programId)
  } catch (err) {
    console.error('kickWebhooks failed', programId, err)
  }
}

/** Enqueue and kick, for routes outside the hub. */
export async function emitWebhook(env: Env, e: WebhookEventInput): Promise<void> {
  if ((await webhookDeliveryD1(env.DB, e)) > 0) await kickWebhooks(env, e.programId)
}
