/**
 * The dashboard's settings page: `GET /dashboard/settings?program=` shows it, `POST` saves the
 * form (session cookie; CSRF token and same origin, as every dashboard mutation) through the
 * same validation and update as `PATCH /v1/program`, and re-renders it with a refused field named.
 */
import { type Context, Hono } from 'hono'
import { pendingApplications } from '../join/applications'
import { publicOrigin } from '../lib/env'
import { ApiError } from '../lib/errors'
import { requireCsrf, requireSession, type SessionEnv } from '../lib/session'
import { parseWith } from '../lib/validate'
import { pageHeaders } from '../pages/layout'
import type { Program } from '../shared'
import { stripeSettings } from '../stripe/routes'
import { endpointJson, listEndpoints } from '../webhooks/data'
import type { WebhookEndpoint } from '../webhooks/events'
import { readProgram, updateProgram } from './data'
import { programPatch } from './input'
import { formFieldOf, formFromProgram, patchFromForm } from './settings-form'
import { SettingsPage } from './settings-page'

export const settingsDashboardRoutes = new Hono<SessionEnv>()

settingsDashboardRoutes.use('/dashboard/settings', requireSession('page'), requireCsrf)
settingsDashboardRoutes.use('/dashboard/settings/*', requireSession('page'), requireCsrf)

/** Banners after an integration change (the change redirects back with `?done=`). */
const NOTICES: Record<string, string> = {
  stripe_connected: 'Stripe is connected: its signing secret is stored.',
  stripe_disconnected: 'Stripe is disconnected: its events are refused until a secret is stored again.',
  endpoint_deleted: 'The webhook endpoint is deleted, with its delivery log.',
}

export async function chosenProgram(c: Context<SessionEnv>) {
  const { results: programs } = await c.env.DB.prepare(
    'SELECT id, name FROM programs ORDER BY created_at',
  ).all<{
    id: string
    name: string
  }>()
  const chosen = programs.find((p) => p.id === c.req.query('program')) ?? programs[0]
  const program = chosen ? await readProgram(c.env.DB, chosen.id) : null
  return { programs, program }
}

/** What the integrations' forms add to a render: their values, errors and one-time answers. */
export interface IntegrationState {
  values?: Record<string, string>
  errors?: Record<string, string>
  createdEndpoint?: WebhookEndpoint | null
  notice?: string | null
}

export async function renderSettings(
  c: Context<SessionEnv>,
  programs: Array<{ id: string; name: string }>,
  program: Program,
  values: Record<string, string>,
  errors: Record<string, string>,
  saved: boolean,
  integrations: IntegrationState = {},
) {
  pageHeaders(c)
  const [stripe, endpoints, pending] = await Promise.all([
    stripeSettings(c.env, c.req.url, program.id),
    listEndpoints(c.env.DB, program.id, 'live'),
    pendingApplications(c.env.DB, program.id),
  ])
  const slugUrl = program.slug ? `${publicOrigin(c.env, c.req.url)}/join/${program.slug}` : null
  const integrationErrors = integrations.errors ?? {}
  const failed = Object.keys(errors).length > 0 || Object.keys(integrationErrors).length > 0
  return c.html(
    <SettingsPage
      csrf={c.get('csrf')}
      programs={programs}
      programId={program.id}
      values={values}
      errors={errors}
      saved={saved}
      slugUrl={slugUrl}
      pending={pending}
      integrations={{
        csrf: c.get('csrf'),
        programId: program.id,
        stripe,
        endpoints: endpoints.map((e) => endpointJson(e)),
        createdEndpoint: integrations.createdEndpoint ?? null,
        values: integrations.values ?? {},
        errors: integrationErrors,
        notice: integrations.notice ?? null,
      }}
    />,
    failed ? 400 : 200,
  )
}

settingsDashboardRoutes.get('/dashboard/settings', async (c) => {
  const { programs, program } = await chosenProgram(c)
  if (!program) return c.redirect('/dashboard', 303)
  return renderSettings(c, programs, program, formFromProgram(program), {}, c.req.query('saved') === '1', {
    notice: NOTICES[c.req.query('done') ?? ''] ?? null,
  })
})

settingsDashboardRoutes.post('/dashboard/settings', async (c) => {
  const { programs, program } = await chosenProgram(c)
  if (!program) throw new ApiError('not_found', 'Unknown program', 'program')
  const raw = await c.req.parseBody()
  const form: Record<string, string> = {}
  for (const [k, v] of Object.entries(raw)) if (typeof v === 'string') form[k] = v
  const values = { ...formFromProgram(program), ...form }
  // Unticked checkboxes are absent from a form post.
  values.join_enabled = form.join_enabled === 'on' ? 'on' : ''
  values.join_auto_approve = form.join_auto_approve === 'on' ? 'on' : ''
  try {
    const patch = parseWith(programPatch, patchFromForm(form, program))
    await updateProgram(c.env, program.id, patch)
  } catch (err) {
    if (!(err instanceof ApiError) || err.status >= 500) throw err
    return renderSettings(c, programs, program, values, { [formFieldOf(err.field)]: err.message }, false)
  }
  return c.redirect(`/dashboard/settings?program=${encodeURIComponent(program.id)}&saved=1`, 303)
})
