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
import { requireSecretKey } from '../lib/auth'
import type { AppEnv } from '../lib/env'
import { ApiError } from '../lib/errors'
import { assertKnownQuery } from '../lib/query'
import { requireSession, type SessionEnv } from '../lib/session'
import { describeRoute } from '../openapi/registry'
import type { Mode } from '../shared'
import { latestConversions } from './data'
import {
  affiliatesExport,
  CONVERSION_QUERY,
  commissionsExport,
  conversionFilter,
  conversionJson,
  conversionsExport,
  type Query,
  wantsCsv,
} from './service'

export const exportRoutes = new Hono<AppEnv>()

exportRoutes.get('/v1/conversions', requireSecretKey, async (c) => {
  const { programId, mode } = c.get('auth')
  const q = c.req.query()
  assertKnownQuery(q, CONVERSION_QUERY)
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
  assertKnownQuery(filtersOf(c), [])
  return affiliatesExport(c, programId, mode)
})

dashboardExportRoutes.get('/dashboard/api/exports/conversions.csv', async (c) => {
  const { programId, mode } = await dashboardScope(c)
  const q = filtersOf(c)
  assertKnownQuery(q, ['from', 'to', 'affiliate', 'customer'])
  return conversionsExport(c.env, programId, mode, q)
})

dashboardExportRoutes.get('/dashboard/api/exports/commissions.csv', async (c) => {
  const { programId, mode } = await dashboardScope(c)
  const q = filtersOf(c)
  assertKnownQuery(q, ['status', 'affiliate', 'from', 'to'])
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
    affiliate: q('An affiliate id or code (an unknown one is a 400 naming affiliate)'),
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
  errors: [400],
})
