/**
 * The dashboard's settings form as a `PATCH /v1/program` body, and back: the page posts plain
 * form fields (it works without JavaScript), which become the same patch the API validates, so
 * the page and the API can never disagree on what is allowed.
 */
import type { Program } from '../shared'

type Form = Record<string, string | undefined>

/**
 * The thresholds the form edits besides the click flood (`fraud_max_clicks`, `fraud_window_minutes`):
 * form field `fraud__<part>__<key>` is `fraud.<part>.<key>` of the patch.
 */
export const THRESHOLD_FIELDS = [
  ['amount_outlier', 'factor'],
  ['amount_outlier', 'min_samples'],
  ['conversion_burst', 'max_conversions'],
  ['conversion_burst', 'window_minutes'],
  ['tracking_gap', 'hours'],
  ['tracking_gap', 'min_clicks_7d'],
  ['unattributed_share', 'max_share'],
  ['unattributed_share', 'min_conversions'],
  ['unattributed_share', 'window_hours'],
  ['refund_spike', 'min_refunds'],
  ['refund_spike', 'max_share'],
  ['refund_spike', 'window_hours'],
  ['webhook_failing', 'failures'],
] as const

export const thresholdField = (part: string, key: string) => `fraud__${part}__${key}`

const num = (v: string | undefined) => (v === undefined || v.trim() === '' ? undefined : Number(v.trim()))
const str = (v: string | undefined) => (v === undefined ? undefined : v.trim())
const orNull = (v: string | undefined) => (v === undefined ? undefined : v.trim() === '' ? null : v.trim())

/** The patch the form asks for; the program's own currency is the currency of every amount. */
export function patchFromForm(form: Form, current: Program): Record<string, unknown> {
  const currency = (str(form.currency) || current.currency).toUpperCase()
  const commission =
    form.commission_type === 'flat'
      ? { type: 'flat', amount: num(form.commission_amount), currency }
      : { type: 'percent', percent: num(form.commission_percent) }
  const bonusAmount = num(form.bonus_amount)
  const minPayout = num(form.min_payout)
  const patch: Record<string, unknown> = {
    name: str(form.name),
    currency,
    cookie_days: num(form.cookie_days),
    attribution: str(form.attribution),
    commission,
    recurring_months: form.recurring_months?.trim() === '' ? null : num(form.recurring_months),
    hold_days: num(form.hold_days),
    bonus:
      bonusAmount === undefined
        ? null
        : { amount: bonusAmount, currency, within_hours: num(form.bonus_within_hours) },
    landing_url: orNull(form.landing_url),
    allowed_origins: (form.allowed_origins ?? '')
      .split(/\s+/)
      .map((s) => s.trim())
      .filter(Boolean),
    min_payout: minPayout === undefined ? {} : { [currency]: minPayout },
    slug: orNull(form.slug),
    join: {
      enabled: form.join_enabled === 'on',
      auto_approve: form.join_auto_approve === 'on',
      terms_url: orNull(form.join_terms_url) ?? null,
    },
    paid_traffic: str(form.paid_traffic),
    fraud: {
      click_flood: { max_clicks: num(form.fraud_max_clicks), window_minutes: num(form.fraud_window_minutes) },
      ...thresholdsFromForm(form),
      ...(form.fraud_ip_blocklist === undefined
        ? {}
        : {
            ip_blocklist: form.fraud_ip_blocklist
              .split(/\s+/)
              .map((e) => e.trim())
              .filter(Boolean),
          }),
    },
    click_retention_days:
      form.click_retention_days === undefined
        ? undefined
        : form.click_retention_days.trim() === ''
          ? null
          : num(form.click_retention_days),
  }
  for (const [k, v] of Object.entries(patch)) if (v === undefined) delete patch[k]
  return patch
}

function thresholdsFromForm(form: Form): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {}
  for (const [part, key] of THRESHOLD_FIELDS) {
    const v = num(form[thresholdField(part, key)])
    if (v === undefined) continue
    out[part] ??= {}
    ;(out[part] as Record<string, number>)[key] = v
  }
  return out
}

/** The form field that shows an error of the patch's `field` (`commission.percent` → `commission_percent`). */
export function formFieldOf(field: string | undefined): string {
  if (!field) return '_form'
  const [head, second] = field.split('.')
  switch (head) {
    case 'commission':
      return second === 'amount' ? 'commission_amount' : 'commission_percent'
    case 'bonus':
      return second === 'within_hours' ? 'bonus_within_hours' : 'bonus_amount'
    case 'join':
      return `join_${second ?? 'enabled'}`
    case 'fraud': {
      const [, part, key] = field.split('.')
      if (part === 'ip_blocklist') return 'fraud_ip_blocklist'
      if (part === 'click_flood' || !part || !key)
        return field.endsWith('window_minutes') ? 'fraud_window_minutes' : 'fraud_max_clicks'
      return thresholdField(part, key)
    }
    case 'min_payout':
    case 'allowed_origins':
      return head
    default:
      return head ?? '_form'
  }
}

/** The form's values for a program (what the page shows before anything is posted). */
export function formFromProgram(p: Program): Record<string, string> {
  const minPayout = p.min_payout[p.currency]
  return {
    name: p.name,
    currency: p.currency,
    cookie_days: String(p.cookie_days),
    attribution: p.attribution,
    commission_type: p.commission.type,
    commission_percent: p.commission.type === 'percent' ? String(p.commission.percent) : '',
    commission_amount: p.commission.type === 'flat' ? String(p.commission.amount) : '',
    recurring_months: p.recurring_months === null ? '' : String(p.recurring_months),
    hold_days: String(p.hold_days),
    bonus_amount: p.bonus ? String(p.bonus.amount) : '',
    bonus_within_hours: p.bonus ? String(p.bonus.within_hours) : '',
    landing_url: p.landing_url ?? '',
    allowed_origins: p.allowed_origins.join('\n'),
    min_payout: minPayout === undefined ? '' : String(minPayout),
    slug: p.slug ?? '',
    join_enabled: p.join.enabled ? 'on' : '',
    join_auto_approve: p.join.auto_approve ? 'on' : '',
    join_terms_url: p.join.terms_url ?? '',
    paid_traffic: p.paid_traffic,
    fraud_max_clicks: String(p.fraud.click_flood.max_clicks),
    fraud_window_minutes: String(p.fraud.click_flood.window_minutes),
    fraud_ip_blocklist: p.fraud.ip_blocklist.join('\n'),
    click_retention_days: p.click_retention_days === null ? '' : String(p.click_retention_days),
    ...Object.fromEntries(
      THRESHOLD_FIELDS.map(([part, key]) => [
        thresholdField(part, key),
        String((p.fraud[part] as Record<string, number>)[key]),
      ]),
    ),
  }
}
