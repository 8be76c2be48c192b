/**
 * The dashboard's journey view (session cookie), reading through the same function as
 * `GET /v1/customers/:id/journey`: `/dashboard/customers/:id?program&mode`. Linked from every
 * conversion and commission the dashboard lists.
 */
import { Hono } from 'hono'
import { pendingApplications } from '../join/applications'
import { requireSession, type SessionEnv } from '../lib/session'
import { pageHeaders } from '../pages/layout'
import { JourneyPage } from './page'
import { customerIdParam, customerJourney } from './routes'

export const journeyDashboardRoutes = new Hono<SessionEnv>()

journeyDashboardRoutes.get('/dashboard/customers/:id', requireSession('page'), async (c) => {
  const { results: programs } = await c.env.DB.prepare(
    'SELECT id, name FROM programs ORDER BY created_at',
  ).all<{
    id: string
    name: string
  }>()
  const program = programs.find((p) => p.id === c.req.query('program'))
  if (!program) return c.redirect('/dashboard', 303)
  const mode = c.req.query('mode') === 'test' ? 'test' : 'live'
  const id = customerIdParam(c.req.param('id'))
  const [journey, pending] = await Promise.all([
    customerJourney(c.env.DB, program.id, mode, id),
    pendingApplications(c.env.DB, program.id),
  ])
  pageHeaders(c)
  return c.html(
    <JourneyPage
      programs={programs}
      programId={program.id}
      mode={mode}
      pending={pending}
      journey={journey}
    />,
  )
})
