/**
 * The webhooks' part of the hourly cron: wake every dispatcher that has due deliveries (a lost
 * kick or alarm costs at most an hour), and drop finished deliveries from the log after 30 days.
 * Both are range scans of an index (`webhook_deliveries_pending`, `webhook_deliveries_finished`)
 * and bounded per run, so the cron never reads the whole log.
 */
import type { Env } from '../lib/env'
import { kickWebhooks } from './enqueue'

export const LOG_RETENTION_MS = 30 * 86_400_000
const MAX_PROGRAMS_PER_RUN = 1_000
const MAX_PRUNED_PER_RUN = 10_000

export async function runWebhookMaintenance(
  env: Env,
  now = Date.now(),
): Promise<{ kicked: number; pruned: number }> {
  const { results } = await env.DB.prepare(
    "SELECT DISTINCT program_id FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= ? LIMIT ?",
  )
    .bind(now, MAX_PROGRAMS_PER_RUN)
    .all<{ program_id: string }>()
  for (const { program_id } of results) await kickWebhooks(env, program_id)
  const cutoff = new Date(now - LOG_RETENTION_MS).toISOString()
  const pruned = await env.DB.prepare(
    `DELETE FROM webhook_deliveries WHERE id IN (
       SELECT id FROM webhook_deliveries WHERE status = 'delivered' AND created_at < ?
       UNION ALL
       SELECT id FROM webhook_deliveries WHERE status = 'failed' AND created_at < ?
       LIMIT ?)`,
  )
    .bind(cutoff, cutoff, MAX_PRUNED_PER_RUN)
    .run()
  return { kicked: results.length, pruned: pruned.meta.changes ?? 0 }
}
