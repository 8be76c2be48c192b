/**
 * The Settings page's integrations, as plain forms (no script): Stripe (store or remove the
 * endpoint's signing secrets; the URL and events to paste into Stripe; connection state and last
 * event) and outgoing webhook endpoints (list, add with the secret shown once, delete after a
 * confirmation step, and a link to each endpoint's delivery log).
 */
import type { StripeIntegrationView } from '../stripe/routes'
import { WEBHOOK_EVENT_TYPES, type WebhookEndpoint } from '../webhooks/events'

export interface IntegrationsProps {
  csrf: string
  programId: string
  stripe: StripeIntegrationView
  endpoints: WebhookEndpoint[]
  /** Just created: its secret, shown in this answer only. */
  createdEndpoint: WebhookEndpoint | null
  values: Record<string, string>
  errors: Record<string, string>
  notice: string | null
}

function FieldError({ name, errors }: { name: string; errors: Record<string, string> }) {
  const error = errors[name]
  return error ? (
    <p id={`e-${name}`} class="error" role="alert" data-field={name}>
      {error}
    </p>
  ) : null
}

function described(name: string, errors: Record<string, string>) {
  return errors[name] ? { 'aria-invalid': 'true', 'aria-describedby': `e-${name}` } : {}
}

/** A restricted key's field: never shown back; empty keeps the stored one (docs/reconciliation.md). */
function RestrictedKeyField(p: {
  name: 'restricted_key' | 'test_restricted_key'
  label: string
  stored: { set: boolean; last4: string } | null
  errors: Record<string, string>
}) {
  const field = `stripe_${p.name}`
  return (
    <div class="field">
      <label for={`f-${field}`}>{p.label}</label>
      <input
        id={`f-${field}`}
        name={p.name}
        type="password"
        autocomplete="off"
        value=""
        {...described(field, p.errors)}
      />
      <small class="muted">
        {p.stored?.set
          ? `Stored, ending in ${p.stored.last4}; leave empty to keep it.`
          : 'Lets the Health page compare Refline with Stripe: read access to invoices and charges.'}
      </small>
      <FieldError name={field} errors={p.errors} />
    </div>
  )
}

export function StripePanel(p: IntegrationsProps) {
  const q = `?program=${encodeURIComponent(p.programId)}`
  const s = p.stripe
  return (
    <section class="panel" id="stripe" aria-labelledby="stripe-title">
      <h2 id="stripe-title">Integrations: Stripe</h2>
      <p id="stripe-state">
        <strong>{s.connected ? 'Connected' : 'Not connected'}</strong>
        {s.connected ? ` · last event ${s.last_event_at ?? 'none yet'}` : ''}
        {s.connected && s.test_mode_secret ? ' · test-mode secret stored' : ''}
      </p>
      {s.last_delivery_error ? (
        <p class="error">
          The last delivery ({s.last_delivery_at}) was refused: {s.last_delivery_error}
        </p>
      ) : null}
      <ol class="steps">
        <li>
          In Stripe, Developers → Webhooks → Add endpoint, paste this URL:
          <div class="link-row">
            <label class="link-label" for="stripe-url">
              Endpoint URL
            </label>
            <input id="stripe-url" class="link-url" readonly value={s.webhook_url} />
            <button type="button" class="copy" data-copy="stripe-url">
              Copy
            </button>
          </div>
        </li>
        <li>
          Select these events:
          <ul class="codes" id="stripe-events">
            {s.events.map((e) => (
              <li>
                <code>{e}</code>
              </li>
            ))}
          </ul>
        </li>
        <li>Reveal the endpoint's signing secret and store it here.</li>
      </ol>
      <form method="post" action={`/dashboard/settings/stripe${q}`} class="settings" novalidate>
        <input type="hidden" name="_csrf" value={p.csrf} />
        <div class="field">
          <label for="f-stripe_webhook_secret">Signing secret (whsec_…)</label>
          <input
            id="f-stripe_webhook_secret"
            name="webhook_secret"
            type="password"
            autocomplete="off"
            value={p.values.stripe_webhook_secret ?? ''}
            {...described('stripe_webhook_secret', p.errors)}
          />
          <FieldError name="stripe_webhook_secret" errors={p.errors} />
        </div>
        <div class="field">
          <label for="f-stripe_test_webhook_secret">Test-mode signing secret (optional)</label>
          <input
            id="f-stripe_test_webhook_secret"
            name="test_webhook_secret"
            type="password"
            autocomplete="off"
            value={p.values.stripe_test_webhook_secret ?? ''}
            {...described('stripe_test_webhook_secret', p.errors)}
          />
          <small class="muted">
            For events with livemode false; without it they are checked with the secret above.
          </small>
          <FieldError name="stripe_test_webhook_secret" errors={p.errors} />
        </div>
        <RestrictedKeyField
          name="restricted_key"
          label="Restricted read-only key for reconciliation (rk_live_…, optional)"
          stored={s.restricted_key}
          errors={p.errors}
        />
        <RestrictedKeyField
          name="test_restricted_key"
          label="Test-mode restricted key (rk_test_…, optional)"
          stored={s.test_restricted_key}
          errors={p.errors}
        />
        <button type="submit" class="primary">
          {s.connected ? 'Replace the secrets' : 'Connect Stripe'}
        </button>
      </form>
      {s.connected ? (
        <details class="confirm-step">
          <summary>Disconnect Stripe…</summary>
          <form method="post" action={`/dashboard/settings/stripe/disconnect${q}`}>
            <input type="hidden" name="_csrf" value={p.csrf} />
            <p>Stripe's events will be refused (400) until a secret is stored again.</p>
            <button type="submit" class="danger">
              Yes, disconnect
            </button>
          </form>
        </details>
      ) : null}
    </section>
  )
}

