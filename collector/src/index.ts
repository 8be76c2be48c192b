/**
 * The collector Worker: assembles the API routers, the one error handler, and exports the
 * ProgramHub Durable Object and the cron handler.
 */
import { Hono } from 'hono'
import { affiliateDashboardRoutes } from './affiliates/dashboard-routes'
import { alertRoutes } from './alerts/routes'
import { commissionDashboardRoutes } from './commissions/dashboard-routes'
import { dashboardExportRoutes, exportRoutes } from './exports/routes'
import { healthDashboardRoutes } from './health/routes'
import { hubAdminRoutes } from './hub-admin/routes'
import { applicationDashboardRoutes } from './join/dashboard-routes'
import { joinRoutes } from './join/routes'
import { journeyDashboardRoutes } from './journey/dashboard-routes'
import { journeyRoutes } from './journey/routes'
import { d1Meter } from './lib/d1-meter'
import type { AppEnv, Env } from './lib/env'
import { errorResponse, onError } from './lib/errors'
import { runMaintenance } from './lib/maintenance'
import { hashLegacyPortalTokens } from './lib/portal-token'
import { openapiRoutes } from './openapi'
import { payoutRoutes } from './payouts/routes'
import { privacyRoutes } from './privacy/routes'
import { settingsDashboardRoutes } from './program/dashboard-routes'
import { integrationDashboardRoutes } from './program/integration-routes'
import { programSettingsRoutes } from './program/routes'
import { programDashboardRoutes } from './programs/dashboard-routes'
import { reconciliationRoutes } from './reconciliation/routes'
import { affiliateRoutes } from './routes/affiliates'
import { assetRoutes } from './routes/assets'
import { clickRoutes } from './routes/clicks'
import { commissionRoutes } from './routes/commissions'
import { dashboardRoutes } from './routes/dashboard'
import { dashboardApi } from './routes/dashboard-api'
import { eventRoutes } from './routes/events'
import { liveRoutes } from './routes/live'
import { portalRoutes } from './routes/portal'
import { programRoutes } from './routes/programs'
import { redirectRoutes } from './routes/redirect'
import { scriptRoutes } from './routes/script'
import { statsRoutes } from './routes/stats'
import { flushDeferredInvoices } from './stripe/apply'
import { stripeRoutes } from './stripe/routes'
import { testModeRoutes } from './test-mode/routes'
import { runWebhookMaintenance } from './webhooks/maintenance'
import { webhookRoutes } from './webhooks/routes'

export { ProgramHub } from './hub/program-hub'
export { WebhookDispatcher } from './webhooks/dispatcher'

export const app = new Hono<AppEnv>()

app.get('/healthz', (c) => c.json({ status: 'ok' }))
app.use('*', d1Meter)
app.route('/', openapiRoutes)
app.route('/', clickRoutes)
app.route('/', hubAdminRoutes)
app.route('/', programRoutes)
app.route('/', programSettingsRoutes)
app.route('/', affiliateRoutes)
app.route('/', eventRoutes)
app.route('/', stripeRoutes)
app.route('/', statsRoutes)
app.route('/', alertRoutes)
app.route('/', webhookRoutes)
app.route('/', scriptRoutes)
app.route('/', redirectRoutes)
app.route('/', commissionRoutes)
app.route('/', exportRoutes)
app.route('/', payoutRoutes)
app.route('/', testModeRoutes)
app.route('/', journeyRoutes)
app.route('/', privacyRoutes)
app.route('/', reconciliationRoutes)
app.route('/', liveRoutes)
app.route('/', dashboardRoutes)
app.route('/', commissionDashboardRoutes)
app.route('/', dashboardExportRoutes)
app.route('/', affiliateDashboardRoutes)
app.route('/', dashboardApi)
app.route('/', portalRoutes)
app.route('/', joinRoutes)
app.route('/', settingsDashboardRoutes)
app.route('/', integrationDashboardRoutes)
app.route('/', applicationDashboardRoutes)
app.route('/', healthDashboardRoutes)
app.route('/', journeyDashboardRoutes)
app.route('/', programDashboardRoutes)
app.route('/', assetRoutes)

app.notFound((c) => errorResponse(c, 'not_found', `No route for ${c.req.method} ${c.req.path}`))
app.onError(onError)

export default {
  fetch: app.fetch,
  async scheduled(_controller, env, ctx) {
    ctx.waitUntil(runMaintenance(env))
    ctx.waitUntil(hashLegacyPortalTokens(env.DB))
    ctx.waitUntil(runWebhookMaintenance(env))
    ctx.waitUntil(
      flushDeferredInvoices(env, null, Date.now(), 100).catch((err) =>
        console.error('stripe held invoices', err),
      ),
    )
  },
} satisfies ExportedHandler<Env>
