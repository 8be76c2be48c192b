/**
 * One webhook endpoint's delivery log, `/dashboard/settings/webhooks/:id`: the newest 50
 * deliveries with their status, attempts and last answer, and a Resend button on each delivered
 * or failed one (it goes back to the outbox with the same id and body).
 */
import { Layout, Logo } from '../pages/layout'
import { DashboardNav } from '../pages/nav'
import type { WebhookDelivery, WebhookEndpoint } from '../webhooks/events'

export interface DeliveriesPageProps {
  csrf: string
  programId: string
  programName: string
  pending: number
  endpoint: WebhookEndpoint
  deliveries: WebhookDelivery[]
  notice: string | null
  error: string | null
}

export function DeliveriesPage(p: DeliveriesPageProps) {
  const q = `?program=${encodeURIComponent(p.programId)}`
  const base = `/dashboard/settings/webhooks/${encodeURIComponent(p.endpoint.id)}`
  return (
    <Layout title={`Webhook deliveries · ${p.programName}`} script="copy">
      <header class="topbar">
        <Logo />
        <span class="topbar-title">
          {p.programName} <span class="muted">webhook deliveries</span>
        </span>
        <DashboardNav programId={p.programId} current="settings" pending={p.pending} />
      </header>
      <main class="wrap">
        <p>
          <a href={`/dashboard/settings${q}#webhooks`}>← Settings</a>
        </p>
        {p.notice ? (
          <p class="banner" role="status" id="notice">
            {p.notice}
          </p>
        ) : null}
        {p.error ? (
          <p class="error" role="alert">
            {p.error}
          </p>
        ) : null}
        <section class="panel" aria-labelledby="endpoint-title">
          <h1 id="endpoint-title" class="wrap-cell">
            {p.endpoint.url}
          </h1>
          <p class="scope">
            {p.endpoint.events.length ? p.endpoint.events.join(', ') : 'every event'} · {p.endpoint.status}
            {p.endpoint.disabled_reason ? ` (${p.endpoint.disabled_reason})` : ''} · newest 50 deliveries
          </p>
          {p.deliveries.length ? (
            <section class="table-wrap" tabindex={0} aria-label="Deliveries list">
              <table class="data" id="deliveries" aria-label="Deliveries">
                <thead>
                  <tr>
                    <th scope="col">Event</th>
                    <th scope="col">Status</th>
                    <th scope="col" class="num">
                      Attempts
                    </th>
                    <th scope="col">Last answer</th>
                    <th scope="col">Created</th>
                    <th scope="col">
                      <span class="sr-only">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {p.deliveries.map((d) => (
                    <tr data-delivery={d.id}>
                      <th scope="row">
                        <span class="aff-name">{d.type}</span>
                        <span class="aff-code">{d.event_id}</span>
                      </th>
                      <td>
                        <span
                          class={`pill pill-${d.status === 'delivered' ? 'approved' : d.status === 'failed' ? 'rejected' : 'pending'}`}
                        >
                          {d.status}
                        </span>
                      </td>
                      <td class="num">{d.attempts}</td>
                      <td>{d.response_code ?? d.last_error ?? '—'}</td>
                      <td>{d.created_at.replace('T', ' ').slice(0, 19)}</td>
                      <td class="actions">
                        {d.status === 'pending' ? (
                          <span class="muted">
                            {d.next_attempt_at ? `retry ${d.next_attempt_at.slice(11, 19)}` : 'queued'}
                          </span>
                        ) : (
                          <form
                            method="post"
                            action={`${base}/deliveries/${encodeURIComponent(d.id)}/resend${q}`}
                          >
                            <input type="hidden" name="_csrf" value={p.csrf} />
                            <button type="submit" aria-label={`Resend ${d.type} ${d.event_id}`}>
                              Resend
                            </button>
                          </form>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </section>
          ) : (
            <p class="muted">
              No deliveries yet: they appear with the first event this endpoint subscribes to.
            </p>
          )}
        </section>
      </main>
    </Layout>
  )
}
