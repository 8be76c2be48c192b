/**
 * The dashboard's Applications page and its approve/reject actions (session cookie; CSRF token
 * and same origin on every post), deciding through the same code as the API.
 */
import { and, eq } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/d1'
import { type Context, Hono } from 'hono'
import { affiliates } from '../db/schema'
import { publicOrigin } from '../lib/env'
import { ApiError } from '../lib/errors'
import { requireCsrf, requireSession, type SessionEnv } from '../lib/session'
import { pageHeaders } from '../pages/layout'
import { readProgram } from '../program/data'
import { decideApplication, listApplications } from './applications'
import { ApplicationsPage } from './applications-page'

export const applicationDashboardRoutes = new Hono<SessionEnv>()

applicationDashboardRoutes.use('/dashboard/applications', requireSession('page'), requireCsrf)
applicationDashboardRoutes.use('/dashboard/applications/*', requireSession('page'), requireCsrf)

async function page(c: Context<SessionEnv>, approved: { name: string; portal_url: string | null } | null) {
  const { results: programs } = await c.env.DB.prepare(
    'SELECT id, name FROM programs ORDER BY created_at',
  ).all<{
    id: string
    name: string
  }>()
  const chosen = programs.find((p) => p.id === c.req.query('program')) ?? programs[0]
  if (!chosen) return c.redirect('/dashboard', 303)
  const program = await readProgram(c.env.DB, chosen.id)
  const joinUrl =
    program?.join.enabled && program.slug ? `${publicOrigin(c.env, c.req.url)}/join/${program.slug}` : null
  pageHeaders(c)
  return c.html(
    <ApplicationsPage
      csrf={c.get('csrf')}
      programs={programs}
      programId={chosen.id}
      applications={await listApplications(c.env.DB, chosen.id, 'live')}
      joinUrl={joinUrl}
      approved={approved}
    />,
  )
}

applicationDashboardRoutes.get('/dashboard/applications', (c) => page(c, null))

applicationDashboardRoutes.post('/dashboard/applications/:id/:action{approve|reject}', async (c) => {
  const programId = c.req.query('program') ?? ''
  const row = await drizzle(c.env.DB)
    .select()
    .from(affiliates)
    .where(and(eq(affiliates.id, c.req.param('id')), eq(affiliates.programId, programId)))
    .get()
  if (!row) throw new ApiError('not_found', 'No such application', 'id')
  const action = c.req.param('action') === 'approve' ? 'approve' : 'reject'
  const affiliate = await decideApplication(c, row, action)
  // Approval answers with the page itself: its portal link exists only in this answer.
  if (action === 'approve') return page(c, { name: affiliate.name, portal_url: affiliate.portal_url })
  return c.redirect(`/dashboard/applications?program=${encodeURIComponent(programId)}`, 303)
})
