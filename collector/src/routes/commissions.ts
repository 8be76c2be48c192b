/**
 * Commissions (secret key), each change decided by the program's hub so the totals, the history
 * and the `commission` live message follow:
 * - `GET /v1/commissions?status&affiliate&from&to&limit` lists them newest first (`format=csv`
 *   hands over to the export); `GET /v1/commissions/:id` answers one with its `history`;
 * - `POST /v1/commissions/:id/approve|reject` changes one; `POST /v1/commissions/approve|reject`
 *   with `{ids, reason?}` up to 100, answering each one's result;
 * - `POST /v1/commissions/approve-due` approves the pending ones whose hold has ended (with
 *   `{include_pending: true}` every pending one; `on_hold` never).
 * A key sees and changes its own mode only. The dashboard reuses these functions.
 */
import { Hono } from 'hono'
import { z } from 'zod'
import {
  COMMISSION_STATUSES,
  commissionHistory,
  commissionJson,
  findCommissionRow,
  listCommissionRows,
} from '../commissions/data'
import { commissionsExport, wantsCsv } from '../exports/routes'
import type { CommissionAction } from '../hub/commission-status'
import { requireSecretKey } from '../lib/auth'
import { type AppEnv, type Env, hubFor } from '../lib/env'
import { ApiError } from '../lib/errors'
import { approveDueInput, commissionIdsInput } from '../lib/schemas'
import { parseBody, parseWith, queryText, queryTime } from '../lib/validate'
import { describeRoute } from '../openapi/registry'
import * as r from '../openapi/responses'
import type { CommissionHistoryEntry, CommissionRecord, CommissionStatus, ErrorCode, Mode } from '../shared'

export const commissionRoutes = new Hono<AppEnv>()

commissionRoutes.use('/v1/commissions', requireSecretKey)
commissionRoutes.use('/v1/commissions/*', requireSecretKey)

export interface CommissionFilter {
  status?: string | undefined
  affiliate?: string | undefined
  from?: string | undefined
  to?: string | undefined
  limit?: string | undefined
}

const LIST_QUERY = ['status', 'affiliate', 'from', 'to', 'limit', 'format']

export async function listCommissions(
  db: D1Database,
  programId: string,
  mode: Mode,
  filter: CommissionFilter,
): Promise<CommissionRecord[]> {
  const statuses = filter.status
    ? [...new Set(queryText(filter.status, 'status', 128)?.split(',') ?? [])]
    : []
  for (const s of statuses) {
    if (!COMMISSION_STATUSES.includes(s as CommissionStatus))
      throw new ApiError(
        'invalid_request',
        `status must be one of ${COMMISSION_STATUSES.join(', ')}`,
        'status',
      )
  }
  const from = queryTime(filter.from, 'from', 'start')
  const to = queryTime(filter.to, 'to', 'end')
  if (from !== null && to !== null && from > to)
    throw new ApiError('invalid_request', 'from must not be after to', 'from')
  // Digits only: `Number()` would also take "1e2", "0x10" and " 5".
  const limit = filter.limit === undefined ? 100 : /^\d{1,3}$/.test(filter.limit) ? Number(filter.limit) : NaN
  if (!Number.isInteger(limit) || limit < 1 || limit > 500)
    throw new ApiError('invalid_request', 'limit must be an integer from 1 to 500', 'limit')
  const rows = await listCommissionRows(db, programId, mode, {
    statuses: statuses as CommissionStatus[],
    ...(filter.affiliate ? { affiliate: queryText(filter.affiliate, 'affiliate', 128) } : {}),
    from,
    to,
    limit,
  })
  return rows.map(commissionJson)
}

export async function getCommission(
  db: D1Database,
  programId: string,
  mode: Mode,
  id: string,
): Promise<CommissionRecord & { history: CommissionHistoryEntry[] }> {
  const row = id.length <= 64 ? await findCommissionRow(db, programId, mode, id) : undefined
  if (!row) throw new ApiError('not_found', 'No commission with that id', 'id')
  return { ...commissionJson(row), history: await commissionHistory(db, programId, mode, id) }
}

export async function changeCommissionStatus(
  env: Env,
  programId: string,
  mode: Mode,
  commissionId: string,
  action: CommissionAction,
  reason?: string,
): Promise<{ commission: CommissionRecord }> {
  const result = await hubFor(env, programId).setCommissionStatus(
    { programId, mode, now: Date.now() },
    commissionId,
    action,
    reason,
  )
  if (!result.ok) throw new ApiError(result.code, result.message, result.field)
  return result.body
}

export type BulkResult =
  | { id: string; ok: true; commission: CommissionRecord }
  | { id: string; ok: false; error: { code: ErrorCode; message: string } }

