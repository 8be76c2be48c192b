/**
 * Statement builders for the hub's D1 batches. A D1 batch is one transaction: either every
 * statement of an event lands or none does, so no half-written record is ever visible.
 */
import type { Mode } from '../shared'
import type { TotalsDelta } from './local-store'

export interface RollupDelta extends TotalsDelta {
  bot_clicks?: number
}

/** 'YYYY-MM-DDTHH' in UTC: the rollup bucket of a moment. */
export function hourBucket(at: number): string {
  return new Date(at).toISOString().slice(0, 13)
}

export function rollupStatement(
  db: D1Database,
  key: {
    programId: string
    mode: Mode
    affiliateId: string | null
    sub: string | null
    at: number
    currency: string
  },
  d: RollupDelta,
): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO rollups (program_id, mode, affiliate_id, sub, hour, currency, clicks, unique_clicks, bot_clicks, signups, conversions, refunds, revenue, commission)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (program_id, mode, affiliate_id, sub, hour, currency) DO UPDATE SET
         clicks = clicks + excluded.clicks, unique_clicks = unique_clicks + excluded.unique_clicks,
         bot_clicks = bot_clicks + excluded.bot_clicks, signups = signups + excluded.signups,
         conversions = conversions + excluded.conversions, refunds = refunds + excluded.refunds,
         revenue = revenue + excluded.revenue, commission = commission + excluded.commission`,
    )
    .bind(
      key.programId,
      key.mode,
      key.affiliateId ?? '',
      key.sub ?? '',
      hourBucket(key.at),
      key.currency,
      d.clicks ?? 0,
      d.unique_clicks ?? 0,
      d.bot_clicks ?? 0,
      d.signups ?? 0,
      d.conversions ?? 0,
      d.refunds ?? 0,
      d.revenue ?? 0,
      d.commission ?? 0,
    )
}

/** The idempotency record; a plain INSERT, so a second writer's whole batch fails and rolls back. */
export function eventStatement(
  db: D1Database,
  e: {
    programId: string
    mode: Mode
    kind: string
    eventId: string
    bodyHash: string
    status: number
    response: string
    at: string
  },
): D1PreparedStatement {
  return db
    .prepare(
      'INSERT INTO events (program_id, mode, kind, event_id, body_hash, status, response, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    )
    .bind(e.programId, e.mode, e.kind, e.eventId, e.bodyHash, e.status, e.response, e.at)
}

/** True when a D1 error (possibly wrapped, as drizzle does) is a unique violation on `table`. */
export function isUniqueViolation(err: unknown, table: string): boolean {
  for (let e: unknown = err; e; e = e instanceof Error ? e.cause : undefined) {
    const message = e instanceof Error ? e.message : String(e)
    if (message.includes('UNIQUE constraint failed') && message.includes(`${table}.`)) return true
  }
  return false
}
