/**
 * Commissions (secret key): `GET /v1/commissions?status&affiliate` lists them, newest first;
 * `POST /v1/commissions/:id/approve|reject` changes one by hand, through the program's hub so the
 * totals and the `commission` live message follow. The dashboard reuses both functions.
 */
import { Hono } from 'hono'
import { commissionsExport, wantsCsv } from '../exports/routes'
import { COMMISSION_SELECT, type CommissionAction, commissionJson } from '../hub/commission-status'
import { requireSecretKey } from '../lib/auth'
import { type AppEnv, type Env, hubFor } from '../lib/env'
import { ApiError } from '../lib/errors'
import { queryText } from '../lib/validate'
import type { CommissionRecord, CommissionStatus, Mode } from '../shared'

export const commissionRoutes = new Hono<AppEnv>()

commissionRoutes.use('/v1/commissions', requireSecretKey)
commissionRoutes.use('/v1/commissions/*', requireSecretKey)

const STATUSES: CommissionStatus[] = ['pending', 'approved', 'on_hold', 'paid', 'reversed', 'rejected']

export interface CommissionFilter {
  status?: string | undefined
  affiliate?: string | undefined
  limit?: string | undefined
}

export async function listCommissions(
  db: D1Database,
  programId: string,
  mode: Mode,
  filter: CommissionFilter,
): Promise<CommissionRecord[]> {
  const where = ['m.program_id = ?', 'm.mode = ?']
  const params: unknown[] = [programId, mode]
  if (filter.status) {
    const statuses = [...new Set(queryText(filter.status, 'status', 128)?.split(',') ?? [])]
    for (const s of statuses) {
      if (!STATUSES.includes(s as CommissionStatus))
        throw new ApiError('invalid_request', `status must be one of ${STATUSES.join(', ')}`, 'status')
    }
    where.push(`m.status IN (${statuses.map(() => '?').join(', ')})`)
    params.push(...statuses)
  }
  const affiliate = queryText(filter.affiliate, 'affiliate', 128)
  if (affiliate) {
    where.push('(a.id = ? OR a.code = ?)')
    params.push(affiliate, affiliate.toLowerCase())
  }
  // Digits only: `Number()` would also take "1e2", "0x10" and " 5".
  const limit = filter.limit === undefined ? 100 : /^\d{1,3}$/.test(filter.limit) ? Number(filter.limit) : NaN
  if (!Number.isInteger(limit) || limit < 1 || limit > 500)
    throw new ApiError('invalid_request', 'limit must be an integer from 1 to 500', 'limit')
  const { results } = await db
    .prepare(`${COMMISSION_SELECT} WHERE ${where.join(' AND ')} ORDER BY m.created_at DESC, m.id LIMIT ?`)
    .bind(...params, limit)
    .all()
  return (results as Parameters<typeof commissionJson>[0][]).map(commissionJson)
}

export async function changeCommissionStatus(
  env: Env,
  programId: string,
  mode: Mode,
  commissionId: string,
  action: CommissionAction,
): Promise<{ commission: CommissionRecord }> {
  const result = await hubFor(env, programId).setCommissionStatus(
    { programId, mode, now: Date.now() },
    commissionId,
    action,
  )
  if (!result.ok) throw new ApiError(result.code, result.message, result.field)
  return result.body
}

commissionRoutes.get('/v1/commissions', async (c) => {
  const { programId, mode } = c.get('auth')
  const q = c.req.query()
  if (wantsCsv(q)) return commissionsExport(c.env, programId, mode, q)
  return c.json({ commissions: await listCommissions(c.env.DB, programId, mode, q) })
})

for (const action of ['approve', 'reject'] as const) {
  commissionRoutes.post(`/v1/commissions/:id/${action}`, async (c) => {
    const { programId, mode } = c.get('auth')
    return c.json(await changeCommissionStatus(c.env, programId, mode, c.req.param('id'), action))
  })
}
