/**
 * What the hub remembers for the fraud rules and the health view, in its own SQLite next to
 * the counters: flags of clicks and customers, the browsers (IP hashes) an affiliate's portal is
 * opened from, recent conversion amounts and times, which alerts were raised, and where the
 * script runs. Every table is bounded (by age or count): an outsider controls what fills them.
 *
 * This is advisory state, not money: it is written when the hub decides, outside the
 * write-ahead record, so a crash between D1's commit and the hub's can at worst forget one
 * amount or repeat one alert.
 */
import { AMOUNT_HISTORY } from '../domain/fraud'
import type { Mode } from '../shared'

const SCHEMA = `
CREATE TABLE IF NOT EXISTS fraud_click_flags (click_id TEXT PRIMARY KEY, flags TEXT NOT NULL, at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS fraud_click_flags_at ON fraud_click_flags (at);
CREATE TABLE IF NOT EXISTS fraud_customer_flags (
  mode TEXT NOT NULL, customer_id TEXT NOT NULL, flags TEXT NOT NULL, PRIMARY KEY (mode, customer_id));
CREATE TABLE IF NOT EXISTS fraud_portal_ips (
  affiliate_id TEXT NOT NULL, ip_hash TEXT NOT NULL, at INTEGER NOT NULL, PRIMARY KEY (affiliate_id, ip_hash));
CREATE TABLE IF NOT EXISTS fraud_amounts (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, mode TEXT NOT NULL, currency TEXT NOT NULL, amount INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS fraud_amounts_cur ON fraud_amounts (mode, currency, seq);
CREATE TABLE IF NOT EXISTS fraud_conversions (mode TEXT NOT NULL, affiliate_id TEXT NOT NULL, at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS fraud_conversions_aff ON fraud_conversions (mode, affiliate_id, at);
CREATE TABLE IF NOT EXISTS alert_keys (key TEXT PRIMARY KEY, at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS health_origins (
  mode TEXT NOT NULL, origin TEXT NOT NULL, last_at INTEGER NOT NULL, clicks INTEGER NOT NULL,
  PRIMARY KEY (mode, origin));
CREATE TABLE IF NOT EXISTS health_events (mode TEXT NOT NULL, kind TEXT NOT NULL, at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS health_events_at ON health_events (mode, at);
CREATE TABLE IF NOT EXISTS health_counts (
  mode TEXT NOT NULL, name TEXT NOT NULL, n INTEGER NOT NULL, at INTEGER NOT NULL, PRIMARY KEY (mode, name));
`

/** Salts rotate daily, so a portal visit's IP hash can only match clicks of the same day. */
const PORTAL_IP_TTL_MS = 48 * 3_600_000
const PORTAL_IPS_PER_AFFILIATE = 20
const ORIGINS_PER_MODE = 50
const CLICK_FLAG_TTL_MS = 400 * 86_400_000
const ALERT_KEY_TTL_MS = 7 * 86_400_000
const CONVERSION_TIMES_TTL_MS = 86_400_000
/** The longest window a health threshold may have (720 hours), and at most this many events kept (both modes). */
const HEALTH_EVENTS_TTL_MS = 30 * 86_400_000
const HEALTH_EVENTS_MAX = 50_000

/** What the unattributed-share and refund-spike rules count. */
export type HealthEventKind = 'attributed' | 'unattributed' | 'refund'

export interface HealthMemory {
  last_click_at: string | null
  origins: Array<{ origin: string; last_click_at: string; clicks: number }>
  blocked_clicks: number
}

export class FraudMemory {
  /**
   * Origins known to have a row in health_origins (at most ORIGINS_PER_MODE a mode, as the
   * table), so a click from a known origin costs one upsert instead of two reads and an upsert.
   * Rows are never deleted, so an entry never goes stale.
   */
  private readonly knownOrigins = new Set<string>()

  constructor(private readonly sql: SqlStorage) {
    sql.exec(SCHEMA)
  }

  flagClick(clickId: string, flags: readonly string[], at: number): void {
    if (!flags.length) return
    this.sql.exec(
      'INSERT OR REPLACE INTO fraud_click_flags (click_id, flags, at) VALUES (?, ?, ?)',
      clickId,
      flags.join(','),
      at,
    )
  }

  clickFlags(clickId: string | null): string[] {
    if (!clickId) return []
    const rows = this.sql
      .exec<{ flags: string }>('SELECT flags FROM fraud_click_flags WHERE click_id = ?', clickId)
      .toArray()
    return rows[0] ? rows[0].flags.split(',') : []
  }

  /** The IP hash of the click (from the hub's click table), for the portal-browser rule. */
  clickIpHash(clickId: string | null): string | null {
    if (!clickId) return null
    const rows = this.sql
      .exec<{ ip_hash: string }>('SELECT ip_hash FROM clicks WHERE click_id = ?', clickId)
      .toArray()
    return rows[0]?.ip_hash ?? null
  }

