/**
 * Wire types shared by the collector, the SDKs, the dashboard and the tests: API payloads,
 * the error shape and the live-message union. Defined once here and imported as types
 * elsewhere (`import type { … } from '@refline/collector/shared'`).
 */

export type Mode = 'live' | 'test'

export type ErrorCode =
  | 'invalid_request'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'rate_limited'
  | 'payload_too_large'
  | 'internal'

/** The one error body every 4xx/5xx answer carries. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string; field?: string }
}

/** Per-currency sums in minor units, e.g. `{ USD: 4900 }`. */
export type Money = Record<string, number>

export interface Totals {
  clicks: number
  unique_clicks: number
  signups: number
  conversions: number
  refunds: number
  revenue: Money
  commission: Money
}

export interface AffiliateRef {
  id: string
  code: string
}

export type CommissionStatus = 'pending' | 'approved' | 'on_hold' | 'paid' | 'reversed' | 'rejected'

/** Commission rule: percent of the amount (up to two decimals) or a flat amount per conversion. */
export type CommissionRule =
  | { type: 'percent'; percent: number }
  | { type: 'flat'; amount: number; currency: string }

export interface ProgramSettings {
  name: string
  currency: string
  cookie_days: number
  attribution: 'last_click' | 'first_click'
  commission: CommissionRule
  /** 0 = first conversion only, null = forever. */
  recurring_months: number | null
  hold_days: number
  bonus: { amount: number; currency: string; within_hours: number } | null
  landing_url: string | null
  allowed_origins: string[]
  /** Smallest payout per currency in minor units (`{USD: 5000}`); a currency not listed has none. */
  min_payout: Money
  /** Lower case `[a-z0-9-]`, unique across the deployment: the join page is `/join/<slug>`. */
  slug: string | null
  /** The public join page: open or closed, and whether applicants start active. */
  join: JoinSettings
  /** `forbidden`: commissions of clicks carrying gclid, fbclid, msclkid or ttclid start `on_hold`. */
  paid_traffic: 'allowed' | 'forbidden'
  fraud: FraudSettings
  /** A flat reward per attributed signup (kind `signup` commissions); null = none. */
  signup_reward: SignupReward | null
  /** Time windows in which another rule or an extra bonus applies to conversions. */
  promotions: Promotion[]
  /** Raw clicks older than this many days are deleted, in D1 and the hub (rollups are kept); null = kept. */
  click_retention_days: number | null
}

/** `within_hours`: only when the signup comes at most this many hours after the click. */
export interface SignupReward {
  amount: number
  currency: string
  within_hours?: number
}

/**
 * From `starts_at` (inclusive) to `ends_at` (exclusive), for all affiliates or the listed ones,
 * `commission` replaces the usual rule and `bonus` is added to each conversion's commission.
 */
export interface Promotion {
  name: string
  starts_at: string
  ends_at: string
  affiliates?: string[]
  commission?: CommissionRule
  bonus?: { amount: number; currency: string }
}

export interface JoinSettings {
  enabled: boolean
  /** Applications start `active` (with a portal link at once) instead of `pending`. */
  auto_approve: boolean
  /** Linked from the form; applicants must accept the terms either way. */
  terms_url: string | null
}

/**
 * The thresholds of the fraud rules and of the tracking-health alerts (docs/fraud.md,
 * docs/alerts.md). `PATCH /v1/program` takes any part of it; absent parts keep their values.
 */
export interface FraudSettings {
  /** More than `max_clicks` clicks from one IP hash for one affiliate within `window_minutes` raise an alert. */
  click_flood: { max_clicks: number; window_minutes: number }
  /** A conversion more than `factor` × the median of the program's recent amounts (same currency), once `min_samples` are known. */
  amount_outlier: { factor: number; min_samples: number }
  /** More than `max_conversions` from one affiliate within `window_minutes`. */
  conversion_burst: { max_conversions: number; window_minutes: number }
  /** Clicks from these addresses or CIDR ranges (v4 or v6) are not counted; checked before hashing. */
  ip_blocklist: string[]
  /** No click for `hours` in a program that had at least `min_clicks_7d` in the 7 days before; `hours: 0` turns it off. */
  tracking_gap: { hours: number; min_clicks_7d: number }
  /** More than `max_share` (0–1) of the last `window_hours`' conversions credited to nobody, once there are `min_conversions`. */
  unattributed_share: { max_share: number; min_conversions: number; window_hours: number }
  /** At least `min_refunds` refunds within `window_hours` that are more than `max_share` (0–1) of that window's conversions. */
  refund_spike: { min_refunds: number; max_share: number; window_hours: number }
  /** An outgoing webhook endpoint whose delivery failed `failures` attempts in a row, or was disabled. */
  webhook_failing: { failures: number }
}

