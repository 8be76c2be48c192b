/**
 * The dashboard's journey view, `/dashboard/customers/:id?program&mode`: one customer's story as
 * `GET /v1/customers/:id/journey` answers it — every click, the attribution decision and why,
 * the signup, each conversion and refund, each commission with its status history and flags. It
 * answers "why did or didn't this affiliate get paid?". Server-rendered, no script. Founders only.
 */
import { formatMoney } from '../pages/format'
import { Layout, Logo } from '../pages/layout'
import { DashboardNav } from '../pages/nav'
import type { Mode } from '../shared'
import type { Journey, JourneyAttribution } from './journey'

export interface JourneyPageProps {
  programs: Array<{ id: string; name: string }>
  programId: string
  mode: Mode
  pending?: number
  journey: Journey
}

function when(iso: string): string {
  return iso.replace('T', ' ').slice(0, 16)
}

function who(a: { code: string; name: string } | null): string {
  return a ? `${a.name} (${a.code})` : 'nobody'
}

function Decision({ a }: { a: JourneyAttribution }) {
  return (
    <>
      <strong>{who(a.affiliate)}</strong> — {a.via.replaceAll('_', ' ')}: {a.reason}
    </>
  )
}

export function JourneyPage(p: JourneyPageProps) {
  const j = p.journey
  const program = p.programs.find((x) => x.id === p.programId)
  const commissionsOf = (ids: string[]) => j.commissions.filter((c) => ids.includes(c.id))
  return (
    <Layout title={`Customer ${j.customer_id} · ${program?.name ?? 'Refline'}`}>
      <header class="topbar">
        <Logo />
        <span class="topbar-title">
          {program?.name} <span class="muted">customer journey</span>
        </span>
        <DashboardNav
          programId={p.programId}
          current="journey"
          mode={p.mode}
          {...(p.pending === undefined ? {} : { pending: p.pending })}
        />
      </header>
      <main class="wrap" id="journey" data-customer={j.customer_id} data-mode={p.mode}>
        <h1>Customer {j.customer_id}</h1>
        <p class="scope">
          {p.mode === 'test' ? 'Test data' : 'Live data'} · every click and event of this customer (at most
          100 clicks) · {j.churned_at ? `churned ${when(j.churned_at)}` : 'active'}
        </p>
        <section class="panel" aria-labelledby="attribution-h">
          <h2 id="attribution-h">Who gets credited, and why</h2>
          <p id="decision">
            {j.attribution ? <Decision a={j.attribution} /> : 'No event of this customer yet.'}
          </p>
        </section>

        <section class="panel" aria-labelledby="clicks-h">
          <h2 id="clicks-h">Clicks</h2>
          {j.clicks.length ? (
            <section class="table-wrap scroll" tabindex={0} aria-label="Clicks">
              <table class="data" id="journey-clicks">
                <thead>
                  <tr>
                    <th scope="col">When (UTC)</th>
                    <th scope="col">Affiliate</th>
                    <th scope="col">Landing page</th>
                    <th scope="col">Sub-id</th>
                    <th scope="col">Country</th>
                    <th scope="col">Via</th>
                    <th scope="col">Credited</th>
                  </tr>
                </thead>
                <tbody>
                  {j.clicks.map((c) => (
                    <tr data-click={c.click_id} data-credited={c.credited ? 'yes' : 'no'}>
                      <td>{when(c.at)}</td>
                      <td>{c.affiliate ? who(c.affiliate) : `${c.ref} (no such affiliate)`}</td>
                      <td>{c.landing_path ?? '(not given)'}</td>
                      <td>{c.sub ?? '(none)'}</td>
                      <td>{c.country ?? '(unknown)'}</td>
                      <td>{c.source === 'link' ? 'redirect link' : 'script'}</td>
                      <td>{c.credited ? 'yes' : 'no'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </section>
          ) : (
            <p class="muted">
              No click of this customer is stored (no click id reached Refline, or it was past the retention
              window).
            </p>
          )}
        </section>

        <section class="panel" aria-labelledby="events-h">
          <h2 id="events-h">Signup, conversions and refunds</h2>
          <ol class="timeline" id="journey-events">
            {j.signup ? (
              <li>
                {when(j.signup.at)} · signup ({j.signup.event_id}) → <Decision a={j.signup.attribution} />
              </li>
            ) : null}
            {j.conversions.map((c) => (
              <li data-conversion={c.id}>
                {when(c.at)} · conversion {c.event_id} of {formatMoney(c.amount, c.currency)}
                {c.refunded_amount ? `, ${formatMoney(c.refunded_amount, c.currency)} refunded` : ''} →{' '}
                <Decision a={c.attribution} />
                {commissionsOf(c.commission_ids).length ? null : ' No commission.'}
              </li>
            ))}
            {j.refunds.map((r) => (
              <li>
                {when(r.at)} · refund {r.event_id}: commission changed by {r.commission_delta}
              </li>
            ))}
            {!j.signup && !j.conversions.length ? <li>No signup or conversion yet.</li> : null}
          </ol>
        </section>

        <section class="panel" aria-labelledby="commissions-h">
          <h2 id="commissions-h">Commissions</h2>
          {j.commissions.length ? (
            j.commissions.map((c) => (
              <article class="commission" data-commission={c.id} data-status={c.status}>
                <h3>
                  {formatMoney(c.amount, c.currency)} to {who(c.affiliate)} ·{' '}
                  <span class={`pill pill-${c.status}`}>{c.status.replace('_', ' ')}</span>
                </h3>
                <p class="muted">
                  {c.kind} commission
                  {c.original_amount !== c.amount
                    ? `, ${formatMoney(c.original_amount, c.currency)} before refunds`
                    : ''}
                  {c.clawed_back ? `, ${formatMoney(c.clawed_back, c.currency)} clawed back` : ''}
                  {c.payout_id ? `, in payout ${c.payout_id}` : ''} · due {when(c.due_at)}
                  {c.reason ? ` · reason: ${c.reason}` : ''}
                </p>
                <ol class="history" aria-label="Status history">
                  {c.history.map((h) => (
                    <li>
                      {when(h.at)} · {h.type.replaceAll('_', ' ')} → {h.status.replace('_', ' ')} ({h.actor})
                      {h.reason ? `: ${h.reason}` : ''}
                    </li>
                  ))}
                </ol>
              </article>
            ))
          ) : (
            <p class="muted">No commission: nothing of this customer was credited to an affiliate.</p>
          )}
        </section>
      </main>
    </Layout>
  )
}
