/**
 * Commissions (secret key), each change decided by the program's hub so the totals, the history
 * and the `commission` live message follow:
 * - `GET /v1/commissions?status&affiliate&from&to&limit` lists them newest first (`format=csv`
 *   hands over to the export); `GET /v1/commissions/:id` answers one with its `history`;
 * - `POST /v1/commissions/:id/approve|reject` changes one; `POST /v1/commissions/approve|reject`
 *   with `{ids, reason?}` up to 100, answering each one's result;
 * - `POST /v1/commissions/approve-due` approves the pending ones whose hold has ended (with
 *   `{include_pending: true}` every pending one; `on_hold` never).
 * A key sees and changes its own mode only. The work is in commissions/service.ts, which the
 * dashboard calls too.
 */
import { Hono } from 'hono'
import { z } from 'zod'
import {
  approveDue,
  changeCommissionStatus,
  changeMany,
  getCommission,
  LIST_QUERY,
  listCommissions,
} from '../commissions/service'
import { commissionsExport, wantsCsv } from '../exports/service'
import { requireSecretKey } from '../lib/auth'
import type { AppEnv } from '../lib/env'
import { assertKnownQuery } from '../lib/query'
import { approveDueInput, commissionIdsInput } from '../lib/schemas'
import { parseBody, parseWith } from '../lib/validate'
import { describeRoute } from '../openapi/registry'
import * as r from '../openapi/responses'

export const commissionRoutes = new Hono<AppEnv>()

commissionRoutes.use('/v1/commissions', requireSecretKey)
commissionRoutes.use('/v1/commissions/*', requireSecretKey)

commissionRoutes.get('/v1/commissions', async (c) => {
  const { programId, mode } = c.get('auth')
  const q = c.req.query()
  assertKnownQuery(q, LIST_QUERY)
  if (wantsCsv(q)) return commissionsExport(c.env, programId, mode, q)
  return c.json({ commissions: await listCommissions(c.env.DB, programId, mode, q, { visibleTo: mode }) })
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
  assertKnownQuery(c.req.query(), [])
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
