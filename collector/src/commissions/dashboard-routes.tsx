/**
 * The dashboard's commissions page, `/dashboard/commissions?program&mode&status&affiliate&from&to`
 * (pages/commissions.tsx), and its JSON endpoints under `/dashboard/api/commission-review`
 * (session cookie; CSRF token and same origin on every mutation), scoped by `?program&mode`. They
 * call the same functions as `/v1/commissions`, so the filters are validated the same way and a
 * refused one names its field.
 */
import { type Context, Hono } from 'hono'
import { ApiError } from '../lib/errors'
import { commissionIdsInput } from '../lib/schemas'
import { requireCsrf, requireSession, type SessionEnv } from '../lib/session'
import { parseBody } from '../lib/validate'
import { CommissionsPage, REVIEW_LIMIT } from '../pages/commissions'
import { pageHeaders } from '../pages/layout'
import type { Mode } from '../shared'
import { countDue } from './data'
import { approveDue, changeMany, getCommission, listCommissions } from './service'

export const commissionDashboardRoutes = new Hono<SessionEnv>()

const API = '/dashboard/api/commission-review'
commissionDashboardRoutes.use(API, requireSession('api'), requireCsrf)
commissionDashboardRoutes.use(`${API}/*`, requireSession('api'), requireCsrf)

async function scope(c: Context<SessionEnv>): Promise<{ programId: string; mode: Mode }> {
  const programId = c.req.query('program') ?? ''
  const mode = c.req.query('mode') ?? 'live'
  if (mode !== 'live' && mode !== 'test')
    throw new ApiError('invalid_request', 'mode must be live or test', 'mode')
  const exists = await c.env.DB.prepare('SELECT 1 FROM programs WHERE id = ?').bind(programId).first()
  if (!exists) throw new ApiError('not_found', 'Unknown program', 'program')
  return { programId, mode }
}

const DATE = /^\d{4}-\d{2}-\d{2}$/

commissionDashboardRoutes.get('/dashboard/commissions', requireSession('page'), async (c) => {
  pageHeaders(c)
  const db = c.env.DB
  const { results: programs } = await db
    .prepare('SELECT id, name FROM programs ORDER BY created_at')
    .all<{ id: string; name: string }>()
  const program = programs.find((p) => p.id === c.req.query('program')) ?? programs[0]
  if (!program) return c.redirect('/dashboard', 303)
  const mode: Mode = c.req.query('mode') === 'test' ? 'test' : 'live'
  const q = c.req.query()
  const { results: affiliates } = await db
    .prepare('SELECT id, code, name FROM affiliates WHERE program_id = ? ORDER BY name COLLATE NOCASE')
    .bind(program.id)
    .all<{ id: string; code: string; name: string }>()
  return c.html(
    <CommissionsPage
      csrf={c.get('csrf')}
      programs={programs}
      programId={program.id}
      mode={mode}
      affiliates={affiliates}
      filters={{
        // The status list is checked by the API (a refused one is shown, naming the field).
        status: q.status === undefined ? 'pending,on_hold' : q.status.slice(0, 128),
        affiliate: affiliates.some((a) => a.id === q.affiliate) ? (q.affiliate ?? '') : '',
        from: DATE.test(q.from ?? '') ? (q.from ?? '') : '',
        to: DATE.test(q.to ?? '') ? (q.to ?? '') : '',
      }}
    />,
  )
})

/** The commissions matching the filters (newest first, at most REVIEW_LIMIT), and how many are due. */
commissionDashboardRoutes.get(API, async (c) => {
  const { programId, mode } = await scope(c)
  const q = c.req.query()
  const [commissions, due] = await Promise.all([
    listCommissions(
      c.env.DB,
      programId,
      mode,
      {
        status: q.status || undefined,
        affiliate: q.affiliate || undefined,
        from: q.from || undefined,
        to: q.to || undefined,
        limit: String(REVIEW_LIMIT),
      },
      {}, // the session sees every affiliate
    ),
    countDue(c.env.DB, programId, mode, Date.now()),
  ])
  return c.json({ commissions, limit: REVIEW_LIMIT, due })
})

commissionDashboardRoutes.get(`${API}/:id`, async (c) => {
  const { programId, mode } = await scope(c)
  return c.json({ commission: await getCommission(c.env.DB, programId, mode, c.req.param('id')) })
})

commissionDashboardRoutes.post(`${API}/approve-due`, async (c) => {
  const { programId, mode } = await scope(c)
  // Due ones only: approving before the hold ends is a decision per commission.
  return c.json(await approveDue(c.env, programId, mode, false))
})

for (const action of ['approve', 'reject'] as const) {
  commissionDashboardRoutes.post(`${API}/${action}`, async (c) => {
    const { programId, mode } = await scope(c)
    const body = await parseBody(c, commissionIdsInput)
    return c.json({ results: await changeMany(c.env, programId, mode, body.ids, action, body.reason) })
  })
}