/** Decides each commission in turn (each one by the hub); one refusal never stops the others. */
export async function changeMany(
  env: Env,
  programId: string,
  mode: Mode,
  ids: string[],
  action: CommissionAction,
  reason?: string,
): Promise<BulkResult[]> {
  const hub = hubFor(env, programId)
  const results: BulkResult[] = []
  for (const id of ids) {
    const res = await hub.setCommissionStatus({ programId, mode, now: Date.now() }, id, action, reason)
    results.push(
      res.ok
        ? { id, ok: true, commission: res.body.commission }
        : { id, ok: false, error: { code: res.code, message: res.message } },
    )
  }
  return results
}

export async function approveDue(
  env: Env,
  programId: string,
  mode: Mode,
  includePending: boolean,
): Promise<{ approved: number }> {
  const result = await hubFor(env, programId).approveDueCommissions(
    { programId, mode, now: Date.now() },
    includePending,
  )
  if (!result.ok) throw new ApiError(result.code, result.message, result.field)
  return result.body
}

commissionRoutes.get('/v1/commissions', async (c) => {
  const { programId, mode } = c.get('auth')
  const q = c.req.query()
  const unknown = Object.keys(q).find((k) => !LIST_QUERY.includes(k))
  if (unknown) throw new ApiError('invalid_request', `Unknown query parameter ${unknown}`, unknown)
  if (wantsCsv(q)) return commissionsExport(c.env, programId, mode, q)
  return c.json({ commissions: await listCommissions(c.env.DB, programId, mode, q) })
})

commissionRoutes.post('/v1/commissions/approve-due', async (c) => {
  const { programId, mode } = c.get('auth')
  // The body is optional (`{}` = due ones only); a present one must be JSON.
  const empty = c.req.raw.body === null || c.req.header('content-length') === '0'
  const body = empty ? parseWith(approveDueInput, {}) : await parseBody(c, approveDueInput)
  return c.json(await approveDue(c.env, programId, mode, body.include_pending))
})

for (const action of ['approve', 'reject'] as const) {
  commissionRoutes.post(`/v1/commissions/${action}`, async (c) => {
    const { programId, mode } = c.get('auth')
    const body = await parseBody(c, commissionIdsInput)
    return c.json({ results: await changeMany(c.env, programId, mode, body.ids, action, body.reason) })
  })
  commissionRoutes.post(`/v1/commissions/:id/${action}`, async (c) => {
    const { programId, mode } = c.get('auth')
    return c.json(await changeCommissionStatus(c.env, programId, mode, c.req.param('id'), action))
  })
}

commissionRoutes.get('/v1/commissions/:id', async (c) => {
  const { programId, mode } = c.get('auth')
  return c.json({ commission: await getCommission(c.env.DB, programId, mode, c.req.param('id')) })
})

const historyEntry = z.object({
  type: z
    .string()
    .describe('created, approved, rejected, on_hold, reversed, reduced, restored, clawback or paid'),
  status: z.string(),
  amount: z.number().int(),
  reason: z.string().nullable(),
  actor: z.string().describe('founder, hold_end, refund, payout, dispute or event'),
  ref_id: z.string().nullable(),
  at: z.string(),
})
const bulkResult = z.object({
  results: z.array(
    z.object({
      id: z.string(),
      ok: z.boolean(),
      commission: r.commission.optional(),
      error: z.object({ code: z.string(), message: z.string() }).optional(),
    }),
  ),
})

describeRoute(
  {
    method: 'get',
    path: '/v1/commissions/:id',
    tag: 'commissions',
    auth: 'secret',
    summary: 'One commission with the rule that produced it and its status history',
    params: { id: 'The commission id' },
    responses: {
      200: {
        description: 'The commission',
        schema: z.object({ commission: r.commission.extend({ history: z.array(historyEntry) }) }),
      },
    },
    errors: [404],
  },
  {
    method: 'post',
    path: '/v1/commissions/approve-due',
    tag: 'commissions',
    auth: 'secret',
    summary:
      'Approve every pending commission whose hold has ended (or, with include_pending, every pending one)',
    body: approveDueInput,
    bodyOptional: true,
    responses: {
      200: { description: 'How many were approved', schema: z.object({ approved: z.number().int() }) },
    },
    errors: [400],
  },
  ...(['approve', 'reject'] as const).map((action) => ({
    method: 'post' as const,
    path: `/v1/commissions/${action}`,
    tag: 'commissions',
    auth: 'secret' as const,
    summary: `${action === 'approve' ? 'Approve' : 'Reject'} up to 100 commissions, each decided in turn`,
    body: commissionIdsInput,
    responses: { 200: { description: 'Each commission’s result', schema: bulkResult } },
    errors: [400],
  })),
)
