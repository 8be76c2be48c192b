/**
 * The dashboard's Health page, `/dashboard/health`: is tracking working, and what has gone wrong.
 * Tracking health (the last click and the origins the script runs on, attributed and bot shares,
 * blocked clicks, webhook and Stripe delivery state, the hub's queue), reconciliation with Stripe
 * (reconciliation/panel.tsx), the program's alerts with their messages, and — on the test-data
 * view — the button that deletes all test data, behind a confirmation. Server-rendered, no script:
 * reload for fresh figures (the overview's live feed shows each alert the moment it is raised),
 * except reconciliation's, which is kept for a few minutes and has its own Check now
 * (reconciliation/panel-data.ts). Founders only, like everything it shows.
 */

import type { TrackingHealthView } from '../alerts/routes'
import type { Alert } from '../alerts/types'
import { formatAgo, formatCount } from '../pages/format'
import { Layout, Logo } from '../pages/layout'
import { DashboardNav } from '../pages/nav'
import { ReconciliationPanel } from '../reconciliation/panel'
import type { ReconciliationPanelData } from '../reconciliation/panel-data'
import type { Mode } from '../shared'

export interface HealthPageProps {
  csrf: string
  programs: Array<{ id: string; name: string }>
  programId: string
  mode: Mode
  pending?: number
  health: TrackingHealthView
  alerts: Alert[]
  /** Reconciliation with Stripe over the last 30 days, as kept; left out, the section is not shown. */
  reconciliation?: ReconciliationPanelData
  /** After a purge: how many records went, per table. */
  purged: Record<string, number> | null
  /** The purge form was sent without its confirmation box ticked. */
  confirmMissing: boolean
  now: number
}

const href = (programId: string, mode: Mode) =>
  `/dashboard/health?program=${encodeURIComponent(programId)}&mode=${mode}`

function percent(share: number | null): string {
  return share === null ? 'no data yet' : `${Math.round(share * 1000) / 10} %`
}

function Figure({ label, value, id }: { label: string; value: string; id: string }) {
  return (
    <div class="stat">
      <span class="stat-label">{label}</span>
      <output class="stat-value" id={id}>
        {value}
      </output>
    </div>
  )
}

