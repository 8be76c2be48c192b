/**
 * The hub's own SQLite (Durable Object storage): the state it needs to decide quickly and
 * race-free — clicks for attribution and unique counting, customers, idempotency records,
 * live counters and the click outbox. Every write here is synchronous and survives eviction.
 */
import type { Mode, Totals } from '../shared'
import { emptyTotals } from '../shared'
import type { EventKind } from './d1-writes'
import type { HubEvent, LocalEffects, Stmt } from './types'

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS clicks (
  click_id TEXT PRIMARY KEY, mode TEXT NOT NULL, affiliate_id TEXT, sub TEXT,
  ip_hash TEXT NOT NULL, first_click_id TEXT, at INTEGER NOT NULL, is_unique INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS clicks_unique ON clicks (affiliate_id, ip_hash, at);
CREATE INDEX IF NOT EXISTS clicks_at ON clicks (at);
CREATE TABLE IF NOT EXISTS outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, batch TEXT, row TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS outbox_batch ON outbox (batch);
CREATE TABLE IF NOT EXISTS outbox_dead (seq INTEGER PRIMARY KEY, row TEXT NOT NULL, error TEXT NOT NULL, at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS pending (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, mode TEXT NOT NULL, kind TEXT NOT NULL, event_id TEXT NOT NULL,
  body_hash TEXT NOT NULL, response TEXT NOT NULL, statements TEXT NOT NULL, local TEXT NOT NULL,
  events TEXT NOT NULL, at INTEGER NOT NULL);
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

/**
 * A money event written ahead: its D1 batch, its answer and its local effects, stored before the
 * batch is sent and deleted in the same transaction that applies the effects, so a crash between
 * D1's commit and the hub's can always be completed (see ProgramHub.resolvePending).
 */
export interface PendingEvent {
  seq: number
  mode: Mode
  kind: EventKind
  event_id: string
  body_hash: string
  response: string
  statements: Stmt[]
  local: LocalEffects
  events: HubEvent[]
  at: number
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

  deleteMeta(key: string): void {
    this.sql.exec('DELETE FROM meta WHERE key = ?', key)
  }

  click(clickId: string): StoredClick | null {
    return this.sql.exec<StoredClick>('SELECT * FROM clicks WHERE click_id = ?', clickId).toArray()[0] ?? null
  }

  /**
   * What the click rules need to know of a visitor's earlier clicks for an affiliate, in one
   * seek of the (affiliate_id, ip_hash, at) index: whether one came within the hour (a click is
   * unique unless the same visitor hash clicked the same affiliate within the hour), and how
   * many since `floodSince` (the click-flood window, counted only for an affiliate).
   */
  earlierClicks(
    affiliateId: string | null,
    ipHash: string,
    at: number,
    floodSince: number,
  ): { unique: boolean; flood: number } {
    const since = at - UNIQUE_WINDOW_MS
    const row = this.sql
      .exec<{ recent: number; flood: number }>(
        `SELECT COUNT(*) FILTER (WHERE at > ?1) AS recent, COUNT(*) FILTER (WHERE at > ?2) AS flood
         FROM clicks WHERE affiliate_id IS ?3 AND ip_hash = ?4 AND at > MIN(?1, ?2)`,
        since,
        floodSince,
        affiliateId,
        ipHash,
      )
      .one()
    return { unique: row.recent === 0, flood: affiliateId === null ? 0 : row.flood }
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

  /** A click restored from D1 during a rebuild (it is already there: no outbox row). */
  insertClickOnly(click: StoredClick): void {
    this.sql.exec(
      'INSERT OR IGNORE INTO clicks (click_id, mode, affiliate_id, sub, ip_hash, first_click_id, at, is_unique) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      click.click_id,
      click.mode,
      click.affiliate_id,
      click.sub,
      click.ip_hash,
      click.first_click_id,
      click.at,
      click.is_unique,
    )
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
   * D1's batch marker can tell it was applied); otherwise new rows get a batch id, up to
   * `maxRows` rows and `maxBytes` of row JSON (a row larger than that goes alone).
   */
  nextBatch(
    maxRows: number,
    maxBytes: number,
    newBatchId: string,
  ): { batchId: string; rows: unknown[]; seqs: number[] } | null {
    const pending = this.sql
      .exec<{ batch: string }>('SELECT batch FROM outbox WHERE batch IS NOT NULL LIMIT 1')
      .toArray()
    let batchId = pending[0]?.batch
    if (!batchId) {
      batchId = newBatchId
      const candidates = this.sql
        .exec<{ seq: number; size: number }>(
          'SELECT seq, length(row) AS size FROM outbox WHERE batch IS NULL ORDER BY seq LIMIT ?',
          maxRows,
        )
        .toArray()
      let bytes = 0
      let last = -1
      for (const c of candidates) {
        if (last >= 0 && bytes + c.size > maxBytes) break
        bytes += c.size
        last = c.seq
      }
      if (last < 0) return null
      this.sql.exec('UPDATE outbox SET batch = ? WHERE batch IS NULL AND seq <= ?', batchId, last)
    }
    const rows = this.sql
      .exec<{ seq: number; row: string }>('SELECT seq, row FROM outbox WHERE batch = ? ORDER BY seq', batchId)
      .toArray()
    if (!rows.length) return null
    return { batchId, rows: rows.map((r) => JSON.parse(r.row) as unknown), seqs: rows.map((r) => r.seq) }
  }

  /**
   * Queued rows, oldest first: with `unsentOnly`, those no batch has taken yet (what D1 cannot
   * have); else a batch in flight's too.
   */
  queuedRows(unsentOnly = false): unknown[] {
    return this.sql
      .exec<{ row: string }>(`SELECT row FROM outbox${unsentOnly ? ' WHERE batch IS NULL' : ''} ORDER BY seq`)
      .toArray()
      .map((r) => JSON.parse(r.row) as unknown)
  }

  /**
   * The outbox's size and the time its oldest click was recorded (null when empty), in one
   * statement on every click: the first row by seq (rows are queued as clicks arrive) is one seek.
   */
  outboxState(): { size: number; oldestAt: number | null } {
    const row = this.sql
      .exec<{ size: number; at: number | null }>(
        `SELECT COUNT(*) AS size,
           (SELECT json_extract(row, '$.at') FROM outbox ORDER BY seq LIMIT 1) AS at FROM outbox`,
      )
      .one()
    return { size: row.size, oldestAt: row.at ?? null }
  }

  confirmBatch(batchId: string): void {
    this.sql.exec('DELETE FROM outbox WHERE batch = ?', batchId)
  }

  /** D1 refused a batch that never landed: its rows go back to be batched again (smaller). */
  releaseBatch(batchId: string): void {
    this.sql.exec('UPDATE outbox SET batch = NULL WHERE batch = ?', batchId)
  }

  /** Replaces a queued row (a bad row is retried as its rollup counts only). */
  replaceRow(seq: number, row: unknown): void {
    this.sql.exec('UPDATE outbox SET row = ?, batch = NULL WHERE seq = ?', JSON.stringify(row), seq)
  }

  /**
   * A row D1 refuses on its own: a copy is kept aside (never lost, never retried forever,
   * counted); `remove` also takes it out of the outbox.
   */
  deadLetter(seq: number, error: string, at: number, remove: boolean): void {
    this.sql.exec(
      'INSERT OR REPLACE INTO outbox_dead (seq, row, error, at) SELECT seq, row, ?, ? FROM outbox WHERE seq = ?',
      error.slice(0, 500),
      at,
      seq,
    )
    if (remove) this.sql.exec('DELETE FROM outbox WHERE seq = ?', seq)
  }

  deadLetterCount(): number {
    return this.sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM outbox_dead').one().n
  }

  deadLetters(limit: number): Array<{ seq: number; row: unknown; error: string; at: number }> {
    return this.sql
      .exec<{ seq: number; row: string; error: string; at: number }>(
        'SELECT seq, row, error, at FROM outbox_dead ORDER BY seq LIMIT ?',
        limit,
      )
      .toArray()
      .map((r) => ({ ...r, row: JSON.parse(r.row) as unknown }))
  }

  // --- money events written ahead --------------------------------------------------------------

  addPending(p: Omit<PendingEvent, 'seq'>): number {
    return this.sql
      .exec<{ seq: number }>(
        `INSERT INTO pending (mode, kind, event_id, body_hash, response, statements, local, events, at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING seq`,
        p.mode,
        p.kind,
        p.event_id,
        p.body_hash,
        p.response,
        JSON.stringify(p.statements),
        JSON.stringify(p.local),
        JSON.stringify(p.events),
        p.at,
      )
      .one().seq
  }

  pendingEvents(): PendingEvent[] {
    return this.sql
      .exec<Record<string, string | number>>('SELECT * FROM pending ORDER BY seq')
      .toArray()
      .map((r) => ({
        seq: Number(r.seq),
        mode: r.mode as Mode,
        kind: r.kind as EventKind,
        event_id: String(r.event_id),
        body_hash: String(r.body_hash),
        response: String(r.response),
        statements: JSON.parse(String(r.statements)) as Stmt[],
        local: JSON.parse(String(r.local)) as LocalEffects,
        events: JSON.parse(String(r.events)) as HubEvent[],
        at: Number(r.at),
      }))
  }

  pendingCount(): number {
    return this.sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM pending').one().n
  }

  dropPending(seq: number): void {
    this.sql.exec('DELETE FROM pending WHERE seq = ?', seq)
  }

  /** Applies a committed event's local effects; the caller runs it in one storage transaction. */
  applyLocal(local: LocalEffects): void {
    if (local.purgeMode) this.purgeMode(local.purgeMode)
    if (local.eraseCustomer) this.eraseCustomer(local.eraseCustomer)
    for (const c of local.customers ?? []) this.saveCustomer(c)
    for (const t of local.totals ?? []) this.addTotals(t.mode, t.affiliateId, t.currency, t.delta)
  }

  /**
   * Forgets everything of one mode (the test-data purge): counters, customers, idempotency
   * records, clicks and clicks still queued for D1 (not those of a batch already sent: the caller
   * flushed first, and a batch in flight is D1's to count).
   */
  purgeMode(mode: Mode): void {
    for (const table of ['totals', 'customers', 'events', 'clicks']) {
      this.sql.exec(`DELETE FROM ${table} WHERE mode = ?`, mode)
    }
    this.sql.exec("DELETE FROM outbox WHERE batch IS NULL AND json_extract(row, '$.mode') = ?", mode)
    this.sql.exec("DELETE FROM outbox_dead WHERE json_extract(row, '$.mode') = ?", mode)
  }

  /**
   * Erases a customer's personal data here as D1 does (see hub/erase-customer.ts): its clicks'
   * IP hashes, its email hash, and its id, renamed to `tombstone` in the customer row and in the
   * idempotency records' answers, so a replay never hands the old id back.
   */
  eraseCustomer(e: { mode: Mode; customerId: string; tombstone: string }): void {
    const c = this.customer(e.mode, e.customerId)
    if (c?.click_id) this.sql.exec("UPDATE clicks SET ip_hash = 'erased' WHERE click_id = ?", c.click_id)
    const quoted = JSON.stringify(e.customerId)
    this.sql.exec(
      'UPDATE events SET response = replace(response, ?, ?) WHERE mode = ? AND instr(response, ?) > 0',
      quoted,
      JSON.stringify(e.tombstone),
      e.mode,
      quoted,
    )
    this.sql.exec(
      "UPDATE events SET event_id = ? WHERE mode = ? AND kind = 'signup' AND event_id = ?",
      `signup:${e.tombstone}`,
      e.mode,
      `signup:${e.customerId}`,
    )
    if (!c) return
    this.deleteCustomer(e.mode, e.customerId)
    this.saveCustomer({
      ...c,
      customer_id: e.tombstone,
      email_hash: null,
      signup_event_id:
        c.signup_event_id === `signup:${e.customerId}` ? `signup:${e.tombstone}` : c.signup_event_id,
    })
  }

  /** Forgets every derived fact before a rebuild from D1 (clicks and the outbox stay). */
  clearDerived(): void {
    this.sql.exec('DELETE FROM totals')
    this.sql.exec('DELETE FROM customers')
    this.sql.exec('DELETE FROM events')
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

  /** Every counter row, as stored (for comparing with D1). */
  totalRows(): Array<{ mode: string; affiliate_id: string; currency: string } & Record<string, number>> {
    return this.sql
      .exec<{ mode: string; affiliate_id: string; currency: string } & Record<string, number>>(
        'SELECT * FROM totals',
      )
      .toArray()
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
