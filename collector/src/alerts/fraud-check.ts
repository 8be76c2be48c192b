/**
 * Gathers the fraud rules' inputs for a signup or a conversion from the hub's memory and runs
 * the pure rules (domain/fraud.ts): the reasons that put its commission on hold and the alerts
 * to raise. Called by the signup and conversion planners; never shown to affiliates.
 */
import {
  conversionBurstAlertKey,
  type FraudReason,
  fraudThresholds,
  isAmountOutlier,
  isConversionBurst,
  isDuplicateCustomer,
  isSelfReferral,
  reasonText,
} from '../domain/fraud'
import type { HubAffiliate, HubProgram } from '../hub/program-config'
import type { AffiliateRef, Mode } from '../shared'
import type { FraudMemory } from './fraud-memory'
import type { AlertInput } from './types'

/** Facts about a customer, kept from their signup for every later conversion. */
export type CustomerFlag =
  | 'self_referral'
  | 'duplicate_customer'
  | 'disposable_email'
  | 'paid_ad'
  | 'click_flood'

export interface FraudVerdict {
  reasons: FraudReason[]
  /** The commission's `reason` (comma-separated), or null when no rule fired. */
  reason: string | null
  alerts: AlertInput[]
}

function toReasons(flags: Iterable<string>, program: HubProgram): FraudReason[] {
  const out = new Set<FraudReason>()
  for (const f of flags) {
    if (f === 'paid_ad') {
      if (program.settings.paid_traffic === 'forbidden') out.add('paid_traffic')
    } else if (
      f === 'self_referral' ||
      f === 'duplicate_customer' ||
      f === 'disposable_email' ||
      f === 'click_flood'
    ) {
      out.add(f)
    }
  }
  return [...out]
}

function clickFacts(mem: FraudMemory, clickId: string | null): CustomerFlag[] {
  const flags: CustomerFlag[] = []
  for (const f of mem.clickFlags(clickId)) {
    if (f === 'click_flood') flags.push('click_flood')
    if (f === 'paid_traffic') flags.push('paid_ad')
  }
  return flags
}

/** Drops alerts already raised under their key and remembers the rest (one alert per situation). */
function once(mem: FraudMemory, alerts: AlertInput[], now: number): AlertInput[] {
  const fresh = alerts.filter((a) => !a.dedupe_key || !mem.alertRaised(a.dedupe_key))
  mem.markAlerts(
    fresh.flatMap((a) => (a.dedupe_key ? [a.dedupe_key] : [])),
    now,
  )
  return fresh
}

function flagAlert(
  affiliate: AffiliateRef,
  customerId: string | null,
  reasons: FraudReason[],
  what: string,
  extra: Record<string, unknown>,
): AlertInput {
  return {
    type: 'fraud_flag',
    severity: 'warning',
    message: `${what} on hold: ${reasons.join(', ')}${customerId ? ` (customer ${customerId})` : ''}`,
    affiliate,
    data: { reasons, customer_id: customerId, ...extra },
    ...(customerId ? { dedupe_key: `fraud_flag:${customerId}:${reasons.join(',')}` } : {}),
  }
}

/** A signup: the customer's facts (stored for later conversions) and what holds its reward. */
export function checkSignup(
  mem: FraudMemory,
  program: HubProgram,
  mode: Mode,
  now: number,
  input: { customer_id: string; email_hash: string | null; email_disposable?: boolean | undefined },
  affiliate: HubAffiliate | null,
  clickId: string | null,
): FraudVerdict & { flags: CustomerFlag[] } {
  if (!affiliate) return { flags: [], reasons: [], reason: null, alerts: [] }
  const flags = new Set<CustomerFlag>(clickFacts(mem, clickId))
  if (
    isSelfReferral({
      emailHash: input.email_hash,
      affiliateEmailHash: affiliate.emailHash,
      clickIpHash: mem.clickIpHash(clickId),
      portalIpHashes: mem.portalIpHashes(affiliate.id, now),
    })
  )
    flags.add('self_referral')
  const others = mem.otherCustomersWithEmail(mode, input.email_hash, input.customer_id)
  if (isDuplicateCustomer(program.settings.recurring_months, others)) flags.add('duplicate_customer')
  if (input.email_disposable) flags.add('disposable_email')
  const reasons = toReasons(flags, program)
  const ref = { id: affiliate.id, code: affiliate.code }
  return {
    flags: [...flags],
    reasons,
    reason: reasonText(reasons),
    alerts: once(mem, reasons.length ? [flagAlert(ref, input.customer_id, reasons, 'Signup', {})] : [], now),
  }
}

/** A conversion: the customer's stored facts, the click's, the email rule, outliers and bursts. */
export function checkConversion(
  mem: FraudMemory,
  program: HubProgram,
  mode: Mode,
  now: number,
  input: { customer_id?: string | undefined; amount: number; currency: string },
  customerEmailHash: string | null,
  affiliate: HubAffiliate | null,
  clickId: string | null,
  at: number,
): FraudVerdict {
  const t = fraudThresholds(program.settings.fraud)
  const alerts: AlertInput[] = []
  const ref = affiliate ? { id: affiliate.id, code: affiliate.code } : null
  const recent = mem.recentAmounts(mode, input.currency)
  const outlier = isAmountOutlier(input.amount, recent, t.amount_outlier)
  if (outlier.outlier) {
    alerts.push({
      type: 'conversion_outlier',
      severity: 'warning',
      message: `A conversion of ${input.amount} ${input.currency} is more than ${t.amount_outlier.factor}× the usual ${outlier.median}`,
      affiliate: ref,
      data: {
        amount: input.amount,
        currency: input.currency,
        median: outlier.median,
        customer_id: input.customer_id ?? null,
      },
    })
  }
  if (!affiliate || !ref) return { reasons: [], reason: null, alerts: once(mem, alerts, now) }
  const windowMs = t.conversion_burst.window_minutes * 60_000
  const earlier = mem.conversionsSince(mode, affiliate.id, at - windowMs)
  const burstKey = conversionBurstAlertKey(affiliate.id, at, t.conversion_burst.window_minutes)
  if (isConversionBurst(earlier, t.conversion_burst)) {
    alerts.push({
      type: 'conversion_burst',
      severity: 'warning',
      message: `${earlier + 1} conversions from ${affiliate.code} within ${t.conversion_burst.window_minutes} minutes`,
      affiliate: ref,
      data: { conversions: earlier + 1, window_minutes: t.conversion_burst.window_minutes },
      dedupe_key: burstKey,
    })
  }
  const flags = new Set<string>([...mem.customerFlags(mode, input.customer_id), ...clickFacts(mem, clickId)])
  if (
    isSelfReferral({
      emailHash: customerEmailHash,
      affiliateEmailHash: affiliate.emailHash,
      clickIpHash: null,
      portalIpHashes: [],
    })
  )
    flags.add('self_referral')
  const reasons = toReasons(flags, program)
  if (reasons.length) alerts.push(flagAlert(ref, input.customer_id ?? null, reasons, 'Commission', {}))
  return { reasons, reason: reasonText(reasons), alerts: once(mem, alerts, now) }
}