  setCustomerFlags(mode: Mode, customerId: string, flags: readonly string[]): void {
    if (!flags.length) return
    this.sql.exec(
      'INSERT OR REPLACE INTO fraud_customer_flags (mode, customer_id, flags) VALUES (?, ?, ?)',
      mode,
      customerId,
      flags.join(','),
    )
  }

  customerFlags(mode: Mode, customerId: string | null | undefined): string[] {
    if (!customerId) return []
    const rows = this.sql
      .exec<{ flags: string }>(
        'SELECT flags FROM fraud_customer_flags WHERE mode = ? AND customer_id = ?',
        mode,
        customerId,
      )
      .toArray()
    return rows[0] ? rows[0].flags.split(',') : []
  }

  /** Other customers of the program (this mode) with the same email hash. */
  otherCustomersWithEmail(mode: Mode, emailHash: string | null, customerId: string): number {
    if (!emailHash) return 0
    return this.sql
      .exec<{ n: number }>(
        'SELECT COUNT(*) AS n FROM customers WHERE mode = ? AND email_hash = ? AND customer_id != ?',
        mode,
        emailHash,
        customerId,
      )
      .one().n
  }

  notePortalVisit(affiliateId: string, ipHash: string, at: number): void {
    this.sql.exec('DELETE FROM fraud_portal_ips WHERE at < ?', at - PORTAL_IP_TTL_MS)
    this.sql.exec(
      'INSERT OR REPLACE INTO fraud_portal_ips (affiliate_id, ip_hash, at) VALUES (?, ?, ?)',
      affiliateId,
      ipHash,
      at,
    )
    this.sql.exec(
      `DELETE FROM fraud_portal_ips WHERE affiliate_id = ? AND ip_hash NOT IN (
         SELECT ip_hash FROM fraud_portal_ips WHERE affiliate_id = ? ORDER BY at DESC LIMIT ?)`,
      affiliateId,
      affiliateId,
      PORTAL_IPS_PER_AFFILIATE,
    )
  }

  portalIpHashes(affiliateId: string, now: number): string[] {
    return this.sql
      .exec<{ ip_hash: string }>(
        'SELECT ip_hash FROM fraud_portal_ips WHERE affiliate_id = ? AND at >= ?',
        affiliateId,
        now - PORTAL_IP_TTL_MS,
      )
      .toArray()
      .map((r) => r.ip_hash)
  }

  recentAmounts(mode: Mode, currency: string): number[] {
    return this.sql
      .exec<{ amount: number }>(
        'SELECT amount FROM fraud_amounts WHERE mode = ? AND currency = ? ORDER BY seq DESC LIMIT ?',
        mode,
        currency,
        AMOUNT_HISTORY,
      )
      .toArray()
      .map((r) => r.amount)
  }

  conversionsSince(mode: Mode, affiliateId: string, since: number): number {
    return this.sql
      .exec<{ n: number }>(
        'SELECT COUNT(*) AS n FROM fraud_conversions WHERE mode = ? AND affiliate_id = ? AND at > ?',
        mode,
        affiliateId,
        since,
      )
      .one().n
  }

  /** After a conversion is committed: its amount for the median, its time for the burst rule. */
  recordConversion(
    mode: Mode,
    currency: string,
    amount: number,
    affiliateId: string | null,
    at: number,
  ): void {
    this.sql.exec(
      'INSERT INTO fraud_amounts (mode, currency, amount) VALUES (?, ?, ?)',
      mode,
      currency,
      amount,
    )
    this.sql.exec(
      `DELETE FROM fraud_amounts WHERE mode = ? AND currency = ? AND seq NOT IN (
         SELECT seq FROM fraud_amounts WHERE mode = ? AND currency = ? ORDER BY seq DESC LIMIT ?)`,
      mode,
      currency,
      mode,
      currency,
      AMOUNT_HISTORY,
    )
    if (affiliateId) {
      this.sql.exec(
        'INSERT INTO fraud_conversions (mode, affiliate_id, at) VALUES (?, ?, ?)',
        mode,
        affiliateId,
        at,
      )
    }
    this.sql.exec('DELETE FROM fraud_conversions WHERE at < ?', at - CONVERSION_TIMES_TTL_MS)
  }

  /** A committed conversion (attributed or not) or refund, for the window rules of tracking health. */
  noteHealthEvent(mode: Mode, kind: HealthEventKind, at: number): void {
    this.sql.exec('INSERT INTO health_events (mode, kind, at) VALUES (?, ?, ?)', mode, kind, at)
    this.sql.exec('DELETE FROM health_events WHERE mode = ? AND at < ?', mode, at - HEALTH_EVENTS_TTL_MS)
    // The newest rows have the highest rowids: one indexed range delete, not a scan per event.
    this.sql.exec(
      'DELETE FROM health_events WHERE rowid <= (SELECT MAX(rowid) FROM health_events) - ?',
      HEALTH_EVENTS_MAX,
    )
  }

