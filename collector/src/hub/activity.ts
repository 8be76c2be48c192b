/**
 * Recent activity kept by the hub for the live views: per-minute counts of the last two hours
 * (the "last hour by minute" chart; D1 rollups are hourly) and the most recent events (the
 * feed). Both live in the hub's SQLite, are bounded, and are written as events are broadcast.
 */
import type { LiveFeedItem, MinutePoint, Mode } from '../shared'
import type { HubEvent } from './types'

const SCHEMA = `
CREATE TABLE IF NOT EXISTS live_minutes (
  mode TEXT NOT NULL, affiliate_id TEXT NOT NULL, minute INTEGER NOT NULL,
  clicks INTEGER NOT NULL DEFAULT 0, signups INTEGER NOT NULL DEFAULT 0, conversions INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (mode, affiliate_id, minute));
CREATE TABLE IF NOT EXISTS live_feed (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, mode TEXT NOT NULL, affiliate_id TEXT NOT NULL, item TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS live_feed_affiliate ON live_feed (mode, affiliate_id, seq);
`

const MINUTE = 60_000
const KEEP_MINUTES = 120
const KEEP_FEED = 500
const PRUNE_EVERY = 200

const ready = new WeakSet<DurableObjectStorage>()

function sqlOf(storage: DurableObjectStorage): SqlStorage {
  if (!ready.has(storage)) {
    storage.sql.exec(SCHEMA)
    ready.add(storage)
  }
  return storage.sql
}

const COUNTED: Partial<Record<HubEvent['type'], 'clicks' | 'signups' | 'conversions'>> = {
  click: 'clicks',
  signup: 'signups',
  conversion: 'conversions',
}

export function feedItem(event: HubEvent): LiveFeedItem {
  const { mode: _mode, at, ...rest } = event
  return { ...rest, at: new Date(at).toISOString() } as LiveFeedItem
}

export function recordActivity(storage: DurableObjectStorage, event: HubEvent, now = Date.now()): void {
  const sql = sqlOf(storage)
  const affiliateId = event.affiliate?.id ?? ''
  const column = COUNTED[event.type]
  if (column && event.at > now - KEEP_MINUTES * MINUTE && event.at <= now + MINUTE) {
    sql.exec(
      `INSERT INTO live_minutes (mode, affiliate_id, minute, ${column}) VALUES (?, ?, ?, 1)
       ON CONFLICT (mode, affiliate_id, minute) DO UPDATE SET ${column} = ${column} + 1`,
      event.mode,
      affiliateId,
      Math.floor(event.at / MINUTE) * MINUTE,
    )
  }
  const seq = sql
    .exec<{ seq: number }>(
      'INSERT INTO live_feed (mode, affiliate_id, item) VALUES (?, ?, ?) RETURNING seq',
      event.mode,
      affiliateId,
      JSON.stringify(feedItem(event)),
    )
    .one().seq
  if (seq % PRUNE_EVERY === 0) {
    sql.exec('DELETE FROM live_feed WHERE seq <= ?', seq - KEEP_FEED)
    sql.exec('DELETE FROM live_minutes WHERE minute < ?', now - KEEP_MINUTES * MINUTE)
  }
}

/** The last 60 minutes, oldest first, gap-free; the last point is the current minute. */
export function minuteSeries(
  storage: DurableObjectStorage,
  mode: Mode,
  affiliateId?: string,
  now = Date.now(),
): MinutePoint[] {
  const current = Math.floor(now / MINUTE) * MINUTE
  const first = current - 59 * MINUTE
  const rows = sqlOf(storage)
    .exec<{ minute: number; clicks: number; signups: number; conversions: number }>(
      `SELECT minute, SUM(clicks) AS clicks, SUM(signups) AS signups, SUM(conversions) AS conversions
       FROM live_minutes WHERE mode = ? AND minute >= ? ${affiliateId === undefined ? '' : 'AND affiliate_id = ?'}
       GROUP BY minute`,
      ...(affiliateId === undefined ? [mode, first] : [mode, first, affiliateId]),
    )
    .toArray()
  const byMinute = new Map(rows.map((r) => [r.minute, r]))
  const points: MinutePoint[] = []
  for (let t = first; t <= current; t += MINUTE) {
    const r = byMinute.get(t)
    points.push({ t, clicks: r?.clicks ?? 0, signups: r?.signups ?? 0, conversions: r?.conversions ?? 0 })
  }
  return points
}

/** The most recent events, newest first. */
export function recentFeed(
  storage: DurableObjectStorage,
  mode: Mode,
  affiliateId?: string,
  limit = 50,
): LiveFeedItem[] {
  return sqlOf(storage)
    .exec<{ item: string }>(
      `SELECT item FROM live_feed WHERE mode = ? ${affiliateId === undefined ? '' : 'AND affiliate_id = ?'}
       ORDER BY seq DESC LIMIT ?`,
      ...(affiliateId === undefined ? [mode, limit] : [mode, affiliateId, limit]),
    )
    .toArray()
    .map((r) => JSON.parse(r.item) as LiveFeedItem)
}