export function HealthPage(p: HealthPageProps) {
  const program = p.programs.find((x) => x.id === p.programId)
  const h = p.health
  const seen = h.clicks.counted + h.clicks.not_counted
  const purgeTotal = p.purged ? Object.values(p.purged).reduce((a, n) => a + n, 0) : 0
  return (
    <Layout title={`Health · ${program?.name ?? 'Refline'}`} csrf={p.csrf}>
      <header class="topbar">
        <Logo />
        <span class="topbar-title">
          {program?.name} <span class="muted">health</span>
        </span>
        <DashboardNav
          programId={p.programId}
          current="health"
          mode={p.mode}
          {...(p.pending === undefined ? {} : { pending: p.pending })}
        />
        <nav class="seg" aria-label="Data mode">
          <a href={href(p.programId, 'live')} aria-current={p.mode === 'live' ? 'page' : undefined}>
            Live
          </a>
          <a href={href(p.programId, 'test')} aria-current={p.mode === 'test' ? 'page' : undefined}>
            Test data
          </a>
        </nav>
      </header>
      <main class="wrap" id="health-page" data-program={p.programId} data-mode={p.mode}>
        <p class="scope">
          {program?.name} · {p.mode === 'test' ? 'test' : 'live'} data · every affiliate · shares over the
          last {h.window_days} days (clicks of the last few minutes join them when their batch reaches D1);
          the last click, origins and alerts are not limited to that window
        </p>
        {p.purged ? (
          <p class="banner" role="status" id="purged">
            Test data deleted: {formatCount(purgeTotal)} records.
          </p>
        ) : null}

        <section class="panel" aria-labelledby="tracking-h">
          <h2 id="tracking-h">Tracking</h2>
          <section class="counters" aria-label="Tracking health">
            <Figure id="last-click" label="Last click" value={formatAgo(h.last_click_at, p.now)} />
            <Figure id="attributed-share" label="Conversions credited" value={percent(h.attributed_share)} />
            <Figure id="bot-share" label="Clicks not counted (bots, prefetch)" value={percent(h.bot_share)} />
            <Figure
              id="blocked"
              label="Clicks from blocked addresses"
              value={formatCount(h.clicks.blocked)}
            />
          </section>
          <p class="muted">
            {formatCount(h.conversions.attributed)} of {formatCount(h.conversions.total)} conversions credited
            to an affiliate; {formatCount(h.clicks.counted)} of {formatCount(seen)} clicks counted.
          </p>
          <h3>Where the script runs</h3>
          {h.origins.length ? (
            <section
              class="table-wrap scroll"
              tabindex={0}
              aria-label="Origins the script reported clicks from"
            >
              <table class="data" id="origins">
                <thead>
                  <tr>
                    <th scope="col">Origin</th>
                    <th scope="col">Clicks</th>
                    <th scope="col">Last click</th>
                  </tr>
                </thead>
                <tbody>
                  {h.origins.map((o) => (
                    <tr>
                      <td>{o.origin}</td>
                      <td>{formatCount(o.clicks)}</td>
                      <td>{formatAgo(o.last_click_at, p.now)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </section>
          ) : (
            <p class="muted" id="origins-empty">
              No click has arrived yet: install the script (Programs page) or share a referral link.
            </p>
          )}
        </section>

        <section class="panel" aria-labelledby="deliveries-h">
          <h2 id="deliveries-h">Deliveries</h2>
          <ul class="plain" id="deliveries">
            <li>
              Webhook endpoints: {formatCount(h.webhooks.endpoints)}
              {h.webhooks.disabled ? `, ${formatCount(h.webhooks.disabled)} disabled` : ''}; deliveries
              waiting {formatCount(h.webhooks.pending)}, failed {formatCount(h.webhooks.failed)}
            </li>
            <li>
              Stripe:{' '}
              {h.stripe.connected
                ? `connected, last event ${formatAgo(h.stripe.last_event_at, p.now)}${
                    h.stripe.last_error ? `; last refusal: ${h.stripe.last_error}` : ''
                  }`
                : 'not connected (Settings)'}
            </li>
            <li>
              Clicks waiting to be written: {formatCount(h.hub.outbox)}
              {h.hub.dead_letters
                ? `; set aside (kept in the counts): ${formatCount(h.hub.dead_letters)}`
                : ''}
            </li>
          </ul>
        </section>

        {p.reconciliation ? (
          <ReconciliationPanel
            data={p.reconciliation}
            csrf={p.csrf}
            programId={p.programId}
            mode={p.mode}
            now={p.now}
          />
        ) : null}

        <section class="panel" aria-labelledby="alerts-h">
          <h2 id="alerts-h">Alerts</h2>
          {p.alerts.length ? (
            <section class="table-wrap scroll" tabindex={0} aria-label="Alerts, newest first">
              <table class="data" id="alerts">
                <thead>
                  <tr>
                    <th scope="col">When</th>
                    <th scope="col">Severity</th>
                    <th scope="col">Alert</th>
                    <th scope="col">Affiliate</th>
                  </tr>
                </thead>
                <tbody>
                  {p.alerts.map((a) => (
                    <tr data-type={a.type}>
                      <td>
                        <time datetime={a.created_at}>{formatAgo(a.created_at, p.now)}</time>
                      </td>
                      <td>
                        <span class={`pill pill-${a.severity}`}>{a.severity}</span>
                      </td>
                      <td>
                        <strong>{a.type.replaceAll('_', ' ')}</strong>
                        <br />
                        {a.message}
                      </td>
                      <td>{a.affiliate?.code ?? '—'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </section>
          ) : (
            <p class="muted" id="alerts-empty">
              No alert in {p.mode === 'test' ? 'test' : 'live'} data.
            </p>
          )}
        </section>

        {p.mode === 'test' ? (
          <section class="panel" aria-labelledby="purge-h">
            <h2 id="purge-h">Delete all test data</h2>
            <p>
              Deletes every click, signup, customer, conversion, refund, commission, payout and alert sent
              with test keys, in D1 and in the live counters. Live data is never touched. This cannot be
              undone.
            </p>
            <form
              method="post"
              action={`/dashboard/health/purge-test-data?program=${encodeURIComponent(p.programId)}`}
            >
              <input type="hidden" name="_csrf" value={p.csrf} />
              <label>
                <input type="checkbox" name="confirm" value="yes" required aria-describedby="purge-note" />{' '}
                Yes, delete all test data of {program?.name}
              </label>
              {p.confirmMissing ? (
                <p class="error" role="alert" id="purge-note">
                  Tick the box to confirm.
                </p>
              ) : (
                <p class="muted" id="purge-note">
                  The box must be ticked.
                </p>
              )}
              <button type="submit" class="danger">
                Delete test data
              </button>
            </form>
          </section>
        ) : null}
      </main>
    </Layout>
  )
}
