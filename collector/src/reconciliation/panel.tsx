/**
 * The Health page's "Reconciliation with Stripe" section: the last 30 days' three lists of
 * `GET /v1/reconciliation` for the page's mode, each customer linked to their journey view; or,
 * with no restricted key stored for that mode, one sentence saying how to turn it on. The result is
 * kept for a few minutes (panel-data.ts): the panel says when Stripe was asked and has a
 * "Check now" button that asks again.
 */
import { journeyHref } from '../journey/href'
import { formatAgo, formatCount, formatMoney } from '../pages/format'
import type { AffiliateRef, Mode } from '../shared'
import { PANEL_TTL_MS, type ReconciliationPanelData } from './panel-data'

export interface ReconciliationPanelProps {
  data: ReconciliationPanelData
  csrf: string
  programId: string
  mode: Mode
  now: number
}

function Customer(p: { id: string | null; programId: string; mode: Mode }) {
  return p.id ? <a href={journeyHref(p.programId, p.mode, p.id)}>{p.id}</a> : <span class="muted">none</span>
}

const code = (a: AffiliateRef | null) => a?.code ?? '—'

function When({ at, now }: { at: string; now: number }) {
  return <time datetime={at}>{formatAgo(at, now)}</time>
}

/** "Checked 3 min ago (14:05 UTC) · kept for 5 minutes [Check now]". */
function Checked(p: { at: string; now: number; csrf: string; programId: string; mode: Mode }) {
  const action = `/dashboard/health/reconcile?program=${encodeURIComponent(p.programId)}&mode=${p.mode}`
  const utc = `${new Date(p.at).toISOString().slice(11, 16)} UTC`
  return (
    <div class="muted" id="reconciliation-at">
      Checked{' '}
      <time datetime={p.at} title={utc}>
        {formatAgo(p.at, p.now)}
      </time>{' '}
      ({utc}) · kept for {Math.round(PANEL_TTL_MS / 60_000)} minutes
      <form method="post" action={action} class="inline-form" id="reconciliation-refresh">
        <input type="hidden" name="_csrf" value={p.csrf} />
        <button type="submit">Check now</button>
      </form>
    </div>
  )
}

export function ReconciliationPanel(p: ReconciliationPanelProps) {
  const d = p.data
  const keyField = p.mode === 'live' ? 'restricted_key' : 'test_restricted_key'
  return (
    <section class="panel" aria-labelledby="reconciliation-h" id="reconciliation">
      <h2 id="reconciliation-h">Reconciliation with Stripe</h2>
      {d.state === 'off' ? (
        <p class="muted" id="reconciliation-off">
          To compare Stripe’s paid invoices and refunds with what Refline recorded, store a read-only
          restricted key of Stripe as <code>{keyField}</code> with <code>PUT /v1/integrations/stripe</code>{' '}
          (docs/reconciliation.md explains how to create one).
        </p>
      ) : (
        <>
          <Checked at={d.checkedAt} now={p.now} csrf={p.csrf} programId={p.programId} mode={p.mode} />
          {d.state === 'error' ? (
            <p class="banner error" role="alert" id="reconciliation-error">
              Stripe could not be compared: {d.message}
            </p>
          ) : (
            <ReconciliationLists {...p} reconciliation={d.reconciliation} />
          )}
        </>
      )}
    </section>
  )
}

function ReconciliationLists(
  p: ReconciliationPanelProps & {
    reconciliation: Extract<ReconciliationPanelData, { state: 'ok' }>['reconciliation']
  },
) {
  const r = p.reconciliation
  const customer = (id: string | null) => <Customer id={id} programId={p.programId} mode={p.mode} />
  return (
    <>
      <p class="muted" id="reconciliation-checked">
        Last 30 days: {formatCount(r.checked.invoices)} paid invoices in Stripe and{' '}
        {formatCount(r.checked.conversions)} conversions recorded under an invoice checked.
        {r.truncated ? ' Only part of the range was checked: there was more than the limits allow.' : ''}
      </p>

      <h3 id="paid-without-conversion-h">Paid in Stripe, no conversion recorded</h3>
      {r.paid_without_conversion.length ? (
        <section class="table-wrap scroll" tabindex={0} aria-labelledby="paid-without-conversion-h">
          <table class="data" id="paid-without-conversion">
            <thead>
              <tr>
                <th scope="col">Customer</th>
                <th scope="col">Affiliate</th>
                <th scope="col">Invoice</th>
                <th scope="col">Amount</th>
                <th scope="col">Paid</th>
              </tr>
            </thead>
            <tbody>
              {r.paid_without_conversion.map((x) => (
                <tr>
                  <td>{customer(x.customer_id)}</td>
                  <td>{code(x.affiliate)}</td>
                  <td>{x.invoice_id}</td>
                  <td>{formatMoney(x.amount, x.currency)}</td>
                  <td>
                    <When at={x.paid_at} now={p.now} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ) : (
        <p class="muted" id="paid-without-conversion-empty">
          Every paid invoice of a referred customer has its conversion.
        </p>
      )}

      <h3 id="conversions-without-payment-h">Conversions Stripe has no payment for</h3>
      {r.conversions_without_payment.length ? (
        <section class="table-wrap scroll" tabindex={0} aria-labelledby="conversions-without-payment-h">
          <table class="data" id="conversions-without-payment">
            <thead>
              <tr>
                <th scope="col">Customer</th>
                <th scope="col">Affiliate</th>
                <th scope="col">Invoice</th>
                <th scope="col">Amount</th>
                <th scope="col">In Stripe</th>
                <th scope="col">Recorded</th>
              </tr>
            </thead>
            <tbody>
              {r.conversions_without_payment.map((x) => (
                <tr>
                  <td>{customer(x.customer_id)}</td>
                  <td>{code(x.affiliate)}</td>
                  <td>{x.invoice_id}</td>
                  <td>{formatMoney(x.amount, x.currency)}</td>
                  <td>{x.stripe_status ?? 'no such invoice'}</td>
                  <td>
                    <When at={x.occurred_at} now={p.now} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ) : (
        <p class="muted" id="conversions-without-payment-empty">
          Every conversion recorded under an invoice is paid in Stripe.
        </p>
      )}

      <h3 id="refunds-after-payout-h">Refunds after the commission was paid out</h3>
      {r.refunds_after_payout.length ? (
        <section class="table-wrap scroll" tabindex={0} aria-labelledby="refunds-after-payout-h">
          <table class="data" id="refunds-after-payout">
            <thead>
              <tr>
                <th scope="col">Customer</th>
                <th scope="col">Affiliate</th>
                <th scope="col">Refunded</th>
                <th scope="col">Clawed back</th>
                <th scope="col">Payment</th>
                <th scope="col">When</th>
              </tr>
            </thead>
            <tbody>
              {r.refunds_after_payout.map((x) => (
                <tr>
                  <td>{customer(x.customer_id)}</td>
                  <td>{code(x.affiliate)}</td>
                  <td>{formatMoney(x.amount, x.currency)}</td>
                  <td>{formatMoney(x.clawback.amount, x.clawback.currency)}</td>
                  <td>{x.stripe.charge_id ?? x.conversion_event_id}</td>
                  <td>
                    <When at={x.refunded_at} now={p.now} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ) : (
        <p class="muted" id="refunds-after-payout-empty">
          No refund came after its commission was paid out.
        </p>
      )}
    </>
  )
}
