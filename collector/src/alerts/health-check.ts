/**
 * The tracking-health alerts (docs/alerts.md): the hub's memory and the program's thresholds in,
 * the alerts to raise out; the rules themselves are pure (domain/fraud.ts). Each situation is
 * raised once per window through its `dedupe_key`. Founders only, like every alert.
 */
import {
  fraudThresholds,
  isRefundSpike,
  isTrackingGap,
  isUnattributedShareHigh,
  isWebhookFailing,
  trackingGapDueAt,
  windowBucket,
} from '../domain/fraud'
import type { HubProgram } from '../hub/program-config'
import type { Mode } from '../shared'
import type { FraudMemory } from './fraud-memory'
import type { AlertInput } from './types'

const HOUR = 3_600_000
const WEEK = 7 * 24 * HOUR

/** After a committed conversion: too many of the window's conversions credited to nobody? */
export function afterConversion(
  mem: FraudMemory,
  program: HubProgram,
  mode: Mode,
  at: number,
  attributed: boolean,
): AlertInput[] {
  mem.noteHealthEvent(mode, attributed ? 'attributed' : 'unattributed', at)
  if (attributed) return []
  const t = fraudThresholds(program.settings.fraud).unattributed_share
  const n = mem.healthEventsSince(mode, at - t.window_hours * HOUR)
  if (!isUnattributedShareHigh(n, t)) return []
  const pct = Math.round((n.unattributed / n.conversions) * 100)
  return [
    {
      type: 'unattributed_share',
      severity: 'warning',
      message: `${pct} % of the last ${t.window_hours} hours' ${n.conversions} conversions came with no click id, ref or promotion code: is the script on every page, and is the click id passed to checkout?`,
      affiliate: null,
      data: { ...n, window_hours: t.window_hours, max_share: t.max_share },
      dedupe_key: `unattributed_share:${mode}:${windowBucket(at, t.window_hours)}`,
    },
  ]
}

/** After a committed refund: are refunds well above their usual share of conversions? */
export function afterRefund(mem: FraudMemory, program: HubProgram, mode: Mode, at: number): AlertInput[] {
  mem.noteHealthEvent(mode, 'refund', at)
  const t = fraudThresholds(program.settings.fraud).refund_spike
  const n = mem.healthEventsSince(mode, at - t.window_hours * HOUR)
  if (!isRefundSpike(n, t)) return []
  return [
    {
      type: 'refund_spike',
      severity: 'warning',
      message: `${n.refunds} refunds in the last ${t.window_hours} hours, against ${n.conversions} conversions`,
      affiliate: null,
      data: { refunds: n.refunds, conversions: n.conversions, window_hours: t.window_hours },
      dedupe_key: `refund_spike:${mode}:${windowBucket(at, t.window_hours)}`,
    },
  ]
}

/**
 * The live tracking gap, checked by the hub's alarm: the alert when the gap has come, and when
 * to look again otherwise (null: nothing to wait for — no click yet, or the rule is off).
 */
export function trackingGap(
  mem: FraudMemory,
  program: HubProgram,
  now: number,
): { alerts: AlertInput[]; checkAt: number | null } {
  const t = fraudThresholds(program.settings.fraud).tracking_gap
  const last = mem.lastCountableClickAt('live')
  const due = trackingGapDueAt(last, t)
  if (due === null || last === null) return { alerts: [], checkAt: null }
  if (now < due) return { alerts: [], checkAt: due }
  const before = mem.clicksBetween('live', last - WEEK, last)
  if (!isTrackingGap(last, before, now, t)) return { alerts: [], checkAt: null }
  const hours = Math.floor((now - last) / HOUR)
  return {
    alerts: [
      {
        type: 'tracking_gap',
        severity: 'critical',
        message: `No click for ${hours} hours, after ${before} in the week before: is the script still on the site, and do the links still work?`,
        affiliate: null,
        data: { last_click_at: new Date(last).toISOString(), clicks_week_before: before, hours: t.hours },
        // Once per gap: the next click starts a new one.
        dedupe_key: `tracking_gap:live:${last}`,
      },
    ],
    checkAt: null,
  }
}

export interface WebhookFailure {
  endpoint_id: string
  url: string | null
  attempts: number
  status_code: number | null
  error: string | null
  given_up: boolean
  disabled: boolean
}

/** A delivery that failed again: the endpoint's alert, once a day, when the threshold is met. */
export function webhookFailing(program: HubProgram, at: number, f: WebhookFailure): AlertInput[] {
  const t = fraudThresholds(program.settings.fraud).webhook_failing
  if (!isWebhookFailing(f, t)) return []
  const what = f.disabled
    ? 'answered 410 Gone and was disabled'
    : f.given_up
      ? 'gave up on a delivery after 24 hours of retries'
      : `failed ${f.attempts} attempts in a row`
  return [
    {
      type: 'webhook_failing',
      severity: f.disabled || f.given_up ? 'critical' : 'warning',
      message: `The webhook endpoint ${f.url ?? f.endpoint_id} ${what}${f.status_code ? ` (last answer ${f.status_code})` : ''}`,
      affiliate: null,
      data: { ...f },
      dedupe_key: `webhook_failing:${f.endpoint_id}:${f.disabled ? 'disabled' : windowBucket(at, 24)}`,
    },
  ]
}

/** A Stripe delivery whose signature did not verify: once an hour per mode. */
export function stripeSignatureFailed(mode: Mode, at: number, message: string): AlertInput[] {
  return [
    {
      type: 'stripe_signature',
      severity: 'critical',
      message: `A Stripe event was refused: ${message}. Is the signing secret in Refline the one of this endpoint in Stripe?`,
      affiliate: null,
      data: { error: message },
      dedupe_key: `stripe_signature:${mode}:${windowBucket(at, 1)}`,
    },
  ]
}