  /** Conversions (and how many were credited to nobody) and refunds since `since`. */
  healthEventsSince(
    mode: Mode,
    since: number,
  ): { conversions: number; unattributed: number; refunds: number } {
    const rows = this.sql
      .exec<{ kind: HealthEventKind; n: number }>(
        'SELECT kind, COUNT(*) AS n FROM health_events WHERE mode = ? AND at >= ? GROUP BY kind',
        mode,
        since,
      )
      .toArray()
    const n = (k: HealthEventKind) => rows.find((r) => r.kind === k)?.n ?? 0
    return {
      conversions: n('attributed') + n('unattributed'),
      unattributed: n('unattributed'),
      refunds: n('refund'),
    }
  }

  /** The time of the mode's last countable click, or null before the first. */
  lastCountableClickAt(mode: Mode): number | null {
    return this.sql.exec<{ at: number | null }>('SELECT MAX(at) AS at FROM clicks WHERE mode = ?', mode).one()
      .at
  }

  /** Countable clicks of the mode between `from` and `to` (the hub's own click table). */
  clicksBetween(mode: Mode, from: number, to: number): number {
    return this.sql
      .exec<{ n: number }>(
        'SELECT COUNT(*) AS n FROM clicks WHERE mode = ? AND at >= ? AND at <= ?',
        mode,
        from,
        to,
      )
      .one().n
  }

  alertRaised(key: string): boolean {
    return this.sql.exec('SELECT 1 FROM alert_keys WHERE key = ?', key).toArray().length > 0
  }

  markAlerts(keys: readonly string[], at: number): void {
    for (const key of keys) this.sql.exec('INSERT OR IGNORE INTO alert_keys (key, at) VALUES (?, ?)', key, at)
    this.sql.exec('DELETE FROM alert_keys WHERE at < ?', at - ALERT_KEY_TTL_MS)
  }

  /** Where the script runs: the page's origin of every click (bots included), bounded in count. */
  noteClickOrigin(mode: Mode, url: string | null, at: number): void {
    this.bump(mode, 'clicks_seen', 1, at)
    let origin: string
    try {
      origin = url ? new URL(url).origin : ''
    } catch {
      origin = ''
    }
    if (!origin || origin === 'null') return
    const key = `${mode} ${origin}`
    if (!this.knownOrigins.has(key)) {
      const known = this.sql
        .exec('SELECT 1 FROM health_origins WHERE mode = ? AND origin = ?', mode, origin.slice(0, 200))
        .toArray().length
      if (!known) {
        const count = this.sql
          .exec<{ n: number }>('SELECT COUNT(*) AS n FROM health_origins WHERE mode = ?', mode)
          .one().n
        if (count >= ORIGINS_PER_MODE) return
      }
      this.knownOrigins.add(key)
    }
    this.sql.exec(
      `INSERT INTO health_origins (mode, origin, last_at, clicks) VALUES (?, ?, ?, 1)
       ON CONFLICT (mode, origin) DO UPDATE SET last_at = MAX(last_at, excluded.last_at), clicks = clicks + 1`,
      mode,
      origin.slice(0, 200),
      at,
    )
  }

  bump(mode: Mode, name: string, by: number, at: number): void {
    this.sql.exec(
      `INSERT INTO health_counts (mode, name, n, at) VALUES (?, ?, ?, ?)
       ON CONFLICT (mode, name) DO UPDATE SET n = n + excluded.n, at = MAX(at, excluded.at)`,
      mode,
      name,
      by,
      at,
    )
  }

  count(mode: Mode, name: string): { n: number; at: number | null } {
    const rows = this.sql
      .exec<{ n: number; at: number }>(
        'SELECT n, at FROM health_counts WHERE mode = ? AND name = ?',
        mode,
        name,
      )
      .toArray()
    return rows[0] ? { n: rows[0].n, at: rows[0].at } : { n: 0, at: null }
  }

  health(mode: Mode): HealthMemory {
    const seen = this.count(mode, 'clicks_seen')
    const origins = this.sql
      .exec<{ origin: string; last_at: number; clicks: number }>(
        'SELECT origin, last_at, clicks FROM health_origins WHERE mode = ? ORDER BY last_at DESC',
        mode,
      )
      .toArray()
      .map((r) => ({ origin: r.origin, last_click_at: new Date(r.last_at).toISOString(), clicks: r.clicks }))
    return {
      last_click_at: seen.at ? new Date(seen.at).toISOString() : null,
      origins,
      blocked_clicks: this.count(mode, 'blocked_clicks').n,
    }
  }

  prune(now: number): void {
    this.sql.exec('DELETE FROM fraud_click_flags WHERE at < ?', now - CLICK_FLAG_TTL_MS)
  }
}
