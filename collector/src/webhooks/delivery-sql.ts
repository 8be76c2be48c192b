/**
 * The outbox statement of outgoing webhooks, as plain data: no runtime or Workers types, so the
 * hub, the tests and Node-side tools can all build exactly the statement the collector runs.
 */
import type { WebhookEventType } from './events'

export interface WebhookEventInput {
  programId: string
  mode: 'live' | 'test'
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
export function webhookDeliveryStmt(e: WebhookEventInput): {
  sql: string
  params: (string | number | null)[]
} {
  const due = Date.parse(e.createdAt)
  if (!Number.isFinite(due)) throw new Error(`webhookDeliveryStmt: createdAt is not a time: ${e.createdAt}`)
  return {
    sql: `INSERT INTO webhook_deliveries
       (id, endpoint_id, program_id, mode, event_id, type, payload, status, attempts, next_attempt_at, created_at)
     SELECT 'whd_' || lower(hex(randomblob(10))), w.id, w.program_id, w.mode, ?, ?, ?, 'pending', 0, ?, ?
     FROM webhook_endpoints w
     WHERE w.program_id = ? AND w.mode = ? AND w.status = 'enabled'
       AND (json_array_length(w.events) = 0
            OR EXISTS (SELECT 1 FROM json_each(w.events) AS t WHERE t.value = ?))
     ON CONFLICT (endpoint_id, event_id) DO NOTHING`,
    params: [e.id, e.type, webhookPayload(e), due, e.createdAt, e.programId, e.mode, e.type],
  }
}
