/**
 * Fraud rules as plain functions of their inputs. The Worker and the hub gather the inputs
 * (counts, hashes, recent amounts) and store the outcome; nothing here does I/O, so every rule
 * is tested without a runtime (fraud.test.ts).
 *
 * A rule that fires on a commission puts it `on_hold` with a reason a founder reads on the
 * commission, in the journey and on the dashboard. Reasons never reach an affiliate.
 */
import { DEFAULT_FRAUD, type FraudSettings } from '../shared'

/** Why a commission waits for a person; several may apply, listed in this order. */
export const FRAUD_REASONS = [
  'self_referral',
  'duplicate_customer',
  'disposable_email',
  'paid_traffic',
  'click_flood',
] as const
export type FraudReason = (typeof FRAUD_REASONS)[number]

/** Every threshold the rules use, with the program's own values over the defaults. */
export type FraudThresholds = FraudSettings

export const DEFAULT_THRESHOLDS: FraudThresholds = DEFAULT_FRAUD

/**
 * The program's thresholds: stored values over the defaults, part by part, so a threshold added
 * later has a value in programs stored before it.
 */
export function fraudThresholds(settings: unknown): FraudThresholds {
  const s = (settings && typeof settings === 'object' ? settings : {}) as Partial<FraudThresholds>
  const part = <K extends Exclude<keyof FraudThresholds, 'ip_blocklist'>>(k: K): FraudThresholds[K] => {
    const stored = s[k] && typeof s[k] === 'object' ? Object.entries(s[k]) : []
    return { ...DEFAULT_FRAUD[k], ...Object.fromEntries(stored.filter(([, v]) => typeof v === 'number')) }
  }
  return {
    click_flood: part('click_flood'),
    amount_outlier: part('amount_outlier'),
    conversion_burst: part('conversion_burst'),
    ip_blocklist: Array.isArray(s.ip_blocklist) ? s.ip_blocklist.filter((e) => typeof e === 'string') : [],
    tracking_gap: part('tracking_gap'),
    unattributed_share: part('unattributed_share'),
    refund_spike: part('refund_spike'),
    webhook_failing: part('webhook_failing'),
  }
}

// --- click flood --------------------------------------------------------------------------------

/**
 * `earlier` = countable clicks already seen from this IP hash for this affiliate within the
 * window. The click that makes it more than `max_clicks` and every later one are flooding.
 */
export function isClickFlood(earlier: number, t: FraudThresholds['click_flood']): boolean {
  return earlier + 1 > t.max_clicks
}

/** The alert for a flood is raised once per affiliate and clock hour. */
export function clickFloodAlertKey(affiliateId: string | null, at: number): string {
  return `click_flood:${affiliateId ?? '-'}:${Math.floor(at / 3_600_000)}`
}

// --- self-referral, duplicates, disposable emails -----------------------------------------------

export interface CustomerFacts {
  /** The customer's email hash (program-scoped), if the signup carried an email. */
  emailHash: string | null
  /** The attributed affiliate's email hash. */
  affiliateEmailHash: string | null
  /** IP hash of the click the customer came through. */
  clickIpHash: string | null
  /** IP hashes the affiliate's own portal was opened from (same salt and day as clicks). */
  portalIpHashes: readonly string[]
}

/** The customer is the affiliate: same email, or came through a click from the affiliate's own browser. */
export function isSelfReferral(f: CustomerFacts): boolean {
  if (f.emailHash && f.affiliateEmailHash && f.emailHash === f.affiliateEmailHash) return true
  return !!f.clickIpHash && f.portalIpHashes.includes(f.clickIpHash)
}

/**
 * A one-time commission (recurring_months 0) for a customer whose email another customer of
 * the program already has: the same person signing up again to earn the first payment twice.
 */
export function isDuplicateCustomer(
  recurringMonths: number | null,
  otherCustomersWithEmail: number,
): boolean {
  return recurringMonths === 0 && otherCustomersWithEmail > 0
}

/**
 * The two lists, loaded on first use: together they are about 2.5 MB of JSON, which a Worker
 * would otherwise parse on every cold start, including ones that never see an email.
 */
