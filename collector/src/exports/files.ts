/**
 * The CSV files of the exports: one header row, then one line per row, streamed as D1 pages
 * arrive (the shared writer in domain/csv.ts defuses formula cells and writes numbers plainly).
 * Amounts appear twice: in major units with the currency's decimals, and as the integer of
 * minor units, so a spreadsheet sums them and a program re-imports them exactly.
 */
import { type CsvCell, csvStream, decimal } from '../domain/csv'
import { formatMajor } from '../domain/currency-format'
import type { Mode } from '../shared'
import {
  type AffiliateRow,
  affiliatePages,
  type CommissionExportFilter,
  type CommissionWithAffiliate,
  type ConversionFilter,
  type ConversionWithAffiliate,
  commissionPages,
  conversionPages,
} from './data'

export const AFFILIATE_COLUMNS = [
  'id',
  'code',
  'name',
  'email',
  'status',
  'commission',
  'promo_codes',
  'link',
  'created_at',
] as const

export const CONVERSION_COLUMNS = [
  'id',
  'event_id',
  'occurred_at',
  'customer_id',
  'affiliate_id',
  'affiliate_code',
  'sub',
  'currency',
  'amount',
  'amount_minor',
  'refunded_minor',
  'created_at',
] as const

export const COMMISSION_COLUMNS = [
  'id',
  'created_at',
  'affiliate_id',
  'affiliate_code',
  'affiliate_name',
  'kind',
  'status',
  'reason',
  'currency',
  'amount',
  'amount_minor',
  'original_minor',
  'conversion_id',
  'sub',
  'due_at',
  'payout_id',
] as const

function major(minor: number, currency: string): CsvCell {
  return decimal(formatMajor(minor, currency))
}

async function* rowsOf<T>(
  pages: AsyncGenerator<T[]>,
  toRow: (row: T) => CsvCell[],
): AsyncGenerator<CsvCell[]> {
  for await (const page of pages) for (const row of page) yield toRow(row)
}

export interface AffiliateExtras {
  link: (row: AffiliateRow) => string
  promoCodes: (ids: string[]) => Promise<Map<string, string[]>>
}

export function affiliatesCsv(
  db: D1Database,
  programId: string,
  mode: Mode,
  extras: AffiliateExtras,
  status?: AffiliateRow['status'],
) {
  async function* rows(): AsyncGenerator<CsvCell[]> {
    for await (const page of affiliatePages(db, programId, mode, status)) {
      // D1 binds at most 100 parameters per query: promotion codes are looked up 90 ids at a time.
      const codes = new Map<string, string[]>()
      for (let i = 0; i < page.length; i += 90) {
        for (const [id, list] of await extras.promoCodes(page.slice(i, i + 90).map((r) => r.id)))
          codes.set(id, list)
      }
      for (const r of page) {
        yield [
          r.id,
          r.code,
          r.name,
          r.email,
          r.status,
          r.commission,
          (codes.get(r.id) ?? []).join(' '),
          extras.link(r),
          r.createdAt,
        ]
      }
    }
  }
  return csvStream(rows(), AFFILIATE_COLUMNS)
}

export function conversionRow(r: ConversionWithAffiliate): CsvCell[] {
  return [
    r.id,
    r.eventId,
    r.occurredAt,
    r.customerId,
    r.affiliateId,
    r.affiliateCode,
    r.sub,
    r.currency,
    major(r.amount, r.currency),
    r.amount,
    r.refundedAmount,
    r.createdAt,
  ]
}

export function conversionsCsv(db: D1Database, programId: string, mode: Mode, f: ConversionFilter) {
  return csvStream(rowsOf(conversionPages(db, programId, mode, f), conversionRow), CONVERSION_COLUMNS)
}

export function commissionRow(r: CommissionWithAffiliate): CsvCell[] {
  return [
    r.id,
    r.createdAt,
    r.affiliateId,
    r.affiliateCode,
    r.affiliateName,
    r.kind,
    r.status,
    r.reason,
    r.currency,
    major(r.amount, r.currency),
    r.amount,
    r.originalAmount,
    r.conversionId,
    r.sub,
    r.dueAt,
    r.payoutId,
  ]
}

export function commissionsCsv(db: D1Database, programId: string, mode: Mode, f: CommissionExportFilter) {
  return csvStream(rowsOf(commissionPages(db, programId, mode, f), commissionRow), COMMISSION_COLUMNS)
}
