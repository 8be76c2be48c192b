/**
 * The Settings page's integration actions (session cookie; CSRF token and same origin on every
 * post, as every dashboard mutation): connect or disconnect Stripe, add or delete a webhook
 * endpoint, and an endpoint's delivery log with Resend. They run the same validation and data
 * code as `/v1/integrations/stripe` and `/v1/webhook-endpoints` (live mode: settings are live).
 */
import { type Context, Hono } from 'hono'
import { pendingApplications } from '../join/applications'
import { ApiError } from '../lib/errors'
import type { SessionEnv } from '../lib/session'
import { parseWith } from '../lib/validate'
import { dropReconciliationPanels } from '../reconciliation/panel-data'
import type { Program } from '../shared'
import { deleteIntegration, putIntegration } from '../stripe/data'
import { stripeIntegrationInput } from '../stripe/routes'
import {
  countEndpoints,
  deleteEndpoint,
  deliveryJson,
  endpointJson,
  findDelivery,
  findEndpoint,
  insertEndpoint,
  listDeliveries,
  MAX_ENDPOINTS,
  requeueDelivery,
} from '../webhooks/data'
import { kickWebhooks } from '../webhooks/enqueue'
import { allowPrivateUrls } from '../webhooks/env'
import { endpointInput } from '../webhooks/routes'
import { checkWebhookUrl } from '../webhooks/url-policy'
import { chosenProgram, renderSettings } from './dashboard-routes'
import { DeliveriesPage } from './deliveries-page'
import { formFromProgram } from './settings-form'

// Mounted after the settings routes, whose middleware already requires the session and CSRF token.
export const integrationDashboardRoutes = new Hono<SessionEnv>()

async function formOf(c: Context<SessionEnv>): Promise<Record<string, string | string[]>> {
  const raw = await c.req.parseBody({ all: true })
  const form: Record<string, string | string[]> = {}
  for (const [k, v] of Object.entries(raw)) {
    if (typeof v === 'string') form[k] = v
    else if (Array.isArray(v)) form[k] = v.filter((x): x is string => typeof x === 'string')
  }
  return form
}

const text = (v: string | string[] | undefined) => (typeof v === 'string' ? v.trim() : '')

async function program(c: Context<SessionEnv>) {
  const { programs, program } = await chosenProgram(c)
  if (!program) throw new ApiError('not_found', 'Unknown program', 'program')
  return { programs, program }
}

const back = (c: Context<SessionEnv>, p: Program, done: string, hash: string) =>
  c.redirect(`/dashboard/settings?program=${encodeURIComponent(p.id)}&done=${done}#${hash}`, 303)

integrationDashboardRoutes.post('/dashboard/settings/stripe', async (c) => {
  const { programs, program: p } = await program(c)
  const form = await formOf(c)
  const values = {
    stripe_webhook_secret: text(form.webhook_secret),
    stripe_test_webhook_secret: text(form.test_webhook_secret),
  }
  try {
    const body = parseWith(stripeIntegrationInput, {
      webhook_secret: values.stripe_webhook_secret,
      ...(values.stripe_test_webhook_secret
        ? { test_webhook_secret: values.stripe_test_webhook_secret }
        : {}),
      // Left empty, a stored restricted key is kept.
      ...(text(form.restricted_key) ? { restricted_key: text(form.restricted_key) } : {}),
      ...(text(form.test_restricted_key) ? { test_restricted_key: text(form.test_restricted_key) } : {}),
    })
    await putIntegration(c.env.DB, p.id, body)
    dropReconciliationPanels(p.id)
  } catch (err) {
    if (!(err instanceof ApiError) || err.status >= 500) throw err
    const field =
      err.field === 'test_webhook_secret' ||
      err.field === 'restricted_key' ||
      err.field === 'test_restricted_key'
        ? `stripe_${err.field}`
        : 'stripe_webhook_secret'
    // A refused secret is never echoed back into the page.
    return renderSettings(c, programs, p, formFromProgram(p), {}, false, {
      errors: { [field]: err.message },
    })
  }
  return back(c, p, 'stripe_connected', 'stripe')
})

integrationDashboardRoutes.post('/dashboard/settings/stripe/disconnect', async (c) => {
  const { program: p } = await program(c)
  await deleteIntegration(c.env.DB, p.id)
  dropReconciliationPanels(p.id)
  return back(c, p, 'stripe_disconnected', 'stripe')
})

