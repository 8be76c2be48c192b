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

import type { Stmt } from '../hub/types'
import type { Env } from '../lib/env'
import { webhookDeliveryStmt as deliveryStmt, type WebhookEventInput } from './delivery-sql'
import { webhooksEnv } from './env'

export { type WebhookEventInput, webhookPayload } from './delivery-sql'

/**
 * One INSERT … SELECT: a pending delivery for every enabled endpoint of the program and mode that
 * subscribes to the type (an empty `events` list = every type), with the body fixed. Put it in the
 * same D1 batch as the event; replaying the batch inserts nothing twice.
 */
export function webhookDeliveryStmt(e: WebhookEventInput): Stmt {
  return deliveryStmt(e)
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