let lists: Promise<{ domains: Set<string>; wildcards: Set<string> }> | null = null
function disposableLists(): Promise<{ domains: Set<string>; wildcards: Set<string> }> {
  lists ??= Promise.all([
    import('disposable-email-domains'),
    import('disposable-email-domains/wildcard.json'),
  ]).then(([d, w]) => ({
    domains: new Set(d.default as string[]),
    wildcards: new Set(w.default as string[]),
  }))
  return lists
}

/** The domain part of an email, lower case, without a trailing dot; '' when there is none. */
export function emailDomain(email: string): string {
  const at = email.lastIndexOf('@')
  return at < 0
    ? ''
    : email
        .slice(at + 1)
        .trim()
        .toLowerCase()
        .replace(/\.$/, '')
}

/**
 * Whether the email's domain is a known throw-away mailbox (the maintained
 * `disposable-email-domains` list; its wildcard list also covers every subdomain). Checked in
 * the Worker before the email is hashed: the email itself is never stored.
 */
export async function isDisposableEmail(email: string): Promise<boolean> {
  const domain = emailDomain(email)
  if (!domain) return false
  const { domains, wildcards } = await disposableLists()
  if (domains.has(domain)) return true
  const parts = domain.split('.')
  for (let i = 0; i < parts.length - 1; i++) {
    if (wildcards.has(parts.slice(i).join('.'))) return true
  }
  return false
}

// --- paid traffic -------------------------------------------------------------------------------

/** Click ids the ad networks add to their landing URLs: Google, Meta, Microsoft, TikTok. */
export const PAID_CLICK_PARAMS = ['gclid', 'fbclid', 'msclkid', 'ttclid'] as const

/** Which paid-ad click ids a landing URL carries (none for a URL that does not parse). */
export function paidClickIds(url: string | null | undefined): string[] {
  if (!url) return []
  let params: URLSearchParams
  try {
    params = new URL(url).searchParams
  } catch {
    return []
  }
  return PAID_CLICK_PARAMS.filter((p) => (params.get(p) ?? '') !== '')
}

// --- IP blocklist -------------------------------------------------------------------------------

function ipv4ToBigInt(ip: string): bigint | null {
  const parts = ip.split('.')
  if (parts.length !== 4) return null
  let n = 0n
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return null
    n = (n << 8n) | BigInt(p)
  }
  return n
}

function ipv6ToBigInt(ip: string): bigint | null {
  let s = ip.toLowerCase()
  if (s.startsWith('[') && s.endsWith(']')) s = s.slice(1, -1)
  // An embedded IPv4 tail (::ffff:1.2.3.4) becomes two groups.
  const v4 = s.match(/^(.*:)(\d+\.\d+\.\d+\.\d+)$/)
  if (v4) {
    const n = ipv4ToBigInt(v4[2] ?? '')
    if (n === null) return null
    s = `${v4[1]}${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`
  }
  const halves = s.split('::')
  if (halves.length > 2) return null
  const head = halves[0] ? halves[0].split(':') : []
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : []
  const missing = 8 - head.length - tail.length
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail]
  let n = 0n
  for (const g of groups) {
    if (!/^[0-9a-f]{1,4}$/.test(g)) return null
    n = (n << 16n) | BigInt(`0x${g}`)
  }
  return n
}

/** An address as a number and its width in bits, or null when it is not an address. */
export function parseIp(ip: string): { value: bigint; bits: 32 | 128 } | null {
  const v4 = ipv4ToBigInt(ip.trim())
  if (v4 !== null) return { value: v4, bits: 32 }
  const v6 = ipv6ToBigInt(ip.trim())
  if (v6 === null) return null
  // IPv4-mapped IPv6 (::ffff:a.b.c.d) is the IPv4 address, so an IPv4 entry covers it.
  if (v6 >> 32n === 0xffffn) return { value: v6 & 0xffffffffn, bits: 32 }
  return { value: v6, bits: 128 }
}

/** Whether `entry` (an address or `address/prefix`) is a valid blocklist entry. */
export function isValidBlocklistEntry(entry: string): boolean {
  const [addr = '', prefix, extra] = entry.split('/')
  if (extra !== undefined) return false
  const ip = parseIp(addr)
  if (!ip) return false
  if (prefix === undefined) return true
  if (!/^\d{1,3}$/.test(prefix)) return false
  return Number(prefix) <= ip.bits
}

