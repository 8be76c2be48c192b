/** Inputs and results of the hub's RPC methods. */
import type { AffiliateRef, ErrorCode, LiveAlertRef, LiveEventType, Mode } from '../shared'
import type { WebhookEventType } from '../webhooks/events'
import type { StoredCustomer, TotalsDelta } from './local-store'

export interface EventContext {
  programId: string
  mode: Mode
  /** Server time of the request (ms). */
  now: number
}

export type HubResult<T = unknown> =
  | { ok: true; status: 200 | 201 | 202; body: T; replayed: boolean }
  | { ok: false; code: ErrorCode; message: string; field?: string }

export function hubError(code: ErrorCode, message: string, field?: string): HubResult<never> {
  return field ? { ok: false, code, message, field } : { ok: false, code, message }
}

/** One thing that happened, for the live channel. */
export interface HubEvent {
  type: LiveEventType
  mode: Mode
  at: number
  affiliate: AffiliateRef | null
  amount?: number
  currency?: string
  status?: string
  message?: string
  /** Set on `alert` events (founders only, like `message`). */
  alert?: LiveAlertRef
  /** Set on `click` events (founders only): the script or a redirect link. */
  source?: 'script' | 'link'
}

export interface ClickRecord {
  mode: Mode
  clickId: string
  prevClickId?: string | undefined
  ref: string
  url: string
  referrer?: string | undefined
  sub?: string | undefined
  ipHash: string
  /** Bots, HEAD and prefetch requests: kept countable for tracking health, never counted as clicks. */
  countable: boolean
  /** The visitor's address is on the program's blocklist (checked in the Worker): not counted, seen by health. */
  blocked?: boolean | undefined
  source: 'script' | 'link'
  /** The visitor's country from `request.cf` (two letters), when Cloudflare knows it. */
  country?: string | null | undefined
  at: number
}

/** A value bound into a D1 statement. */
export type SqlValue = string | number | null

/**
 * One D1 statement as data (SQL and its parameters), so a planned batch can be written to the
 * hub's own storage before it is sent, and sent again after a crash, exactly as it was.
 */
export interface Stmt {
  sql: string
  params: SqlValue[]
}

export function stmt(sql: string, ...params: SqlValue[]): Stmt {
  return { sql, params }
}

/** A change to the hub's live counters, as data. */
export interface TotalsChange {
  mode: Mode
  affiliateId: string | null
  currency: string
  delta: TotalsDelta
}

/**
 * What a money event changes in the hub's own storage once D1 has it, as data: it is written
 * ahead (with the D1 statements) and applied exactly once, also when recovering from a crash.
 */
export interface LocalEffects {
  customers?: StoredCustomer[]
  totals?: TotalsChange[]
  /** Forget every record of this mode: counters, customers, idempotency, clicks, queued clicks (`DELETE /v1/test-data`). */
  purgeMode?: Mode
  /** Erase a customer's personal data, renaming it to a tombstone id (`DELETE /v1/customers/:id`). */
  eraseCustomer?: { mode: Mode; customerId: string; tombstone: string }
}

/** An outgoing webhook a planned event sends (its deliveries join the event's D1 batch). */
export interface PlannedWebhook {
  type: WebhookEventType
  data: unknown
}

/** A planned money event: the D1 statements, the answer, and what to record locally once D1 has it. */
export interface EventPlan<T> {
  statements: Stmt[]
  body: T
  local: LocalEffects
  events: HubEvent[]
  webhooks?: PlannedWebhook[]
}
