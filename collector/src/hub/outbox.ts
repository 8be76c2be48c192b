/**
 * Flushes buffered clicks from the hub to D1. A batch holds at most 500 rows and 512 KB of row
 * data (D1 refuses a statement parameter over 2 MB, and 500 clicks with 2 KB URLs and referrers
 * pass that), and costs three statements whatever its size: rows travel as one JSON parameter
 * expanded with json_each. The batch marker makes a retried flush exactly-once.
 *
 * A batch D1 refuses is checked against its marker (did it land after all?) and, when it did
 * not, is split: the batch size halves on every refusal and doubles back on every success, so
 * one bad row ends up alone. A row refused alone three times is set aside in `outbox_dead`
 * (kept and counted) and goes to D1 as its rollup counts only, so D1's totals still match the
 * hub's. If D1 cannot be reached at all, nothing is split: the alarm retries later.
 */
import { randomToken } from '../lib/crypto'
import type { OutboxClick } from './click'
import { hourBucket, isUniqueViolation } from './d1-writes'
import type { LocalStore } from './local-store'

export const FLUSH_MAX_ROWS = 500
export const FLUSH_MAX_BYTES = 512 * 1024
export const FLUSH_INTERVAL_MS = 1_000
/**
 * How long a click may wait in the hub before it is sent, unless 500 are waiting (then at once).
 * Every flush costs three D1 statements however many rows it carries, so at a few clicks a
 * minute a flush per click would cost 3,000 statements per 1,000 clicks; five minutes makes it
 * about 30. Nothing reads stale numbers meanwhile: stats add the clicks still waiting here
 * (ProgramHub.stats), and the pages that list raw clicks have the hub flush first.
 */
export const DEFAULT_FLUSH_WINDOW_MS = 300_000

/** The deployment's flush window: `CLICK_FLUSH_SECONDS` (a number, 0 = at once), else five minutes. */
export function flushWindowMs(setting: string | undefined): number {
  const seconds = setting === undefined || setting === '' ? Number.NaN : Number(setting)
  return Number.isFinite(seconds) && seconds >= 0 ? Math.min(seconds, 3_600) * 1000 : DEFAULT_FLUSH_WINDOW_MS
}

/**
 * When the queued clicks are due at D1: at once when a full batch waits, else when the oldest
 * has waited the window; null when nothing waits. Pure, so the policy is tested on its own.
 */
export function flushDueAt(
  size: number,
  oldestAt: number | null,
  now: number,
  windowMs: number,
): number | null {
  if (size === 0 || oldestAt === null) return null
  if (size >= FLUSH_MAX_ROWS) return now
  return Math.max(now, oldestAt + windowMs)
}
/** D1's limit on one string value (and a row); local D1 does not enforce it, so we do. */
export const D1_MAX_VALUE_BYTES = 2_000_000
/** Attempts a row gets on its own before it is set aside. */
const ROW_ATTEMPTS = 3

/** A queued click; `rollup_only` once the full row was refused and set aside. */
export type QueuedClick = OutboxClick & { rollup_only?: 1 }

const INSERT_CLICKS = `
INSERT OR IGNORE INTO clicks (program_id, click_id, mode, affiliate_id, ref, sub, url, referrer, ip_hash, is_unique, first_click_id, source, flag, country, created_at)
SELECT ?1, value->>'click_id', value->>'mode', value->>'affiliate_id', value->>'ref', value->>'sub', value->>'url',
       value->>'referrer', value->>'ip_hash', value->>'is_unique', value->>'first_click_id', value->>'source', value->>'flag', value->>'country', value->>'created_at'
FROM json_each(?2)`

const UPSERT_ROLLUPS = `
INSERT INTO rollups (program_id, mode, affiliate_id, sub, hour, currency, clicks, unique_clicks, bot_clicks)
SELECT ?1, value->>'mode', value->>'affiliate_id', value->>'sub', value->>'hour', '', value->>'clicks', value->>'unique_clicks', value->>'bot_clicks'
FROM json_each(?2) WHERE true
ON CONFLICT (program_id, mode, affiliate_id, sub, hour, currency) DO UPDATE SET
  clicks = clicks + excluded.clicks, unique_clicks = unique_clicks + excluded.unique_clicks,
  bot_clicks = bot_clicks + excluded.bot_clicks`