integrationDashboardRoutes.post('/dashboard/settings/webhooks', async (c) => {
  const { programs, program: p } = await program(c)
  const form = await formOf(c)
  const events = Array.isArray(form.events) ? form.events : form.events ? [form.events] : []
  const values = { endpoint_url: text(form.url), endpoint_events: events.join(',') }
  const refuse = (field: 'endpoint_url' | 'endpoint_events', message: string) =>
    renderSettings(c, programs, p, formFromProgram(p), {}, false, { values, errors: { [field]: message } })
  const parsed = endpointInput.safeParse({ url: values.endpoint_url, events })
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    const field = issue?.path[0] === 'events' ? 'endpoint_events' : 'endpoint_url'
    return refuse(
      field,
      field === 'endpoint_url' && !values.endpoint_url
        ? 'Enter the endpoint URL'
        : (issue?.message ?? 'Invalid'),
    )
  }
  const verdict = checkWebhookUrl(parsed.data.url, allowPrivateUrls(c.env))
  if (!verdict.ok) return refuse('endpoint_url', verdict.reason)
  if ((await countEndpoints(c.env.DB, p.id, 'live')) >= MAX_ENDPOINTS) {
    return refuse('endpoint_url', `A program has at most ${MAX_ENDPOINTS} endpoints`)
  }
  const row = await insertEndpoint(c.env.DB, p.id, 'live', verdict.url, parsed.data.events ?? [])
  // The secret exists in this answer only: the page is the answer, not a redirect.
  return renderSettings(c, programs, p, formFromProgram(p), {}, false, {
    createdEndpoint: endpointJson(row, true),
  })
})

async function endpointOf(c: Context<SessionEnv>, programId: string) {
  const row = await findEndpoint(c.env.DB, programId, 'live', c.req.param('id') ?? '')
  if (!row) throw new ApiError('not_found', 'No webhook endpoint with that id', 'id')
  return row
}

integrationDashboardRoutes.post('/dashboard/settings/webhooks/:id/delete', async (c) => {
  const { program: p } = await program(c)
  const row = await endpointOf(c, p.id)
  await deleteEndpoint(c.env.DB, row.id)
  return back(c, p, 'endpoint_deleted', 'webhooks')
})

async function deliveriesPage(c: Context<SessionEnv>, notice: string | null, error: string | null) {
  const { program: p } = await program(c)
  const row = await endpointOf(c, p.id)
  const [deliveries, pending] = await Promise.all([
    listDeliveries(c.env.DB, row.id, { limit: 50 }),
    pendingApplications(c.env.DB, p.id),
  ])
  return c.html(
    <DeliveriesPage
      csrf={c.get('csrf')}
      programId={p.id}
      programName={p.name}
      pending={pending}
      endpoint={endpointJson(row)}
      deliveries={deliveries.map(deliveryJson)}
      notice={notice}
      error={error}
    />,
    error ? 409 : 200,
  )
}

integrationDashboardRoutes.get('/dashboard/settings/webhooks/:id', (c) =>
  deliveriesPage(c, c.req.query('resent') ? 'Queued again: it is sent within seconds.' : null, null),
)

integrationDashboardRoutes.post(
  '/dashboard/settings/webhooks/:id/deliveries/:delivery_id/resend',
  async (c) => {
    const { program: p } = await program(c)
    const endpoint = await endpointOf(c, p.id)
    if (endpoint.status !== 'enabled') {
      return deliveriesPage(
        c,
        null,
        'The endpoint is disabled: enable it (PATCH /v1/webhook-endpoints) to resend.',
      )
    }
    const delivery = await findDelivery(c.env.DB, endpoint.id, c.req.param('delivery_id'))
    if (!delivery)
      throw new ApiError('not_found', 'No delivery with that id for this endpoint', 'delivery_id')
    if (delivery.status === 'pending')
      return deliveriesPage(c, null, 'That delivery is still pending: it will be retried.')
    await requeueDelivery(c.env.DB, delivery, Date.now())
    await kickWebhooks(c.env, endpoint.programId)
    return c.redirect(
      `/dashboard/settings/webhooks/${encodeURIComponent(endpoint.id)}?program=${encodeURIComponent(p.id)}&resent=1`,
      303,
    )
  },
)
