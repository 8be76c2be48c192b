/**
 * The hub's own SQLite (Durable Object storage): the state it needs to decide quickly and
 * race-free — clicks for attribution and unique counting, customers, idempotency records,
 * live counters and the click outbox. Every write here is synchronous and survives eviction.
 */
import type { Mode, Totals } from '../shared'
import { emptyTotals } from '../shared'

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS clicks (
  click_id TEXT PRIMARY KEY, mode TEXT NOT NULL, affiliate_id TEXT, sub TEXT,
  ip_hash TEXT NOT NULL, first_click_id TEXT, at INTEGER NOT NULL, is_unique INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS clicks_unique ON clicks (affiliate_id, ip_hash, at);
CREATE INDEX IF NOT EXISTS clicks_at ON clicks (at);
CREATE TABLE IF NOT EXISTS outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, batch TEXT, row TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS outbox_batch ON outbox (batch);
CREATE TABLE IF NOT EXISTS customers (
  mode TEXT NOT NULL, customer_id TEXT NOT NULL, affiliate_id TEXT, click_id TEXT, click_at INTEGER,
  sub TEXT, email_hash TEXT, first_conversion_at INTEGER, signup_event_id TEXT,
  PRIMARY KEY (mode, customer_id));
CREATE TABLE IF NOT EXISTS events (
  mode TEXT NOT NULL, kind TEXT NOT NULL, event_id TEXT NOT NULL, body_hash TEXT NOT NULL,
  status INTEGER NOT NULL, response TEXT NOT NULL, PRIMARY KEY (mode, kind, event_id));
CREATE TABLE IF NOT EXISTS totals (
  mode TEXT NOT NULL, affiliate_id TEXT NOT NULL, currency TEXT NOT NULL,
  clicks INTEGER NOT NULL DEFAULT 0, unique_clicks INTEGER NOT NULL DEFAULT 0,
  signups INTEGER NOT NULL DEFAULT 0, conversions INTEGER NOT NULL DEFAULT 0,
  refunds INTEGER NOT NULL DEFAULT 0, revenue INTEGER NOT NULL DEFAULT 0,
  commission INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (mode, affiliate_id, currency));
`

export type StoredClick = {
  click_id: string
  mode: Mode
  affiliate_id: string | null
  sub: string | null
  ip_hash: string
  first_click_id: string | null
  at: number
  is_unique: number
}

export type StoredCustomer = {
  mode: Mode
  customer_id: string
  affiliate_id: string | null
  click_id: string | null
  click_at: number | null
  sub: string | null
  email_hash: string | null
  first_conversion_at: number | null
  /** The event that signed the customer up, or null for a customer first seen at a conversion. */
  signup_event_id: string | null
}

export type StoredEvent = {
  body_hash: string
  status: number
  response: string
}

/** A change to the live counters; money goes in the row of its currency, counts in the '' row. */
export interface TotalsDelta {
  clicks?: number
  unique_clicks?: number
  signups?: number
  conversions?: number
  refunds?: number
  revenue?: number
  commission?: number
}

const UNIQUE_WINDOW_MS = 3_600_000

export class LocalStore {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(SCHEMA)
  }

  getMeta(key: string): string | null {
    const rows = this.sql.exec<{ value: string }>('SELECT value FROM meta WHERE key = ?', key).toArray()
    return rows[0]?.value ?? null
  }

  setMeta(key: string, value: string): void {
    this.sql.exec('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)', key, value)
  }

  click(clickId: string): StoredClick | null {
    return this.sql.exec<StoredClick>('SELECT * FROM clicks WHERE click_id = ?', clickId).toArray()[0] ?? null
  }

  /** A click is unique unless the same visitor hash clicked the same affiliate within the hour. */
  isUniqueClick(affiliateId: string | null, ipHash: string, at: number): boolean {
    const rows = this.sql
      .exec(
        'SELECT 1 FROM clicks WHERE affiliate_id IS ? AND ip_hash = ? AND at > ? LIMIT 1',
        affiliateId,
        ipHash,
        at - UNIQUE_WINDOW_MS,
      )
      .toArray()
    return rows.length === 0
  }

  insertClick(click: StoredClick, outboxRow: unknown): void {
    this.sql.exec(
      'INSERT INTO clicks (click_id, mode, affiliate_id, sub, ip_hash, first_click_id, at, is_unique) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      click.click_id,
      click.mode,
      click.affiliate_id,
      click.sub,
      click.ip_hash,
      click.first_click_id,
      click.at,
      click.is_unique,
    )
    this.enqueue(outboxRow)
  }

  enqueue(outboxRow: unknown): void {
    this.sql.exec('INSERT INTO outbox (row) VALUES (?)', JSON.stringify(outboxRow))
  }

  /** Drops clicks older than the longest cookie window: they can no longer attribute anything. */
  pruneClicks(before: number): void {
    this.sql.exec('DELETE FROM clicks WHERE at < ?', before)
  }

  outboxSize(): number {
    return this.sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM outbox').one().n
  }

  /**
   * The batch to flush next: a batch already sent but not confirmed is resent as it was (so
   * D1's batch marker can tell it was applied); otherwise up to `limit` new rows get a batch id.
   */
  nextBatch(limit: number, newBatchId: string): { batchId: string; rows: unknown[] } | null {
    const pending = this.sql
      .exec<{ batch: string }>('SELECT batch FROM outbox WHERE batch IS NOT NULL LIMIT 1')
      .toArray()
    let batchId = pending[0]?.batch
    if (!batchId) {
      batchId = newBatchId
      this.sql.exec(
        'UPDATE outbox SET batch = ? WHERE seq IN (SELECT seq FROM outbox WHERE batch IS NULL ORDER BY seq LIMIT ?)',
        batchId,
        limit,
      )
    }
    const rows = this.sql
      .exec<{ row: string }>('SELECT row FROM outbox WHERE batch = ? ORDER BY seq', batchId)
      .toArray()
      .map((r) => JSON.parse(r.row) as unknown)
    return rows.length ? { batchId, rows } : null
  }

  confirmBatch(batchId: string): void {
    this.sql.exec('DELETE FROM outbox WHERE batch = ?', batchId)
  }

  customer(mode: Mode, customerId: string): StoredCustomer | null {
    return (
      this.sql
        .exec<StoredCustomer>('SELECT * FROM customers WHERE mode = ? AND customer_id = ?', mode, customerId)
        .toArray()[0] ?? null
    )
  }

  saveCustomer(c: StoredCustomer): void {
    this.sql.exec(
      `INSERT OR REPLACE INTO customers (mode, customer_id, affiliate_id, click_id, click_at, sub, email_hash, first_conversion_at, signup_event_id)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      c.mode,
      c.customer_id,
      c.affiliate_id,
      c.click_id,
      c.click_at,
      c.sub,
      c.email_hash,
      c.first_conversion_at,
      c.signup_event_id,
    )
  }

  deleteCustomer(mode: Mode, customerId: string): void {
    this.sql.exec('DELETE FROM customers WHERE mode = ? AND customer_id = ?', mode, customerId)
  }

  event(mode: Mode, kind: string, eventId: string): StoredEvent | null {
    return (
      this.sql
        .exec<StoredEvent>(
          'SELECT body_hash, status, response FROM events WHERE mode = ? AND kind = ? AND event_id = ?',
          mode,
          kind,
          eventId,
        )
        .toArray()[0] ?? null
    )
  }

  saveEvent(mode: Mode, kind: string, eventId: string, ev: StoredEvent): void {
    this.sql.exec(
      'INSERT OR REPLACE INTO events (mode, kind, event_id, body_hash, status, response) VALUES (?, ?, ?, ?, ?, ?)',
      mode,
      kind,
      eventId,
      ev.body_hash,
      ev.status,
      ev.response,
    )
  }

  addTotals(mode: Mode, affiliateId: string | null, currency: string, d: TotalsDelta): void {
    this.sql.exec(
      `INSERT INTO totals (mode, affiliate_id, currency, clicks, unique_clicks, signups, conversions, refunds, revenue, commission)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (mode, affiliate_id, currency) DO UPDATE SET
         clicks = clicks + excluded.clicks, unique_clicks = unique_clicks + excluded.unique_clicks,
         signups = signups + excluded.signups, conversions = conversions + excluded.conversions,
         refunds = refunds + excluded.refunds, revenue = revenue + excluded.revenue,
         commission = commission + excluded.commission`,
      mode,
      affiliateId ?? '',
      currency,
      d.clicks ?? 0,
      d.unique_clicks ?? 0,
      d.signups ?? 0,
      d.conversions ?? 0,
      d.refunds ?? 0,
      d.revenue ?? 0,
      d.commission ?? 0,
    )
  }

  /** Totals of the whole program, or of one affiliate, for one mode. */
  totals(mode: Mode, affiliateId?: string): Totals {
    const rows = this.sql
      .exec<Record<string, number | string>>(
        affiliateId === undefined
          ? 'SELECT * FROM totals WHERE mode = ?'
          : 'SELECT * FROM totals WHERE mode = ? AND affiliate_id = ?',
        ...(affiliateId === undefined ? [mode] : [mode, affiliateId]),
      )
      .toArray()
    const t = emptyTotals()
    for (const r of rows) {
      t.clicks += Number(r.clicks)
      t.unique_clicks += Number(r.unique_clicks)
      t.signups += Number(r.signups)
      t.conversions += Number(r.conversions)
      t.refunds += Number(r.refunds)
      const cur = String(r.currency)
      if (cur) {
        t.revenue[cur] = (t.revenue[cur] ?? 0) + Number(r.revenue)
        t.commission[cur] = (t.commission[cur] ?? 0) + Number(r.commission)
      }
    }
    return t
  }
}
