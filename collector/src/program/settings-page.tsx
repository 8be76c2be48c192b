/**
 * The founder's settings page, `/dashboard/settings`: every program setting in groups, as one
 * server-rendered form (it works without JavaScript; the CSP holds as it is), with a refused
 * field's message next to it, plus the integrations (integrations-panels.tsx): Stripe and webhooks.
 */

import { Layout, Logo } from '../pages/layout'
import { DashboardNav } from '../pages/nav'
import { type IntegrationsProps, StripePanel, WebhooksPanel } from './integrations-panels'
import { thresholdField } from './settings-form'

export interface SettingsPageProps {
  csrf: string
  programs: Array<{ id: string; name: string }>
  programId: string
  values: Record<string, string>
  errors: Record<string, string>
  saved: boolean
  slugUrl: string | null
  /** Applications waiting for a decision, beside Applications in the navigation. */
  pending: number
  integrations: IntegrationsProps
}

function Field(p: {
  name: string
  label: string
  values: Record<string, string>
  errors: Record<string, string>
  type?: string
  hint?: string
  placeholder?: string
}) {
  const error = p.errors[p.name]
  return (
    <div class="field">
      <label for={`f-${p.name}`}>{p.label}</label>
      <input
        id={`f-${p.name}`}
        name={p.name}
        type={p.type ?? 'text'}
        value={p.values[p.name] ?? ''}
        placeholder={p.placeholder}
        aria-invalid={error ? 'true' : undefined}
        aria-describedby={error ? `e-${p.name}` : undefined}
      />
      {p.hint ? <small class="muted">{p.hint}</small> : null}
      {error ? (
        <p id={`e-${p.name}`} class="error" role="alert" data-field={p.name}>
          {error}
        </p>
      ) : null}
    </div>
  )
}

function Select(p: {
  name: string
  label: string
  options: Array<[string, string]>
  values: Record<string, string>
  errors: Record<string, string>
}) {
  const error = p.errors[p.name]
  return (
    <div class="field">
      <label for={`f-${p.name}`}>{p.label}</label>
      <select id={`f-${p.name}`} name={p.name} aria-invalid={error ? 'true' : undefined}>
        {p.options.map(([value, text]) => (
          <option value={value} selected={p.values[p.name] === value}>
            {text}
          </option>
        ))}
      </select>
      {error ? (
        <p id={`e-${p.name}`} class="error" role="alert" data-field={p.name}>
          {error}
        </p>
      ) : null}
    </div>
  )
}

function Check(p: {
  name: string
  label: string
  values: Record<string, string>
  errors: Record<string, string>
}) {
  const error = p.errors[p.name]
  return (
    <div class="field">
      <label class="checkbox" for={`f-${p.name}`}>
        <input
          id={`f-${p.name}`}
          name={p.name}
          type="checkbox"
          value="on"
          checked={p.values[p.name] === 'on'}
        />{' '}
        {p.label}
      </label>
      {error ? (
        <p id={`e-${p.name}`} class="error" role="alert" data-field={p.name}>
          {error}
        </p>
      ) : null}
    </div>
  )
}