/** The thresholds a program has until it sets its own. */
export const DEFAULT_FRAUD: FraudSettings = {
  click_flood: { max_clicks: 30, window_minutes: 60 },
  amount_outlier: { factor: 10, min_samples: 5 },
  conversion_burst: { max_conversions: 10, window_minutes: 10 },
  ip_blocklist: [],
  tracking_gap: { hours: 24, min_clicks_7d: 50 },
  unattributed_share: { max_share: 0.9, min_conversions: 20, window_hours: 24 },
  refund_spike: { min_refunds: 5, max_share: 0.3, window_hours: 24 },
  webhook_failing: { failures: 3 },
}

export interface Program extends ProgramSettings {
  id: string
  created_at: string
}

export interface ProgramCreated {
  program: Program
  keys: { publishable: string; secret: string; test_publishable: string; test_secret: string }
}

/** `pending` and `rejected` are join-page applications: they earn nothing and have no portal. */
export type AffiliateStatus = 'pending' | 'active' | 'rejected' | 'disabled'

export interface Affiliate {
  id: string
  code: string
  name: string
  /** Null when a test key looks at a live affiliate. */
  email: string | null
  commission: CommissionRule | null
  /**
   * The affiliate's own signup reward, replacing the program's `signup_reward`; `amount: 0` pays
   * this affiliate no signup reward. Null: the program's applies.
   */
  signup_reward: SignupReward | null
  status: AffiliateStatus
  mode: Mode
  /**
   * Portal tokens are stored hashed: the link is only in the answer that creates the affiliate
   * (and in `POST /v1/affiliates/:id/portal-link`), null everywhere else.
   */
  portal_url: string | null
  link: string
  created_at: string
  /** Promotion codes that attribute a checkout to this affiliate (in the `/v1/affiliates` answers). */
  promo_codes?: string[]
}

/** `POST /v1/affiliates/:id/portal-link`: the affiliate's new portal link; the old one stops working. */
export interface PortalLinkResult {
  portal_url: string
}

export interface ClickResult {
  click_id: string
  attributed: boolean
}

export interface SignupResult {
  signup: {
    id: string
    customer_id: string
    affiliate: AffiliateRef | null
    /** The signup reward, when the program pays one and this signup qualifies. */
    commission?: { id: string; amount: number; currency: string; status: CommissionStatus }
  }
}

export interface CommissionSummary {
  id: string
  amount: number
  currency: string
  status: CommissionStatus
}

export interface ConversionResult {
  conversion: {
    id: string
    event_id: string
    affiliate: AffiliateRef | null
    commission: CommissionSummary | null
  }
}

export interface RefundResult {
  refund: { id: string; amount: number; commission: CommissionSummary | null }
}

export interface SeriesPoint extends Totals {
  /** Start of the bucket, ISO 8601 in UTC. */
  t: string
}

export interface StatsResult {
  from: string
  to: string
  interval: 'hour' | 'day'
  tz: string
  mode: Mode
  totals: Totals
  series: SeriesPoint[]
  affiliates: Array<AffiliateRef & { name: string; totals: Totals }>
}

export type LiveEventType = 'click' | 'signup' | 'conversion' | 'refund' | 'commission' | 'alert'

export type LiveMessage =
  | { type: 'snapshot'; totals: Totals; mode: Mode }
  | {
      type: LiveEventType
      at: string
      affiliate: AffiliateRef | null
      amount?: number
      currency?: string
      status?: CommissionStatus
      message?: string
      /** On `alert` messages (founders' sockets only): which alert, to fetch from `GET /v1/alerts`. */
      alert?: LiveAlertRef
      /** On `click` messages (founders' sockets only): sent by the script (`POST /v1/clicks`) or a `/go/` link. */
      source?: 'script' | 'link'
      totals: Totals
    }
  | {
      /**
       * Founders' sockets only: the program's applications changed (someone applied on the join
       * page, or an application was decided). `affiliate` is the application that changed it,
       * `pending` the number now waiting for a decision; `totals` are unchanged.
       */
      type: 'application'
      at: string
      affiliate: AffiliateRef & { name: string; status: AffiliateStatus }
      pending: number
      totals: Totals
    }

/** An alert's id, type and severity as a live message carries them. */
export interface LiveAlertRef {
  id: string
  type: AlertType
  severity: AlertSeverity
}