/** Whether the address falls in any entry of the blocklist (addresses and CIDR ranges, v4 and v6). */
export function ipBlocked(ip: string, blocklist: readonly string[]): boolean {
  if (!blocklist.length) return false
  const addr = parseIp(ip)
  if (!addr) return false
  for (const entry of blocklist) {
    const [base = '', prefixText] = entry.split('/')
    const net = parseIp(base)
    if (!net || net.bits !== addr.bits) continue
    const prefix = prefixText === undefined ? net.bits : Number(prefixText)
    if (!(prefix >= 0 && prefix <= net.bits)) continue
    const shift = BigInt(net.bits - prefix)
    if (addr.value >> shift === net.value >> shift) return true
  }
  return false
}

// --- conversions: outliers and bursts -----------------------------------------------------------

/** How many recent amounts per currency the hub keeps for the running median. */
export const AMOUNT_HISTORY = 101

export function median(values: readonly number[]): number | null {
  if (!values.length) return null
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? (sorted[mid] ?? null) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2
}

/** A conversion far above the program's usual amount (needs a few earlier ones to know "usual"). */
export function isAmountOutlier(
  amount: number,
  recent: readonly number[],
  t: FraudThresholds['amount_outlier'],
): { outlier: boolean; median: number | null } {
  const m = median(recent)
  if (m === null || recent.length < t.min_samples || m <= 0) return { outlier: false, median: m }
  return { outlier: amount > t.factor * m, median: m }
}

/**
 * `earlier` = the affiliate's conversions within the window before this one. Fires on the one
 * that makes it more than the limit; the hub raises the alert once per affiliate and window.
 */
export function isConversionBurst(earlier: number, t: FraudThresholds['conversion_burst']): boolean {
  return earlier + 1 > t.max_conversions
}

export function conversionBurstAlertKey(affiliateId: string, at: number, windowMinutes: number): string {
  return `conversion_burst:${affiliateId}:${Math.floor(at / (windowMinutes * 60_000))}`
}

/** The reasons in their fixed order, joined as the commission's `reason` (null when none). */
export function reasonText(reasons: Iterable<FraudReason>): string | null {
  const set = new Set(reasons)
  const list = FRAUD_REASONS.filter((r) => set.has(r))
  return list.length ? list.join(',') : null
}

// --- tracking health ----------------------------------------------------------------------------

/**
 * A tracking gap: no click for `hours` in a program that had at least `min_clicks_7d` clicks in
 * the 7 days before its last one (a quiet program is not broken). `hours: 0` turns it off.
 */
export function isTrackingGap(
  lastClickAt: number | null,
  clicksInWeekBefore: number,
  now: number,
  t: FraudThresholds['tracking_gap'],
): boolean {
  if (t.hours <= 0 || lastClickAt === null) return false
  return clicksInWeekBefore >= t.min_clicks_7d && now - lastClickAt >= t.hours * 3_600_000
}

/** When the gap check of a program whose last click was at `lastClickAt` is due; null when off. */
export function trackingGapDueAt(
  lastClickAt: number | null,
  t: FraudThresholds['tracking_gap'],
): number | null {
  return t.hours > 0 && lastClickAt !== null ? lastClickAt + t.hours * 3_600_000 : null
}

/** Too many of the window's conversions credited to nobody: is the script installed on every page? */
export function isUnattributedShareHigh(
  n: { conversions: number; unattributed: number },
  t: FraudThresholds['unattributed_share'],
): boolean {
  return n.conversions >= t.min_conversions && n.unattributed > t.max_share * n.conversions
}

/** At least `min_refunds` refunds in the window, and more than `max_share` of its conversions. */
export function isRefundSpike(
  n: { conversions: number; refunds: number },
  t: FraudThresholds['refund_spike'],
): boolean {
  return n.refunds >= t.min_refunds && n.refunds > t.max_share * n.conversions
}

/** A delivery failing its `failures`-th attempt (or given up, or its endpoint disabled) alerts. */
export function isWebhookFailing(
  d: { attempts: number; given_up: boolean; disabled: boolean },
  t: FraudThresholds['webhook_failing'],
): boolean {
  return d.disabled || d.given_up || d.attempts >= t.failures
}

/** Alerts of one situation are raised once per window: its number since the epoch. */
export function windowBucket(at: number, hours: number): number {
  return Math.floor(at / (Math.max(1, hours) * 3_600_000))
}
