/**
 * The export files and the conversions list's rows: what `GET /v1/conversions`, the `format=csv`
 * of `GET /v1/affiliates` and `GET /v1/commissions`, and the dashboard's downloads hand over to.
 */
import type { Context } from 'hono'
import { affiliateFilter } from '../affiliates/filter'
import { csvHeaders } from '../domain/csv'
import { type AppEnv, type Env, publicOrigin } from '../lib/env'
import { ApiError } from '../lib/errors'
import type { SessionEnv } from '../lib/session'
import { queryText, queryTime } from '../lib/validate'
import type { AffiliateStatus, CommissionStatus, Mode } from '../shared'
import { promoCodesByAffiliate } from '../stripe/promo-codes'
import type { ConversionWithAffiliate } from './data'
import { affiliatesCsv, commissionsCsv, conversionsCsv } from './files'

const STATUSES = [
  'pending',
  'approved',
  'on_hold',
  'paid',
  'reversed',
  'rejected',
] satisfies CommissionStatus[]

/** The conversion as the list answers it. */
export interface ConversionRecord {
  id: string
  event_id: string
  customer_id: string | null
  affiliate: { id: string; code: string } | null
  sub: string | null
  amount: number
  currency: string
  refunded_amount: number
  metadata: unknown
  occurred_at: string
  created_at: string
}

export function conversionJson(r: ConversionWithAffiliate): ConversionRecord {
  let metadata: unknown = null
  try {
    metadata = r.metadata ? JSON.parse(r.metadata) : null
  } catch {
    metadata = null
  }
  return {
    id: r.id,
    event_id: r.eventId,
    customer_id: r.customerId,
    affiliate: r.affiliateId && r.affiliateCode ? { id: r.affiliateId, code: r.affiliateCode } : null,
    sub: r.sub,
    amount: r.amount,
    currency: r.currency,
    refunded_amount: r.refundedAmount,
    metadata,
    occurred_at: r.occurredAt,
    created_at: r.createdAt,
  }
}

export type Query = Record<string, string | undefined>

/** `format` is `json` (the default) or `csv`; anything else is a 400 naming it. */
export function wantsCsv(q: Query): boolean {
  if (q.format === undefined || q.format === 'json') return false
  if (q.format === 'csv') return true
  throw new ApiError('invalid_request', 'format must be json or csv', 'format')
}

export async function conversionFilter(env: Env, programId: string, mode: Mode, q: Query) {
  const from = queryTime(q.from, 'from', 'start')
  const to = queryTime(q.to, 'to', 'end')
  if (from !== null && to !== null && from > to)
    throw new ApiError('invalid_request', 'from must not be after to', 'from')
  return {
    from,
    to,
    affiliateId: await affiliateFilter(env.DB, programId, q.affiliate, { visibleTo: mode }),
    customerId: queryText(q.customer, 'customer', 255),
  }
}

function fileName(kind: string, mode: Mode): string {
  return `${kind}-${mode}-${new Date().toISOString().slice(0, 10)}.csv`
}

function csvResponse(body: ReadableStream<Uint8Array>, kind: string, mode: Mode): Response {
  return new Response(body, { status: 200, headers: csvHeaders(fileName(kind, mode)) })
}

/** `GET /v1/affiliates?format=csv&status` (and the dashboard's download): the mode's own affiliates. */
export function affiliatesExport(
  c: Context<AppEnv> | Context<SessionEnv>,
  programId: string,
  mode: Mode,
  status?: AffiliateStatus,
): Response {
  const origin = publicOrigin(c.env, c.req.url)
  const body = affiliatesCsv(
    c.env.DB,
    programId,
    mode,
    {
      link: (row) => `${origin}/go/${row.code}`,
      promoCodes: (ids) => promoCodesByAffiliate(c.env.DB, programId, ids),
    },
    status,
  )
  return csvResponse(body, 'affiliates', mode)
}

export async function conversionsExport(
  env: Env,
  programId: string,
  mode: Mode,
  q: Query,
): Promise<Response> {
  const filter = await conversionFilter(env, programId, mode, q)
  return csvResponse(conversionsCsv(env.DB, programId, mode, filter), 'conversions', mode)
}

/** `GET /v1/commissions?format=csv&status&affiliate&from&to` (and the dashboard's download). */
export async function commissionsExport(
  env: Env,
  programId: string,
  mode: Mode,
  q: Query,
): Promise<Response> {
  const statuses = q.status ? [...new Set(queryText(q.status, 'status', 128)?.split(',') ?? [])] : []
  for (const s of statuses) {
    if (!(STATUSES as string[]).includes(s))
      throw new ApiError('invalid_request', `status must be one of ${STATUSES.join(', ')}`, 'status')
  }
  const from = queryTime(q.from, 'from', 'start')
  const to = queryTime(q.to, 'to', 'end')
  const filter = {
    statuses: statuses as CommissionStatus[],
    affiliateId: await affiliateFilter(env.DB, programId, q.affiliate, { visibleTo: mode }),
    from,
    to,
  }
  return csvResponse(commissionsCsv(env.DB, programId, mode, filter), 'commissions', mode)
}

export const CONVERSION_QUERY = ['from', 'to', 'affiliate', 'customer', 'limit', 'format'] as const
