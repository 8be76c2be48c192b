/**
 * Turns alerts into the parts of a hub plan: the `alerts` rows (in the same D1 batch as the
 * event that raised them), the founder-only `alert` live message and the `alert.raised` webhook.
 */
import { qb, toStmt } from '../db/builder'
import { alerts } from '../db/schema'
import type { EventContext, HubEvent, PlannedWebhook, Stmt } from '../hub/types'
import { newId } from '../lib/crypto'
import type { Alert, AlertInput } from './types'

export interface AlertParts {
  statements: Stmt[]
  events: HubEvent[]
  webhooks: PlannedWebhook[]
  alerts: Alert[]
}

export function alertParts(ctx: EventContext, inputs: readonly AlertInput[]): AlertParts {
  const parts: AlertParts = { statements: [], events: [], webhooks: [], alerts: [] }
  const createdAt = new Date(ctx.now).toISOString()
  for (const input of inputs) {
    const alert: Alert = {
      id: newId('alr'),
      type: input.type,
      severity: input.severity,
      mode: ctx.mode,
      message: input.message,
      affiliate: input.affiliate,
      data: input.data ?? {},
      created_at: createdAt,
    }
    parts.alerts.push(alert)
    parts.statements.push(
      toStmt(
        qb
          .insert(alerts)
          .values({
            id: alert.id,
            programId: ctx.programId,
            mode: ctx.mode,
            type: alert.type,
            severity: alert.severity,
            affiliateId: alert.affiliate?.id ?? null,
            message: alert.message,
            data: JSON.stringify(alert.data),
            dedupeKey: input.dedupe_key ?? null,
            createdAt,
          })
          .onConflictDoNothing(),
      ),
    )
    parts.events.push({
      type: 'alert',
      mode: ctx.mode,
      at: ctx.now,
      affiliate: alert.affiliate,
      message: alert.message,
      alert: { id: alert.id, type: alert.type, severity: alert.severity },
    })
    parts.webhooks.push({ type: 'alert.raised', data: alert })
  }
  return parts
}