export interface RollupRow {
  mode: string
  affiliate_id: string
  sub: string
  hour: string
  clicks: number
  unique_clicks: number
  bot_clicks: number
}

export function aggregate(rows: QueuedClick[]): RollupRow[] {
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

async function sendBatch(db: D1Database, programId: string, batchId: string, rows: QueuedClick[]) {
  const clicks = JSON.stringify(
    rows
      .filter((r) => r.countable && !r.rollup_only)
      .map((r) => ({ ...r, created_at: new Date(r.at).toISOString() })),
  )
  const bytes = new TextEncoder().encode(clicks).length
  if (bytes > D1_MAX_VALUE_BYTES) throw new Error(`Click batch of ${bytes} bytes exceeds D1's value limit`)
  return db.batch([
    db
      .prepare('INSERT INTO click_batches (program_id, batch_id, rows, created_at) VALUES (?, ?, ?, ?)')
      .bind(programId, batchId, rows.length, new Date().toISOString()),
    db.prepare(INSERT_CLICKS).bind(programId, clicks),
    db.prepare(UPSERT_ROLLUPS).bind(programId, JSON.stringify(aggregate(rows))),
  ])
}

/** Whether a batch D1 answered with an error landed anyway. Throws when D1 cannot be reached. */
async function batchLanded(db: D1Database, programId: string, batchId: string): Promise<boolean> {
  const row = await db
    .prepare('SELECT 1 AS n FROM click_batches WHERE program_id = ? AND batch_id = ?')
    .bind(programId, batchId)
    .first()
  return row !== null
}

function batchCap(store: LocalStore): number {
  return Number(store.getMeta('outbox_cap') ?? FLUSH_MAX_ROWS)
}

/** What a refused batch becomes: smaller batches, another attempt, or a row set aside. */
function onRefused(
  store: LocalStore,
  batch: { batchId: string; rows: QueuedClick[]; seqs: number[] },
  err: unknown,
  now: number,
): void {
  const message = err instanceof Error ? err.message : String(err)
  console.error('ProgramHub click batch refused by D1', batch.rows.length, message)
  if (batch.rows.length > 1) {
    store.setMeta('outbox_cap', String(Math.ceil(batch.rows.length / 2)))
    store.releaseBatch(batch.batchId)
    return
  }
  const seq = batch.seqs[0] as number
  const row = batch.rows[0] as QueuedClick
  const key = `outbox_attempts:${seq}`
  const attempts = Number(store.getMeta(key) ?? 0) + 1
  if (attempts < ROW_ATTEMPTS) {
    store.setMeta(key, String(attempts))
    store.releaseBatch(batch.batchId)
    return
  }
  store.deleteMeta(key)
  if (row.rollup_only) {
    // Even its counts are refused: it stays only in outbox_dead, where health reports it.
    store.deadLetter(seq, message, now, true)
  } else {
    store.deadLetter(seq, message, now, false)
    store.replaceRow(seq, { ...row, url: null, referrer: null, rollup_only: 1 } satisfies QueuedClick)
  }
}

/**
 * Sends one batch. Returns the rows it dealt with (0 when the outbox is empty): confirmed, or
 * put back to go again in smaller batches.
 */
export async function flushOnce(
  db: D1Database,
  store: LocalStore,
  programId: string,
  now = Date.now(),
): Promise<number> {
  const cap = batchCap(store)
  const batch = store.nextBatch(cap, FLUSH_MAX_BYTES, randomToken(20))
  if (!batch) return 0
  const rows = batch.rows as QueuedClick[]
  try {
    await sendBatch(db, programId, batch.batchId, rows)
  } catch (err) {
    // The marker exists: an earlier attempt landed but its confirmation was lost. Don't count twice.
    if (!isUniqueViolation(err, 'click_batches') && !(await batchLanded(db, programId, batch.batchId))) {
      onRefused(store, { batchId: batch.batchId, rows, seqs: batch.seqs }, err, now)
      return rows.length
    }
  }
  store.confirmBatch(batch.batchId)
  // Attempts are only counted for a row sent alone (see onRefused).
  if (batch.seqs.length === 1) store.deleteMeta(`outbox_attempts:${batch.seqs[0]}`)
  if (cap < FLUSH_MAX_ROWS) store.setMeta('outbox_cap', String(Math.min(FLUSH_MAX_ROWS, cap * 2)))
  return rows.length
}
