/**
 * Number and money formatting shared by the server-rendered pages and their client scripts
 * (pure, no DOM): money is integer minor units, shown with the currency's own exponent.
 */
import type { Money } from '../shared'

const moneyFormats = new Map<string, Intl.NumberFormat>()
const countFormat = new Intl.NumberFormat('en-US')

function moneyFormat(currency: string): Intl.NumberFormat {
  let f = moneyFormats.get(currency)
  if (!f) {
    try {
      f = new Intl.NumberFormat('en-US', { style: 'currency', currency })
    } catch {
      f = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })
    }
    moneyFormats.set(currency, f)
  }
  return f
}

/** 4900 USD → "$49.00"; 500 JPY → "¥500". */
export function formatMoney(amount: number, currency: string): string {
  const f = moneyFormat(currency)
  const digits = f.resolvedOptions().maximumFractionDigits ?? 2
  return f.format(amount / 10 ** digits)
}

/**
 * Per-currency sums, largest first. Nothing (or only zeros) is zero, in `currency` when it is
 * known ("$0.00"), else a plain "0": never a dash, which could mean zero or unknown.
 */
export function formatMoneyMap(money: Money, currency?: string): string {
  const entries = Object.entries(money).filter(([, v]) => v !== 0)
  if (!entries.length) return currency ? formatMoney(0, currency) : '0'
  return entries
    .sort((a, b) => Math.abs(b[1]) - Math.abs(a[1]))
    .map(([cur, v]) => formatMoney(v, cur))
    .join(' · ')
}

export function formatCount(n: number): string {
  return countFormat.format(n)
}

/** Conversion rate (conversions ÷ clicks) as a percent with one decimal; "no clicks" without clicks. */
export function formatRate(conversions: number, clicks: number): string {
  if (!clicks) return 'no clicks'
  return `${((conversions / clicks) * 100).toFixed(1)}%`
}

/** "just now", "5 min ago", "3 h ago", "12 Mar"; `none` when there is no time. */
export function formatAgo(iso: string | null, now = Date.now(), none = 'never'): string {
  const t = iso ? Date.parse(iso) : Number.NaN
  if (Number.isNaN(t)) return none
  const s = Math.max(0, Math.round((now - t) / 1000))
  if (s < 45) return 'just now'
  if (s < 3600) return `${Math.round(s / 60)} min ago`
  if (s < 86_400) return `${Math.round(s / 3600)} h ago`
  return new Date(t).toLocaleDateString('en-GB', { day: 'numeric', month: 'short' })
}

/** "14:05:09" in the viewer's time zone. */
export function formatClock(iso: string): string {
  return new Date(iso).toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit' })
}
