/**
 * The payout's two CSV files, pure functions of the payout (written with domain/csv.ts, so cells
 * are formula-safe and amounts stay numbers):
 * - PayPal Payouts' upload format: no header; recipient email, amount in major units, currency,
 *   customer id (the affiliate id, at most 30 characters), note. One currency per file.
 * - export.csv, for bookkeeping: a header row and every line in every currency.
 */
import { CsvNumber, toCsv } from '../domain/csv'
import { formatMajor } from '../domain/currency-format'
import type { PayoutRecord } from '../shared'

export const EXPORT_HEADER = [
  'affiliate_id',
  'affiliate_code',
  'name',
  'email',
  'currency',
  'amount',
  'amount_minor',
  'commission_ids',
] as const

/** PayPal's limit on the customer id column. */
const PAYPAL_ID_MAX = 30

export function payoutCurrencies(payout: PayoutRecord): string[] {
  return [...new Set(payout.items.map((i) => i.currency))].sort()
}

export function paypalCsv(payout: PayoutRecord, currency: string): string {
  const note = `Affiliate commissions to ${payout.period_end.slice(0, 10)} (${payout.id})`
  return toCsv(
    payout.items
      .filter((i) => i.currency === currency)
      .map((i) => [
        i.affiliate.email,
        new CsvNumber(formatMajor(i.amount, i.currency)),
        i.currency,
        i.affiliate.id.slice(0, PAYPAL_ID_MAX),
        note,
      ]),
  )
}

export function exportCsv(payout: PayoutRecord): string {
  return toCsv(
    payout.items.map((i) => [
      i.affiliate.id,
      i.affiliate.code,
      i.affiliate.name,
      i.affiliate.email,
      i.currency,
      new CsvNumber(formatMajor(i.amount, i.currency)),
      i.amount,
      i.commission_ids.join(' '),
    ]),
    EXPORT_HEADER,
  )
}
