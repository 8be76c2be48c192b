/**
 * The founder's commissions page, `/dashboard/commissions`: filters (status, affiliate, dates) in
 * the URL, the matching commissions with checkboxes to approve or reject many at once, "approve
 * everything due", and each commission's rule and status history on demand. Server-rendered
 * frames; the client script (client/commissions.ts) fills them from `/dashboard/api/commission-review`.
 */
import type { Mode } from '../shared'
import { Layout, Logo } from './layout'
import { DashboardNav } from './nav'

/** The newest this many matching commissions are listed; the page says so when there are more. */
export const REVIEW_LIMIT = 200

export interface CommissionFilters {
  /** Comma-separated statuses; empty = every status. */
  status: string
  affiliate: string
  from: string
  to: string
}

export interface CommissionsPageProps {
  csrf: string
  programs: Array<{ id: string; name: string }>
  programId: string
  mode: Mode
  affiliates: Array<{ id: string; code: string; name: string }>
  filters: CommissionFilters
}

export const STATUS_CHOICES: Array<{ value: string; label: string }> = [
  { value: 'pending,on_hold', label: 'To review (pending, on hold)' },
  { value: 'pending', label: 'Pending' },
  { value: 'on_hold', label: 'On hold' },
  { value: 'approved', label: 'Approved' },
  { value: 'paid', label: 'Paid' },
  { value: 'rejected', label: 'Rejected' },
  { value: 'reversed', label: 'Reversed' },
  { value: '', label: 'Every status' },
]

/** The filters in words, for the scope line every number on the page follows. */
export function describeCommissionFilters(p: CommissionsPageProps): string {
  const f = p.filters
  const aff = p.affiliates.find((a) => a.id === f.affiliate)
  const status = STATUS_CHOICES.find((s) => s.value === f.status)?.label ?? `status ${f.status}`
  const dates =
    f.from && f.to
      ? `created ${f.from} → ${f.to}`
      : f.from
        ? `created from ${f.from}`
        : f.to
          ? `created to ${f.to}`
          : 'any date'
  return `${aff ? `${aff.name} (${aff.code})` : 'All affiliates'} · ${status} · ${dates} · ${p.mode} data`
}

export function CommissionsPage(p: CommissionsPageProps) {
  const program = p.programs.find((x) => x.id === p.programId)
  const q = (mode: Mode) => `program=${encodeURIComponent(p.programId)}&mode=${mode}`
  const scope = describeCommissionFilters(p)
  const known = STATUS_CHOICES.some((s) => s.value === p.filters.status)
  return (
    <Layout title={`Commissions · ${program?.name ?? 'Refline'}`} script="commissions" csrf={p.csrf}>
      <header class="topbar">
        <Logo />
        <span class="topbar-title">
          {program?.name} <span class="muted">commissions</span>
        </span>
        <DashboardNav programId={p.programId} current="commissions" mode={p.mode} />
        <nav class="seg" aria-label="Data mode">
          <a
            href={`/dashboard/commissions?${q('live')}`}
            aria-current={p.mode === 'live' ? 'page' : undefined}
          >
            Live
          </a>
          <a
            href={`/dashboard/commissions?${q('test')}`}
            aria-current={p.mode === 'test' ? 'page' : undefined}
          >
            Test data
          </a>
        </nav>
      </header>
      <main
        id="app"
        class="wrap review-page"
        data-program={p.programId}
        data-mode={p.mode}
        data-status={p.filters.status}
        data-affiliate={p.filters.affiliate}
        data-from={p.filters.from}
        data-to={p.filters.to}
      >
        {p.mode === 'test' ? (
          <p class="banner">Viewing test data: commissions of events sent with test keys.</p>
        ) : null}
        <form method="get" action="/dashboard/commissions" class="filters panel" aria-label="Filters">
          <input type="hidden" name="program" value={p.programId} />
          <input type="hidden" name="mode" value={p.mode} />
          <label>
            Status
            <select name="status">
              {STATUS_CHOICES.map((s) => (
                <option value={s.value} selected={s.value === p.filters.status}>
                  {s.label}
                </option>
              ))}
              {known ? null : (
                <option value={p.filters.status} selected>
                  {p.filters.status}
                </option>
              )}
            </select>
          </label>
          <label>
            Affiliate
            <select name="affiliate">
              <option value="">All affiliates</option>
              {p.affiliates.map((a) => (
                <option value={a.id} selected={a.id === p.filters.affiliate}>
                  {a.name} ({a.code})
                </option>
              ))}
            </select>
          </label>
          <label>
            Created from
            <input type="date" name="from" value={p.filters.from} />
          </label>
          <label>
            Created to
            <input type="date" name="to" value={p.filters.to} />
          </label>
          <button type="submit">Apply</button>
          <a href={`/dashboard/commissions?${q(p.mode)}`} class="ghost-link">
            Reset
          </a>
        </form>

        <section class="panel" aria-labelledby="review-title">
          <div class="panel-head">
            <h2 id="review-title">Commissions</h2>
          </div>
          <p id="review-scope" class="scope">
            {`${scope} · newest ${REVIEW_LIMIT}`}
          </p>
          <p id="review-summary" class="review-summary" aria-live="polite">
            Loading…
          </p>
          <p id="review-error" class="banner error" role="alert" hidden />
          <fieldset class="review-bar">
            <legend class="sr-only">Selected commissions</legend>
            <label class="check">
              <input type="checkbox" id="select-all" /> Select all shown
            </label>
            <span id="selected-count" class="muted">
              0 selected
            </span>
            <button type="button" id="approve-selected" disabled>
              Approve selected
            </button>
            <button type="button" id="reject-selected" class="danger" disabled>
              Reject selected
            </button>
          </fieldset>
          <div id="reject-confirm" class="review-confirm" hidden>
            <label>
              Reason <span class="muted">(optional, kept in the history)</span>
              <input id="reject-reason" maxlength={200} autocomplete="off" />
            </label>
            <button type="button" id="reject-yes" class="danger">
              Yes, reject
            </button>
            <button type="button" id="reject-cancel">
              Cancel
            </button>
          </div>
          <p id="review-status" class="sr-only" role="status" />
          <div class="table-wrap">
            <table
              id="review"
              class="data review"
              tabindex={-1}
              aria-label="Commissions"
              data-empty="No commissions match these filters."
            >
              <thead>
                <tr>
                  <th scope="col">
                    <span class="sr-only">Select</span>
                  </th>
                  <th scope="col">Affiliate</th>
                  <th scope="col">Rule</th>
                  <th scope="col" class="num">
                    Amount
                  </th>
                  <th scope="col">Status</th>
                  <th scope="col">Created</th>
                  <th scope="col">
                    <span class="sr-only">Details</span>
                  </th>
                </tr>
              </thead>
              <tbody />
            </table>
          </div>
        </section>

        <section class="panel" aria-labelledby="due-title">
          <h2 id="due-title">Everything due</h2>
          <p class="scope">
            Not filtered: every pending commission of this program's {p.mode} data whose hold has ended,
            whatever the filters above. On-hold commissions are never approved here.
          </p>
          <p>
            <output id="due-count">…</output>{' '}
            <button type="button" id="approve-due" class="primary">
              Approve everything due
            </button>
          </p>
        </section>
      </main>
    </Layout>
  )
}
