/**
 * The founder's page for one affiliate (`/dashboard/affiliates/:id`), server-rendered: their
 * links with a sub-id builder, a new portal link on demand (shown once), promotion codes,
 * commission override, signup reward and status, their figures for a date range, and their
 * latest conversions, commissions and payouts, with CSV downloads of the same lists. Every change is a plain form
 * post (CSRF token in the form), so the page works without its script; the script only adds
 * copy buttons.
 */

import type { ConversionRecord } from '../exports/service'
import { journeyHref } from '../journey/href'
import type { CommissionRecord, PortalPayout, SignupReward, StatsResult } from '../shared'
import { Counters } from './dashboard'
import { formatMoney } from './format'
import { Layout, Logo } from './layout'

export interface AffiliatePageProps {
  csrf: string
  programId: string
  programName: string
  mode: 'live' | 'test'
  affiliate: {
    id: string
    code: string
    name: string
    email: string
    status: string
    commission: string | null
    /** Their own signup reward (amount 0: none); null = the program's applies. */
    signupReward: SignupReward | null
    promoCodes: string[]
  }
  programRule: string
  /** The program's signup reward in words ("$50.00 per signup", "none"). */
  programSignupReward: string
  links: { redirect: string; referral: string | null; built: string | null; sub: string; to: string }
  range: { from: string; to: string }
  stats: StatsResult
  conversions: ConversionRecord[]
  commissions: CommissionRecord[]
  payouts: PortalPayout[]
  newPortalUrl?: string
  error?: string
  notice?: string
}

function CopyField({ id, label, value }: { id: string; label: string; value: string }) {
  return (
    <div class="link-row">
      <label class="link-label" for={id}>
        {label}
      </label>
      <textarea id={id} class="link-url" readonly rows={2}>
        {value}
      </textarea>
      <button type="button" class="copy" data-copy={id}>
        Copy
      </button>
    </div>
  )
}

