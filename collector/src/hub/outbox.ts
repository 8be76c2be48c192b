/**
 * Flushes buffered clicks from the hub to D1: ≤ 500 rows per batch, three statements whatever
 * the row count (rows travel as one JSON parameter and are expanded with json_each), which keeps
 * far below D1's per-invocation query limits. The batch marker makes a retried flush exactly-once.
 */
import { randomToken } from '../lib/crypto'
import type { OutboxClick } from './click'
import { hourBucket, isUniqueViolation } from './d1-writes'
import type { LocalStore } from './local-store'

export const FLUSH_MAX_ROWS = 500
export const FLUSH_INTERVAL_MS = 1_000

const INSERT_CLICKS = `
INSERT OR IGNORE INTO clicks (program_id, click_id, mode, affiliate_id, ref, sub, url, referrer, ip_hash, is_unique, first_click_id, source, created_at)
SELECT ?1, value->>'click_id', value->>'mode', value->>'affiliate_id', value->>'ref', value->>'sub', value->>'url',
       value->>'referrer', value->>'ip_hash', value->>'is_unique', value->>'first_click_id', value->>'source', value->>'created_at'
FROM json_each(?2)`

const UPSERT_ROLLUPS = `
INSERT INTO rollups (program_id, mode, affiliate_id, sub, hour, currency, clicks, unique_clicks, bot_clicks)
SELECT ?1, value->>'mode', value->>'affiliate_id', value->>'sub', value->>'hour', '', value->>'clicks', value->>'unique_clicks', value->>'bot_clicks'
FROM json_each(?2) WHERE true
ON CONFLICT (program_id, mode, affiliate_id, sub, hour, currency) DO UPDATE SET
  clicks = clicks + excluded.clicks, unique_clicks = unique_clicks + excluded.unique_clicks,
  bot_clicks = bot_clicks + excluded.bot_clicks`

interface RollupRow {
  mode: string
  affiliate_id: string
  sub: string
  hour: string
  clicks: number
  unique_clicks: number
  bot_clicks: number
}

function aggregate(rows: OutboxClick[]): RollupRow[] {
  const byKey = new Map<string, RollupRow>()
  for (const r of rows) {
    const hour = hourBucket(r.at)
    const key = `${r.mode}|${r.affiliate_id ?? ''}|${r.sub ?? ''}|${hour}`
    let agg = byKey.get(key)
    if (!agg) {
      agg = {
        mode: r.mode,
        affiliate_id: r.affiliate_id ?? '',
        sub: r.sub ?? '',
        hour,
        clicks: 0,
        unique_clicks: 0,
        bot_clicks: 0,
      }
      byKey.set(key, agg)
    }
    if (r.countable) {
      agg.clicks += 1
      agg.unique_clicks += r.is_unique
    } else {
      agg.bot_clicks += 1
    }
  }
  return [...byKey.values()]
}

/** Sends one batch; returns the number of rows confirmed (0 when the outbox is empty). */
export async function flushOnce(db: D1Database, store: LocalStore, programId: string): Promise<number> {
  const batch = store.nextBatch(FLUSH_MAX_ROWS, randomToken(20))
  if (!batch) return 0
  const rows = batch.rows as OutboxClick[]
  const clicks = rows
    .filter((r) => r.countable)
    .map((r) => ({ ...r, created_at: new Date(r.at).toISOString() }))
  try {
    await db.batch([
      db
        .prepare('INSERT INTO click_batches (program_id, batch_id, rows, created_at) VALUES (?, ?, ?, ?)')
        .bind(programId, batch.batchId, rows.length, new Date().toISOString()),
      db.prepare(INSERT_CLICKS).bind(programId, JSON.stringify(clicks)),
      db.prepare(UPSERT_ROLLUPS).bind(programId, JSON.stringify(aggregate(rows))),
    ])
  } catch (err) {
    // The marker exists: an earlier attempt landed but its confirmation was lost. Don't count twice.
    if (!isUniqueViolation(err, 'click_batches')) throw err
  }
  store.confirmBatch(batch.batchId)
  return rows.length
}