export function WebhooksPanel(p: IntegrationsProps) {
  const q = `?program=${encodeURIComponent(p.programId)}`
  const created = p.createdEndpoint
  return (
    <section class="panel" id="webhooks" aria-labelledby="webhooks-title">
      <h2 id="webhooks-title">Webhooks</h2>
      <p class="scope">Live data · signed with the Standard Webhooks scheme (see the webhooks guide)</p>
      {created?.secret ? (
        <div class="banner warn" role="alert" id="endpoint-secret">
          <p>Endpoint added. Its signing secret is shown once and cannot be shown again: copy it now.</p>
          <div class="link-row">
            <label class="link-label" for="new-endpoint-secret">
              Signing secret
            </label>
            <input id="new-endpoint-secret" class="link-url" readonly value={created.secret} />
            <button type="button" class="copy" data-copy="new-endpoint-secret">
              Copy
            </button>
          </div>
        </div>
      ) : null}
      {p.endpoints.length ? (
        <section class="table-wrap" tabindex={0} aria-label="Webhook endpoints list">
          <table class="data" id="endpoints" aria-label="Webhook endpoints">
            <thead>
              <tr>
                <th scope="col">URL</th>
                <th scope="col">Events</th>
                <th scope="col">Status</th>
                <th scope="col">
                  <span class="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {p.endpoints.map((e) => (
                <tr data-endpoint={e.id}>
                  <td class="wrap-cell">{e.url}</td>
                  <td class="wrap-cell">{e.events.length ? e.events.join(', ') : 'every event'}</td>
                  <td>
                    {e.status}
                    {e.disabled_reason ? <span class="muted reason">{e.disabled_reason}</span> : null}
                  </td>
                  <td class="actions">
                    <a href={`/dashboard/settings/webhooks/${encodeURIComponent(e.id)}${q}`}>Deliveries</a>
                    <details class="confirm-step">
                      <summary>Delete…</summary>
                      <form
                        method="post"
                        action={`/dashboard/settings/webhooks/${encodeURIComponent(e.id)}/delete${q}`}
                      >
                        <input type="hidden" name="_csrf" value={p.csrf} />
                        <button type="submit" class="danger" aria-label={`Yes, delete ${e.url}`}>
                          Yes, delete
                        </button>
                      </form>
                    </details>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ) : (
        <p class="muted">No endpoints yet.</p>
      )}
      <form
        method="post"
        action={`/dashboard/settings/webhooks${q}`}
        class="settings"
        id="new-endpoint"
        novalidate
      >
        <input type="hidden" name="_csrf" value={p.csrf} />
        <h3>Add an endpoint</h3>
        <div class="field">
          <label for="f-endpoint_url">URL</label>
          <input
            id="f-endpoint_url"
            name="url"
            type="url"
            placeholder="https://example.com/webhooks/refline"
            value={p.values.endpoint_url ?? ''}
            {...described('endpoint_url', p.errors)}
          />
          <FieldError name="endpoint_url" errors={p.errors} />
        </div>
        <fieldset
          class="field event-types"
          aria-describedby={p.errors.endpoint_events ? 'e-endpoint_events' : undefined}
        >
          <legend>Events (none ticked = every event)</legend>
          {WEBHOOK_EVENT_TYPES.map((t) => (
            <label class="checkbox">
              <input
                type="checkbox"
                name="events"
                value={t}
                checked={(p.values.endpoint_events ?? '').split(',').includes(t)}
              />{' '}
              {t}
            </label>
          ))}
          <FieldError name="endpoint_events" errors={p.errors} />
        </fieldset>
        <button type="submit" class="primary">
          Add endpoint
        </button>
      </form>
    </section>
  )
}
