/**
 * Exports and the conversions list. `GET /v1/conversions?from&to&affiliate&customer` answers the
 * newest conversions as JSON (`limit`, default 100, at most 500) or, with `format=csv`, every
 * matching one as a streamed CSV file; `?format=csv` on `GET /v1/affiliates` and
 * `GET /v1/commissions` is handed here by those routes. The dashboard downloads the same files
 * under `/dashboard/api/exports/*` with its session. A key exports its own mode only: a test
 * key's file holds test data, a live file never does.
 */
import { type Context, Hono } from 'hono'
import { z } from 'zod'
import { csvHeaders } from '../domain/csv'
import { requireSecretKey } from '../lib/auth'
import { type AppEnv, type Env, publicOrigin } from '../lib/env'
import { ApiError } from '../lib/errors'
import { requireSession, type SessionEnv } from '../lib/session'
import { queryText, queryTime } from '../lib/validate'
import { describeRoute } from '../openapi/registry'
import type { AffiliateStatus, CommissionStatus, Mode } from '../shared'
import { promoCodesByAffiliate } from '../stripe/promo-codes'
import { type ConversionWithAffiliate, latestConversions, resolveAffiliateId } from './data'
import { affiliatesCsv, commissionsCsv, conversionsCsv } from './files'

export const exportRoutes = new Hono<AppEnv>()

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

type Query = Record<string, string | undefined>

/** `format` is `json` (the default) or `csv`; anything else is a 400 naming it. */
export function wantsCsv(q: Query): boolean {
  if (q.format === undefined || q.format === 'json') return false
  if (q.format === 'csv') return true
  throw new ApiError('invalid_request', 'format must be json or csv', 'format')
}

function assertKnown(q: Query, known: readonly string[]): void {
  const unknown = Object.keys(q).find((k) => !known.includes(k))
  if (unknown) throw new ApiError('invalid_request', `Unknown query parameter ${unknown}`, unknown)
}

/** An affiliate filter (id or code) resolved to an id; an unknown one is a 404 naming it. */
async function affiliateFilter(env: Env, programId: string, mode: Mode, value: string | undefined) {
  const text = queryText(value, 'affiliate', 128)
  if (!text) return undefined
  const id = await resolveAffiliateId(env.DB, programId, mode, text)
  if (!id) throw new ApiError('not_found', 'No affiliate with that id or code', 'affiliate')
  return id
}

async function conversionFilter(env: Env, programId: string, mode: Mode, q: Query) {
  const from = queryTime(q.from, 'from', 'start')
  const to = queryTime(q.to, 'to', 'end')
  if (from !== null && to !== null && from > to)
    throw new ApiError('invalid_request', 'from must not be after to', 'from')
  return {
    from,
    to,
    affiliateId: await affiliateFilter(env, programId, mode, q.affiliate),
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
    affiliateId: await affiliateFilter(env, programId, mode, q.affiliate),
    from,
    to,
  }
  return csvResponse(commissionsCsv(env.DB, programId, mode, filter), 'commissions', mode)
}

const CONVERSION_QUERY = ['from', 'to', 'affiliate', 'customer', 'limit', 'format'] as const

exportRoutes.get('/v1/conversions', requireSecretKey, async (c) => {
  const { programId, mode } = c.get('auth')
  const q = c.req.query()
  assertKnown(q, CONVERSION_QUERY)
  if (wantsCsv(q)) return conversionsExport(c.env, programId, mode, q)
  const limit = q.limit === undefined ? 100 : /^\d{1,3}$/.test(q.limit) ? Number(q.limit) : Number.NaN
  if (!Number.isInteger(limit) || limit < 1 || limit > 500)
    throw new ApiError('invalid_request', 'limit must be an integer from 1 to 500', 'limit')
  const filter = await conversionFilter(c.env, programId, mode, q)
  const rows = await latestConversions(c.env.DB, programId, mode, filter, limit)
  return c.json({ conversions: rows.map(conversionJson) })
})

/** The dashboard's downloads: `?program&mode` plus the list's filters, with the session cookie. */
export const dashboardExportRoutes = new Hono<SessionEnv>()

dashboardExportRoutes.use('/dashboard/api/exports/*', requireSession('api'))

async function dashboardScope(c: Context<SessionEnv>): Promise<{ programId: string; mode: Mode }> {
  const programId = c.req.query('program') ?? ''
  const mode = c.req.query('mode') ?? 'live'
  if (mode !== 'live' && mode !== 'test')
    throw new ApiError('invalid_request', 'mode must be live or test', 'mode')
  const exists = await c.env.DB.prepare('SELECT 1 FROM programs WHERE id = ?').bind(programId).first()
  if (!exists) throw new ApiError('not_found', 'Unknown program', 'program')
  return { programId, mode }
}

function filtersOf(c: Context<SessionEnv>): Query {
  const { program: _p, mode: _m, ...rest } = c.req.query()
  return rest
}

dashboardExportRoutes.get('/dashboard/api/exports/affiliates.csv', async (c) => {
  const { programId, mode } = await dashboardScope(c)
  assertKnown(filtersOf(c), [])
  return affiliatesExport(c, programId, mode)
})

dashboardExportRoutes.get('/dashboard/api/exports/conversions.csv', async (c) => {
  const { programId, mode } = await dashboardScope(c)
  const q = filtersOf(c)
  assertKnown(q, ['from', 'to', 'affiliate', 'customer'])
  return conversionsExport(c.env, programId, mode, q)
})

dashboardExportRoutes.get('/dashboard/api/exports/commissions.csv', async (c) => {
  const { programId, mode } = await dashboardScope(c)
  const q = filtersOf(c)
  assertKnown(q, ['status', 'affiliate', 'from', 'to'])
  return commissionsExport(c.env, programId, mode, q)
})

const q = (description: string) => z.string().optional().describe(description)

describeRoute({
  method: 'get',
  path: '/v1/conversions',
  tag: 'conversions',
  auth: 'secret',
  summary: 'List conversions, newest first (JSON), or export every match (format=csv)',
  query: z.object({
    from: q('Occurred at or after (ISO 8601 date or date-time)'),
    to: q('Occurred at or before (a date means the end of that UTC day)'),
    affiliate: q('An affiliate id or code'),
    customer: q('A customer id'),
    limit: q('JSON only: 1 to 500 (default 100)'),
    format: q('json (default) or csv: every matching conversion, streamed, oldest first'),
  }),
  responses: {
    200: {
      description: 'The conversions (or the CSV file with format=csv)',
      schema: z.object({
        conversions: z.array(
          z.object({
            id: z.string(),
            event_id: z.string(),
            customer_id: z.string().nullable(),
            affiliate: z.object({ id: z.string(), code: z.string() }).nullable(),
            sub: z.string().nullable(),
            amount: z.number().int(),
            currency: z.string(),
            refunded_amount: z.number().int(),
            metadata: z.unknown(),
            occurred_at: z.string(),
            created_at: z.string(),
          }),
        ),
      }),
    },
  },
  errors: [400, 404],
})