const dateTime = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`

function Hidden({ p, action }: { p: AffiliatePageProps; action: string }) {
  return (
    <>
      <input type="hidden" name="_csrf" value={p.csrf} />
      <input type="hidden" name="action" value={action} />
    </>
  )
}

export function AffiliatePage(p: AffiliatePageProps) {
  const a = p.affiliate
  const q = `program=${encodeURIComponent(p.programId)}&mode=${p.mode}`
  const self = `/dashboard/affiliates/${encodeURIComponent(a.id)}?${q}`
  const override = a.commission
    ? (JSON.parse(a.commission) as { type: string; percent?: number; amount?: number })
    : null
  const rangeQ = `&from=${p.range.from}&to=${p.range.to}`
  return (
    <Layout title={`${a.name} · ${p.programName} · Refline`} script="affiliate">
      <header class="topbar">
        <Logo />
        <a class="back" href={`/dashboard?${q}`}>
          ← {p.programName}
        </a>
        <span class="mode-label">{p.mode === 'test' ? 'Test data' : 'Live data'}</span>
      </header>
      <main class="wrap">
        <h1 class="greeting">
          {a.name} <span class="muted">({a.code})</span>{' '}
          <span class={`pill pill-${a.status}`}>{a.status}</span>
        </h1>
        {p.error ? (
          <p class="banner error" role="alert">
            {p.error}
          </p>
        ) : null}
        {p.notice ? (
          <p class="banner" role="status">
            {p.notice}
          </p>
        ) : null}
        <section class="panel links" aria-labelledby="links-title">
          <h2 id="links-title">Links</h2>
          <CopyField id="link-redirect" label="Redirect link" value={p.links.redirect} />
          {p.links.referral ? (
            <CopyField id="link-referral" label="Referral link" value={p.links.referral} />
          ) : null}
          <form method="get" action={`/dashboard/affiliates/${encodeURIComponent(a.id)}`} class="inline-form">
            <input type="hidden" name="program" value={p.programId} />
            <input type="hidden" name="mode" value={p.mode} />
            <label>
              Sub-id <input name="sub" value={p.links.sub} maxlength={128} placeholder="newsletter-dec" />
            </label>
            <label>
              Page <input name="page" value={p.links.to} maxlength={512} placeholder="/pricing" />
            </label>
            <button type="submit">Build link</button>
          </form>
          {p.links.built ? <CopyField id="link-built" label="Built link" value={p.links.built} /> : null}
        </section>

        <section class="panel" aria-labelledby="portal-title">
          <h2 id="portal-title">Portal link</h2>
          {p.newPortalUrl ? (
            <>
              <p class="banner warn">
                Shown once: copy it now and send it to {a.name}. The old link no longer works.
              </p>
              <CopyField id="portal-url" label="New portal link" value={p.newPortalUrl} />
            </>
          ) : (
            <p class="muted">
              Portal links are stored hashed, so the current one cannot be shown again. A new one replaces it.
            </p>
          )}
          {p.mode === 'live' || a.status === 'active' ? (
            <form method="post" action={self}>
              <Hidden p={p} action="portal-link" />
              <button type="submit">New portal link</button>
            </form>
          ) : null}
        </section>

        <section class="panel" aria-labelledby="settings-title">
          <h2 id="settings-title">Settings</h2>
          <form method="post" action={self} class="inline-form">
            <Hidden p={p} action="promo-codes" />
            <label>
              Promotion codes{' '}
              <input
                name="promo_codes"
                value={a.promoCodes.join(' ')}
                maxlength={500}
                placeholder="JANE20 JANE-BF"
              />
            </label>
            <button type="submit">Save codes</button>
          </form>
          <form method="post" action={self} class="inline-form">
            <Hidden p={p} action="commission" />
            <label>
              Commission{' '}
              <select name="type">
                <option value="" selected={!override}>
                  Program rule ({p.programRule})
                </option>
                <option value="percent" selected={override?.type === 'percent'}>
                  Percent of each payment
                </option>
                <option value="flat" selected={override?.type === 'flat'}>
                  Flat per payment (minor units)
                </option>
              </select>
            </label>
            <label>
              Value{' '}
              <input
                name="value"
                inputmode="decimal"
                value={
                  override ? String(override.type === 'percent' ? override.percent : override.amount) : ''
                }
              />
            </label>
            <button type="submit">Save commission</button>
          </form>
          <form method="post" action={self} class="inline-form" aria-label="Signup reward">
            <Hidden p={p} action="signup-reward" />
            <label>
              Signup reward{' '}
              <select name="reward">
                <option value="" selected={!a.signupReward}>
                  Program's ({p.programSignupReward})
                </option>
                <option value="own" selected={!!a.signupReward && a.signupReward.amount > 0}>
                  Their own (minor units)
                </option>
                <option value="none" selected={a.signupReward?.amount === 0}>
                  No signup reward for them
                </option>
              </select>
            </label>
            <label>
              Amount{' '}
              <input
                name="amount"
                inputmode="numeric"
                value={a.signupReward && a.signupReward.amount > 0 ? String(a.signupReward.amount) : ''}
              />
            </label>
            <label>
              Within hours of the click <span class="muted">(optional)</span>{' '}
              <input
                name="within_hours"
                inputmode="numeric"
                value={a.signupReward?.within_hours ? String(a.signupReward.within_hours) : ''}
              />
            </label>
            <button type="submit">Save signup reward</button>
          </form>
          {a.status === 'active' || a.status === 'disabled' ? (
            <form method="post" action={self}>
              <Hidden p={p} action={a.status === 'active' ? 'disable' : 'enable'} />
              <button type="submit" class={a.status === 'active' ? 'danger' : ''}>
                {a.status === 'active' ? 'Disable affiliate' : 'Re-enable affiliate'}
              </button>{' '}
              <span class="muted">
                {a.status === 'active'
                  ? 'A disabled affiliate earns nothing new; their links and portal stop.'
                  : 'Disabled: their links and portal are off.'}
              </span>
            </form>
          ) : null}
        </section>

        <section class="panel" aria-labelledby="stats-title">
          <h2 id="stats-title">Figures</h2>
          <form method="get" action={`/dashboard/affiliates/${encodeURIComponent(a.id)}`} class="inline-form">
            <input type="hidden" name="program" value={p.programId} />
            <input type="hidden" name="mode" value={p.mode} />
            <label>
              From <input type="date" name="from" value={p.range.from} />
            </label>
            <label>
              To <input type="date" name="to" value={p.range.to} />
            </label>
            <button type="submit">Apply</button>
          </form>
          <Counters
            totals={p.stats.totals}
            label={`${a.name}, ${p.range.from} to ${p.range.to}`}
            attr="range"
          />
        </section>

        <section class="panel" aria-labelledby="conv-title">
          <h2 id="conv-title">Conversions</h2>
          <p class="muted">
            The latest 50 from {p.range.from} to {p.range.to}.{' '}
            <a
              href={`/dashboard/api/exports/conversions.csv?${q}&affiliate=${encodeURIComponent(a.id)}${rangeQ}`}
            >
              Download CSV
            </a>
          </p>
          {p.conversions.length ? (
            <div class="table-wrap scroll">
              <table class="data" id="aff-conversions">
                <thead>
                  <tr>
                    <th scope="col">When</th>
                    <th scope="col">Customer</th>
                    <th scope="col" class="num">
                      Amount
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {p.conversions.map((c) => (
                    <tr>
                      <td>{dateTime(c.occurred_at)}</td>
                      <td>
                        {c.customer_id ? (
                          <a href={journeyHref(p.programId, p.mode, c.customer_id)}>{c.customer_id}</a>
                        ) : (
                          'no customer id'
                        )}
                      </td>
                      <td class="num">
                        {formatMoney(c.amount, c.currency)}
                        {c.refunded_amount ? ` (refunded ${formatMoney(c.refunded_amount, c.currency)})` : ''}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : (
            <p class="empty">No conversions in this range yet.</p>
          )}
        </section>

        <section class="panel" aria-labelledby="comm-title">
          <h2 id="comm-title">Commissions</h2>
          <p class="muted">
            The latest 50, all dates.{' '}
            <a href={`/dashboard/api/exports/commissions.csv?${q}&affiliate=${encodeURIComponent(a.id)}`}>
              Download CSV
            </a>
          </p>
          {p.commissions.length ? (
            <div class="table-wrap scroll">
              <table class="data" id="aff-commissions">
                <thead>
                  <tr>
                    <th scope="col">Created</th>
                    <th scope="col">Status</th>
                    <th scope="col" class="num">
                      Amount
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {p.commissions.map((c) => (
                    <tr>
                      <td>{dateTime(c.created_at)}</td>
                      <td>
                        <span class={`pill pill-${c.status}`}>{c.status.replace('_', ' ')}</span>
                        {c.reason ? <span class="note muted">{c.reason}</span> : null}
                      </td>
                      <td class="num">{formatMoney(c.amount, c.currency)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : (
            <p class="empty">No commissions yet.</p>
          )}
        </section>

        <section class="panel" aria-labelledby="payouts-title">
          <h2 id="payouts-title">Payouts</h2>
          {p.payouts.length ? (
            <ul id="aff-payouts">
              {p.payouts.map((po) => (
                <li>
                  {formatMoney(po.amount, po.currency)} · {po.status}
                  {po.paid_at ? ` on ${po.paid_at.slice(0, 10)}` : ''} · period to{' '}
                  {po.period_end.slice(0, 10)}
                </li>
              ))}
            </ul>
          ) : (
            <p class="empty">No payouts yet.</p>
          )}
          <p>
            <a href={`/dashboard/payouts?${q}`}>All payouts</a>
          </p>
        </section>
      </main>
    </Layout>
  )
}