export function SettingsPage(p: SettingsPageProps) {
  const program = p.programs.find((x) => x.id === p.programId)
  const q = `?program=${encodeURIComponent(p.programId)}`
  const f = { values: p.values, errors: p.errors }
  return (
    <Layout title={`Settings · ${program?.name ?? 'Refline'}`} script="copy">
      <header class="topbar">
        <Logo />
        <span class="topbar-title">
          {program?.name} <span class="muted">settings</span>
        </span>
        <DashboardNav programId={p.programId} current="settings" pending={p.pending} />
      </header>
      <main class="wrap">
        <p class="banner">Changes apply to new events only: commissions already made keep their amounts.</p>
        {p.integrations.notice ? (
          <p class="banner" role="status" id="notice">
            {p.integrations.notice}
          </p>
        ) : null}
        {p.saved ? (
          <p class="banner" role="status" id="saved">
            Settings saved.
          </p>
        ) : null}
        {p.errors._form ? (
          <p class="error" role="alert" data-field="_form">
            {p.errors._form}
          </p>
        ) : null}
        <form method="post" action={`/dashboard/settings${q}`} class="settings" novalidate>
          <input type="hidden" name="_csrf" value={p.csrf} />
          <section class="panel">
            <h2>Commission</h2>
            <Select
              name="commission_type"
              label="Rule"
              options={[
                ['percent', 'Percent of the amount'],
                ['flat', 'Flat amount per conversion'],
              ]}
              {...f}
            />
            <Field name="commission_percent" label="Percent" hint="0–100, up to two decimals" {...f} />
            <Field
              name="commission_amount"
              label="Flat amount (minor units, in the program currency)"
              {...f}
            />
            <Field
              name="recurring_months"
              label="Recurring months"
              hint="0 = first conversion only; empty = forever"
              {...f}
            />
            <Field name="hold_days" label="Hold days before approval" {...f} />
            <Field name="bonus_amount" label="Bonus (minor units; empty = none)" {...f} />
            <Field
              name="bonus_within_hours"
              label="…when the conversion lands within hours of the click"
              {...f}
            />
          </section>
          <section class="panel">
            <h2>Tracking</h2>
            <Field name="name" label="Program name" {...f} />
            <Field name="currency" label="Currency (ISO 4217)" {...f} />
            <Field name="cookie_days" label="Cookie window (days, up to 400)" {...f} />
            <Select
              name="attribution"
              label="Attribution"
              options={[
                ['last_click', 'Last click'],
                ['first_click', 'First click'],
              ]}
              {...f}
            />
            <Field name="landing_url" label="Landing URL (where /go/ links send visitors)" {...f} />
            <div class="field">
              <label for="f-allowed_origins">Allowed origins (one per line)</label>
              <textarea id="f-allowed_origins" name="allowed_origins" rows={3}>
                {p.values.allowed_origins ?? ''}
              </textarea>
              {p.errors.allowed_origins ? (
                <p class="error" role="alert" data-field="allowed_origins">
                  {p.errors.allowed_origins}
                </p>
              ) : null}
            </div>
          </section>
          <section class="panel">
            <h2>Payouts</h2>
            <Field
              name="min_payout"
              label="Minimum payout (minor units, program currency; empty = none)"
              {...f}
            />
          </section>
          <section class="panel">
            <h2>Join page</h2>
            <Field
              name="slug"
              label="Address (slug)"
              hint="lower-case letters, digits and -; the page is /join/<slug>"
              {...f}
            />
            {p.slugUrl ? (
              <p class="muted">
                Join page: <a href={p.slugUrl}>{p.slugUrl}</a>
              </p>
            ) : null}
            <Check name="join_enabled" label="Open the join page" {...f} />
            <Check name="join_auto_approve" label="Approve applications automatically" {...f} />
            <Field name="join_terms_url" label="Partner terms URL" {...f} />
          </section>
          <section class="panel">
            <h2>Fraud</h2>
            <Select
              name="paid_traffic"
              label="Paid ads (gclid, fbclid, msclkid, ttclid)"
              options={[
                ['allowed', 'Allowed'],
                ['forbidden', 'Forbidden: hold their commissions'],
              ]}
              {...f}
            />
            <Field name="fraud_max_clicks" label="Click flood: more than this many clicks…" {...f} />
            <Field
              name="fraud_window_minutes"
              label="…from one visitor for one affiliate within minutes"
              {...f}
            />
            <div class="field">
              <label for="f-fraud_ip_blocklist">Blocked addresses and CIDR ranges (one per line)</label>
              <textarea
                id="f-fraud_ip_blocklist"
                name="fraud_ip_blocklist"
                rows={3}
                aria-invalid={p.errors.fraud_ip_blocklist ? 'true' : undefined}
                aria-describedby={p.errors.fraud_ip_blocklist ? 'e-fraud_ip_blocklist' : undefined}
              >
                {p.values.fraud_ip_blocklist ?? ''}
              </textarea>
              <small class="muted">
                Clicks from these are answered but not counted, e.g. 203.0.113.0/24.
              </small>
              {p.errors.fraud_ip_blocklist ? (
                <p id="e-fraud_ip_blocklist" class="error" role="alert" data-field="fraud_ip_blocklist">
                  {p.errors.fraud_ip_blocklist}
                </p>
              ) : null}
            </div>
            <Field
              name={thresholdField('amount_outlier', 'factor')}
              label="Alert on a conversion more than this many times the usual amount"
              {...f}
            />
            <Field
              name={thresholdField('amount_outlier', 'min_samples')}
              label="…once this many conversions are known"
              {...f}
            />
            <Field
              name={thresholdField('conversion_burst', 'max_conversions')}
              label="Alert on more than this many conversions from one affiliate…"
              {...f}
            />
            <Field
              name={thresholdField('conversion_burst', 'window_minutes')}
              label="…within minutes"
              {...f}
            />
          </section>
          <section class="panel">
            <h2>Tracking health alerts</h2>
            <p class="muted">
              What each alert means: the alerts guide. Alerts appear on the Health page and in the live feed.
            </p>
            <Field
              name={thresholdField('tracking_gap', 'hours')}
              label="Alert when no click came for this many hours (0 turns it off)…"
              {...f}
            />
            <Field
              name={thresholdField('tracking_gap', 'min_clicks_7d')}
              label="…in a program with at least this many clicks in the week before"
              {...f}
            />
            <Field
              name={thresholdField('unattributed_share', 'max_share')}
              label="Alert when more than this share (0–1) of conversions is credited to nobody…"
              {...f}
            />
            <Field
              name={thresholdField('unattributed_share', 'min_conversions')}
              label="…once there are this many conversions…"
              {...f}
            />
            <Field name={thresholdField('unattributed_share', 'window_hours')} label="…within hours" {...f} />
            <Field
              name={thresholdField('refund_spike', 'min_refunds')}
              label="Alert on at least this many refunds…"
              {...f}
            />
            <Field
              name={thresholdField('refund_spike', 'max_share')}
              label="…that are more than this share (0–1) of conversions…"
              {...f}
            />
            <Field name={thresholdField('refund_spike', 'window_hours')} label="…within hours" {...f} />
            <Field
              name={thresholdField('webhook_failing', 'failures')}
              label="Alert when a webhook delivery failed this many attempts in a row"
              {...f}
            />
          </section>
          <section class="panel">
            <h2>Privacy</h2>
            <Field
              name="click_retention_days"
              label="Delete raw clicks after this many days (empty: keep them)"
              hint="30 to 3650 days. Counts and charts are kept: they come from rollups."
              {...f}
            />
          </section>
          <button type="submit" class="primary">
            Save settings
          </button>
        </form>
        <StripePanel {...p.integrations} />
        <WebhooksPanel {...p.integrations} />
      </main>
    </Layout>
  )
}
