/**
 * The dashboard's journey view (session cookie), reading through the same function as
 * `GET /v1/customers/:id/journey`: `/dashboard/customers/:id?program&mode`. Linked from every
 * conversion and commission the dashboard lists; a commission links to
 * `/dashboard/journey?program&mode&earned_on=<conversion or signup id>`, which finds its customer.
 */
import { and, eq } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/d1'
import { Hono } from 'hono'
import { conversions, signups } from '../db/schema'
import { pendingApplications } from '../join/applications'
import { ApiError } from '../lib/errors'
import { requireSession, type SessionEnv } from '../lib/session'
import { pageHeaders } from '../pages/layout'
import { programNames } from '../program/data'
import { journeyHref } from './href'
import { JourneyPage } from './page'
import { customerIdParam, customerJourney } from './routes'

export const journeyDashboardRoutes = new Hono<SessionEnv>()

journeyDashboardRoutes.get('/dashboard/customers/:id', requireSession('page'), async (c) => {
  const programs = await programNames(c.env.DB)
  const program = programs.find((p) => p.id === c.req.query('program'))
  if (!program) return c.redirect('/dashboard', 303)
  const mode = c.req.query('mode') === 'test' ? 'test' : 'live'
  const id = customerIdParam(c.req.param('id'))
  const [journey, pending] = await Promise.all([
    customerJourney(c.env, program.id, mode, id),
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

journeyDashboardRoutes.get('/dashboard/journey', requireSession('page'), async (c) => {
  const programId = c.req.query('program') ?? ''
  const mode = c.req.query('mode') === 'test' ? 'test' : 'live'
  const earnedOn = c.req.query('earned_on') ?? ''
  const d = drizzle(c.env.DB)
  const [conversion] = await d
    .select({ customerId: conversions.customerId })
    .from(conversions)
    .where(
      and(eq(conversions.id, earnedOn), eq(conversions.programId, programId), eq(conversions.mode, mode)),
    )
    .limit(1)
  const [signup] = conversion
    ? [undefined]
    : await d
        .select({ customerId: signups.customerId })
        .from(signups)
        .where(and(eq(signups.id, earnedOn), eq(signups.programId, programId), eq(signups.mode, mode)))
        .limit(1)
  const customerId = conversion?.customerId ?? signup?.customerId
  if (!customerId)
    throw new ApiError('not_found', 'No customer for that commission in this mode', 'earned_on')
  return c.redirect(journeyHref(programId, mode, customerId), 303)
})
