/**
 * The dashboard's payouts page and its JSON endpoints (session cookie; CSRF token and same
 * origin on every mutation), scoped by `?program&mode`. They call the same service as the API.
 */
import { type Context, Hono } from 'hono'
import { csvHeaders } from '../domain/csv'
import { pendingApplications } from '../join/applications'
import { ApiError } from '../lib/errors'
import { requireCsrf, requireSession, type SessionEnv } from '../lib/session'
import { pageHeaders } from '../pages/layout'
import { PayoutsPage } from '../pages/payouts'
import type { Mode } from '../shared'
import {
  createPayout,
  exportFile,
  getPayout,
  markPayoutPaid,
  optionalJson,
  payoutList,
  paypalFile,
} from './service'

export const payoutDashboardRoutes = new Hono<SessionEnv>()

payoutDashboardRoutes.use('/dashboard/api/payouts', requireSession('api'), requireCsrf)
payoutDashboardRoutes.use('/dashboard/api/payouts/*', requireSession('api'), requireCsrf)

async function scope(c: Context<SessionEnv>): Promise<{ programId: string; mode: Mode }> {
  const programId = c.req.query('program') ?? ''
  const mode = c.req.query('mode') ?? 'live'
  if (mode !== 'live' && mode !== 'test')
    throw new ApiError('invalid_request', 'mode must be live or test', 'mode')
  const exists = await c.env.DB.prepare('SELECT 1 FROM programs WHERE id = ?').bind(programId).first()
  if (!exists) throw new ApiError('not_found', 'Unknown program', 'program')
  return { programId, mode }
}

payoutDashboardRoutes.get('/dashboard/payouts', requireSession('page'), async (c) => {
  pageHeaders(c)
  const { results: programs } = await c.env.DB.prepare(
    'SELECT id, name FROM programs ORDER BY created_at',
  ).all<{
    id: string
    name: string
  }>()
  const program = programs.find((p) => p.id === c.req.query('program')) ?? programs[0]
  if (!program) return c.redirect('/dashboard', 303)
  return c.html(
    <PayoutsPage
      csrf={c.get('csrf')}
      programs={programs}
      programId={program.id}
      mode={c.req.query('mode') === 'test' ? 'test' : 'live'}
      pending={await pendingApplications(c.env.DB, program.id)}
      today={new Date().toISOString().slice(0, 10)}
    />,
  )
})

payoutDashboardRoutes.get('/dashboard/api/payouts', async (c) => {
  const { programId, mode } = await scope(c)
  return c.json({ payouts: await payoutList(c.env.DB, programId, mode, '50') })
})

payoutDashboardRoutes.post('/dashboard/api/payouts', async (c) => {
  const { programId, mode } = await scope(c)
  const { status, payout } = await createPayout(c.env, programId, mode, await optionalJson(c))
  return c.json({ payout }, status)
})

payoutDashboardRoutes.post('/dashboard/api/payouts/:id/paid', async (c) => {
  const { programId, mode } = await scope(c)
  return c.json({ payout: await markPayoutPaid(c.env, programId, mode, c.req.param('id')) })
})

payoutDashboardRoutes.get('/dashboard/api/payouts/:id/paypal.csv', async (c) => {
  const { programId, mode } = await scope(c)
  const file = paypalFile(
    await getPayout(c.env.DB, programId, mode, c.req.param('id')),
    c.req.query('currency'),
  )
  return c.body(file.body, 200, csvHeaders(file.name))
})

payoutDashboardRoutes.get('/dashboard/api/payouts/:id/export.csv', async (c) => {
  const { programId, mode } = await scope(c)
  const file = exportFile(await getPayout(c.env.DB, programId, mode, c.req.param('id')))
  return c.body(file.body, 200, csvHeaders(file.name))
})