export function emptyTotals(): Totals {
  return { clicks: 0, unique_clicks: 0, signups: 0, conversions: 0, refunds: 0, revenue: {}, commission: {} }
}

export type CommissionKind = 'conversion' | 'clawback' | 'signup'

/** Which rule produced a commission (stored with it; a later settings change never rewrites it). */
export interface CommissionRuleSource {
  source: 'program' | 'affiliate' | 'promotion' | 'signup_reward'
  /** The promotion whose window the conversion fell in. */
  promotion?: string
  /** Whole months since the customer's first conversion, on every conversion after the first. */
  recurring_month?: number
  /** The bonus included in the amount (the program's time-limited bonus plus a promotion's). */
  bonus?: number
  /** On a `signup_reward`: true when it was the affiliate's own reward, not the program's. */
  affiliate_override?: true
}

export type CommissionEventType =
  | 'created'
  | 'approved'
  | 'rejected'
  | 'on_hold'
  | 'reversed'
  | 'reduced'
  | 'restored'
  | 'clawback'
  | 'paid'

/** One change in a commission's history. */
export interface CommissionHistoryEntry {
  type: CommissionEventType
  status: CommissionStatus
  amount: number
  reason: string | null
  /** `founder`, `hold_end`, `refund`, `payout`, `dispute` or `event` (the conversion or signup). */
  actor: string
  /** The refund, payout or clawback commission behind the change. */
  ref_id: string | null
  at: string
}

/** A commission as listed by `GET /v1/commissions` and answered by approve/reject. */
export interface CommissionRecord {
  id: string
  affiliate: AffiliateRef & { name: string }
  /** The conversion it was earned on; for kind `signup`, the signup's id. */
  conversion_id: string
  kind: CommissionKind
  rule: CommissionRuleSource | null
  /** Current amount: 0 once reversed or rejected, negative for a clawback. */
  amount: number
  original_amount: number
  currency: string
  status: CommissionStatus
  reason: string | null
  due_at: string
  created_at: string
  updated_at: string
}

/** `POST /v1/live/tokens`: a short-lived token for `GET /v1/live?token=`. */
export interface LiveTokenResult {
  token: string
  url: string
  expires_at: string
}

/** One entry of the live feed: a live event message without its totals. */
export type LiveFeedItem = Omit<Extract<LiveMessage, { at: string; type: LiveEventType }>, 'totals'>

/** One minute of the live chart (the last hour, kept by the hub). */
export interface MinutePoint {
  /** Start of the minute, ms since the epoch. */
  t: number
  clicks: number
  signups: number
  conversions: number
}

/** Alerts (founders only): `GET /v1/alerts`, the `alert` live message and `alert.raised`. */
export type { Alert, AlertSeverity, AlertType } from './alerts/types'

import type { AlertSeverity, AlertType } from './alerts/types'

/** Outgoing webhooks: event types, the delivery body, endpoints and the delivery log. */
export type { WebhookDelivery, WebhookEndpoint, WebhookEvent, WebhookEventType } from './webhooks/events'

/** One line of a payout: what one affiliate is paid in one currency, and the commissions it nets. */
export interface PayoutItem {
  /** `email` is null when a test key looks at a live affiliate. */
  affiliate: AffiliateRef & { name: string; email: string | null }
  currency: string
  /** Minor units, > 0: approved commissions netted with unpaid clawbacks. */
  amount: number
  commission_ids: string[]
}

/** `POST/GET /v1/payouts`, `GET /v1/payouts/:id`, `POST /v1/payouts/:id/paid`. */
export interface PayoutRecord {
  id: string
  status: 'pending' | 'paid'
  period_end: string
  created_at: string
  paid_at: string | null
  items: PayoutItem[]
  totals: Money
}

/** An affiliate's commissions by where they stand, per currency (the portal's balance). */
export interface AffiliateBalance {
  /** `pending` and `on_hold`: not payable yet. */
  pending: Money
  /** Payable: approved, net of unpaid clawbacks (negative when clawbacks exceed it). */
  approved: Money
  /** Part of `approved` already in a payout the founder has prepared but not yet paid. */
  in_payout: Money
  /** Paid out, net of the clawbacks netted in those payouts. */
  paid: Money
}

/** One payout line as the affiliate's portal lists it (their own line only). */
export interface PortalPayout {
  id: string
  status: 'pending' | 'paid'
  period_end: string
  created_at: string
  paid_at: string | null
  currency: string
  amount: number
}
