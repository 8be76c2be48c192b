/** The alerts a founder gets: their types and the wire shape of `GET /v1/alerts` and `alert.raised`. */
import type { AffiliateRef, Mode } from '../shared'

export const ALERT_TYPES = [
  /** More clicks from one IP hash for one affiliate than the program allows within the window. */
  'click_flood',
  /** A fraud rule put a commission on hold (self-referral, duplicate customer, …). */
  'fraud_flag',
  /** A conversion far above the program's usual amount. */
  'conversion_outlier',
  /** Many conversions from one affiliate in a short time. */
  'conversion_burst',
  /** A program that usually sees clicks has had none for a while. */
  'tracking_gap',
  /** Too many conversions arrive with no click id, ref or promotion code. */
  'unattributed_share',
  /** Refunds well above the usual share of conversions. */
  'refund_spike',
  /** An outgoing webhook endpoint keeps failing. */
  'webhook_failing',
  /** Stripe events arrive with signatures that do not verify. */
  'stripe_signature',
] as const

export type AlertType = (typeof ALERT_TYPES)[number]
export type AlertSeverity = 'info' | 'warning' | 'critical'

/** An alert as the API lists it and `alert.raised` carries it. Founders only. */
export interface Alert {
  id: string
  type: AlertType
  severity: AlertSeverity
  mode: Mode
  message: string
  affiliate: AffiliateRef | null
  data: Record<string, unknown>
  created_at: string
}

/** What a rule hands over to be raised; `dedupe_key` makes repeats of one situation one alert. */
export interface AlertInput {
  type: AlertType
  severity: AlertSeverity
  message: string
  affiliate: AffiliateRef | null
  data?: Record<string, unknown>
  dedupe_key?: string
}
