/**
 * The dashboard's Health page, its test-data purge and its reconciliation "Check now" (session
 * cookie; CSRF token and same origin on the posts), reading through the same functions as
 * `GET /v1/health` and `GET /v1/alerts` and purging through the same hub operation as
 * `DELETE /v1/test-data`. The reconciliation panel is the kept one (reconciliation/panel-data.ts).
 */
import { type Context, Hono } from 'hono'
import { alertList, trackingHealthView } from '../alerts/routes'
import { pendingApplications } from '../join/applications'
import { requireCsrf, requireSession, type SessionEnv } from '../lib/session'
import { pageHeaders } from '../pages/layout'
import { programNames } from '../program/data'
import { reconciliationPanel } from '../reconciliation/panel-data'
import type { Mode } from '../shared'
import { purgeTestData } from '../test-mode/routes'
import { HealthPage } from './page'

export const healthDashboardRoutes = new Hono<SessionEnv>()

healthDashboardRoutes.use('/dashboard/health', requireSession('page'), requireCsrf)
healthDashboardRoutes.use('/dashboard/health/*', requireSession('page'), requireCsrf)

async function page(
  c: Context<SessionEnv>,
  mode: Mode,
  extra: { purged: Record<string, number> | null; confirmMissing: boolean },
) {
  const programs = await programNames(c.env.DB)
  const program = programs.find((p) => p.id === c.req.query('program')) ?? programs[0]
  if (!program) return c.redirect('/dashboard', 303)
  const [health, alerts, pending, reconciliation] = await Promise.all([
    trackingHealthView(c.env, program.id, mode),
    alertList(c.env, program.id, mode, { limit: 50 }),
    pendingApplications(c.env.DB, program.id),
    reconciliationPanel(c.env, program.id, mode, Date.now()),
  ])
  pageHeaders(c)
  return c.html(
    <HealthPage
      csrf={c.get('csrf')}
      programs={programs}
      programId={program.id}
      mode={mode}
      pending={pending}
      health={health}
      alerts={alerts}
      reconciliation={reconciliation}
      now={Date.now()}
      {...extra}
    />,
    extra.confirmMissing ? 400 : 200,
  )
}

const modeOf = (c: Context<SessionEnv>): Mode => (c.req.query('mode') === 'test' ? 'test' : 'live')

healthDashboardRoutes.get('/dashboard/health', (c) =>
  page(c, modeOf(c), { purged: null, confirmMissing: false }),
)

// "Check now": a post, so a reload or a link never repeats it, answered with the page's own URL
// (post, redirect, get). The kept panel decides whether Stripe is asked again (at most once per
// 30 s per program and mode); the page then shows the panel just kept.
healthDashboardRoutes.post('/dashboard/health/reconcile', async (c) => {
  const programs = await programNames(c.env.DB)
  const program = programs.find((p) => p.id === c.req.query('program'))
  if (!program) return c.redirect('/dashboard', 303)
  const mode = modeOf(c)
  await reconciliationPanel(c.env, program.id, mode, Date.now(), { checkNow: true })
  return c.redirect(
    `/dashboard/health?program=${encodeURIComponent(program.id)}&mode=${mode}#reconciliation`,
    303,
  )
})

healthDashboardRoutes.post('/dashboard/health/purge-test-data', async (c) => {
  const form = await c.req.parseBody()
  if (form.confirm !== 'yes') return page(c, 'test', { purged: null, confirmMissing: true })
  const programId = c.req.query('program') ?? ''
  const exists = await c.env.DB.prepare('SELECT 1 FROM programs WHERE id = ?').bind(programId).first()
  if (!exists) return c.redirect('/dashboard', 303)
  const { deleted } = await purgeTestData(c.env, programId)
  return page(c, 'test', { purged: deleted as unknown as Record<string, number>, confirmMissing: false })
})
