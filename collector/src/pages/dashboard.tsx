/**
 * The founder's dashboard, server-rendered: program switcher, live/test toggle, the whole
 * program's all-time counters (from the hub), the filters, and the frames (fixed sizes, so
 * nothing shifts) that the client script fills and keeps live: totals for the filters, charts,
 * feed, affiliate table, commissions, new-affiliate form. Every panel says which filters it follows.
 */
import type { Child } from 'hono/jsx'
import { Checklist, type ChecklistState, checklistDone } from '../programs/checklist'
import type { Mode, Totals } from '../shared'
import { formatCount, formatMoneyMap } from './format'
import { Layout, Logo } from './layout'
import { DashboardNav } from './nav'

export interface DashboardFilters {
  affiliate: string
  sub: string
  from: string
  to: string
}

export interface DashboardProps {
  csrf: string
  programs: Array<{ id: string; name: string }>
  programId: string
  mode: Mode
  filters: DashboardFilters
  totals: Totals
  affiliates: Array<{ id: string; code: string; name: string }>
  /** The first-run checklist (live data); shown until every step is done. */
  checklist?: ChecklistState
  /** Applications waiting for a decision, beside Applications in the navigation. */
  pending?: number
}

const COUNTERS: Array<{ key: keyof Totals; label: string; money?: boolean }> = [
  { key: 'clicks', label: 'Clicks' },
  { key: 'unique_clicks', label: 'Unique clicks' },
  { key: 'signups', label: 'Signups' },
  { key: 'conversions', label: 'Conversions' },
  { key: 'refunds', label: 'Refunds' },
  { key: 'revenue', label: 'Revenue', money: true },
  { key: 'commission', label: 'Commission', money: true },
]

/**
 * The two chart containers the client scripts draw into (`#chart-minutes`, `#chart-days`), shared
 * by the dashboard and the portal so their ids and accessibility labels stay in one place.
 */
export function ChartPanels({
  subject,
  dayTitle,
  minuteScope,
  dayScope,
}: {
  subject: string
  dayTitle: Child
  minuteScope?: string
  dayScope?: string
}) {
  return (
    <section class="grid2">
      <div class="panel">
        <h2>Last hour</h2>
        {minuteScope ? (
          <p id="scope-minutes" class="scope">
            {minuteScope}
          </p>
        ) : null}
        <div id="chart-minutes" class="chart" role="img" aria-label={`${subject} per minute`} />
      </div>
      <div class="panel">
        <h2>{dayTitle}</h2>
        {dayScope ? (
          <p id="scope-days" class="scope">
            {dayScope}
          </p>
        ) : null}
        <div id="chart-days" class="chart" role="img" aria-label={`${subject} per day`} />
      </div>
    </section>
  )
}

/**
 * A row of counters. `attr` names the data attribute the client script fills (`data-total` for
 * the live all-time counters, `data-range` for the totals of the filters); without `totals` the
 * values start as "…" until the script has them.
 */
export function Counters({
  totals,
  label,
  attr = 'total',
  id,
}: {
  totals?: Totals
  label: string
  attr?: 'total' | 'range'
  id?: string
}) {
  return (
    <section class="counters" aria-label={label} id={id}>
      {COUNTERS.map((c) => (
        <div class={c.money ? 'stat stat-money' : 'stat'}>
          <span class="stat-label">{c.label}</span>
          <output class="stat-value" {...{ [`data-${attr}`]: c.key }} aria-live="off">
            {!totals
              ? '…'
              : c.money
                ? formatMoneyMap(totals[c.key] as Record<string, number>)
                : formatCount(totals[c.key] as number)}
          </output>
        </div>
      ))}
    </section>
  )
}

/** What the filters select, in words: "Jane Cooper · sub-id newsletter · 2026-11-01 → 2026-11-30". */
function describeFilters(p: DashboardProps): { who: string; sub: string; dates: string } {
  const aff = p.affiliates.find((a) => a.id === p.filters.affiliate)
  const { from, to } = p.filters
  return {
    who: aff ? `${aff.name} (${aff.code})` : 'All affiliates',
    sub: p.filters.sub ? `sub-id “${p.filters.sub}”` : 'every sub-id',
    dates:
      from && to ? `${from} → ${to}` : from ? `${from} → today` : to ? `30 days to ${to}` : 'last 30 days',
  }
}

function modeHref(programId: string, mode: Mode): string {
  return `/dashboard?program=${encodeURIComponent(programId)}&mode=${mode}`
}

// Not `key`: JSX keeps that prop for itself and never passes it on.
function SortHeader({ sortKey, label, num }: { sortKey: string; label: string; num?: boolean }) {
  return (
    <th scope="col" class={num ? 'num' : undefined} aria-sort="none">
      <button type="button" class="sort" data-sort={sortKey}>
        {label}
      </button>
    </th>
  )
}

/**
 * CSV downloads of what the overview shows (`/dashboard/api/exports/*`, the same files as the
 * API's `?format=csv`): affiliates of the mode; conversions and commissions of the affiliate
 * filter and dates. Live messages carry no sub-id and neither do these filters, so sub-id is not passed on.
 */
function ExportLinks(p: DashboardProps) {
  const base = { program: p.programId, mode: p.mode }
  const filtered = {
    ...base,
    ...(p.filters.affiliate ? { affiliate: p.filters.affiliate } : {}),
    ...(p.filters.from ? { from: p.filters.from } : {}),
    ...(p.filters.to ? { to: p.filters.to } : {}),
  }
  const href = (file: string, q: Record<string, string>) =>
    `/dashboard/api/exports/${file}.csv?${new URLSearchParams(q)}`
  return (
    <nav class="exports" aria-label="CSV downloads">
      <span class="muted">CSV:</span>{' '}
      <a href={href('affiliates', base)} download>
        affiliates
      </a>
      {' · '}
      <a href={href('conversions', filtered)} download>
        conversions
      </a>
      {' · '}
      <a href={href('commissions', filtered)} download>
        commissions
      </a>
    </nav>
  )
}

export function DashboardPage(p: DashboardProps) {
  const program = p.programs.find((x) => x.id === p.programId)
  const f = describeFilters(p)
  const rangeScope = `${f.who} · ${f.sub} · ${f.dates}`
  const liveScope = `${f.who} · every sub-id · whatever the dates`
  return (
    <Layout title={`${program?.name ?? 'Dashboard'} · Refline`} script="dashboard" csrf={p.csrf}>
      <header class="topbar">
        <Logo />
        <form method="get" action="/dashboard" class="switcher">
          <label for="program" class="sr-only">
            Program
          </label>
          <select id="program" name="program" data-autosubmit>
            {p.programs.map((x) => (
              <option value={x.id} selected={x.id === p.programId}>
                {x.name}
              </option>
            ))}
          </select>
          <input type="hidden" name="mode" value={p.mode} />
          <noscript>
            <button type="submit">Open</button>
          </noscript>
        </form>
        <DashboardNav
          programId={p.programId}
          current="dashboard"
          mode={p.mode}
          {...(p.pending === undefined ? {} : { pending: p.pending })}
        />
        <nav class="seg" aria-label="Data mode">
          <a href={modeHref(p.programId, 'live')} aria-current={p.mode === 'live' ? 'page' : undefined}>
            Live
          </a>
          <a href={modeHref(p.programId, 'test')} aria-current={p.mode === 'test' ? 'page' : undefined}>
            Test data
          </a>
        </nav>
        <span id="conn" class="conn" role="status" data-state="connecting">
          Connecting…
        </span>
        <form method="post" action="/dashboard/sign-out" class="signout">
          <input type="hidden" name="_csrf" value={p.csrf} />
          <button type="submit" class="ghost">
            Sign out
          </button>
        </form>
      </header>
      <main
        id="app"
        class="wrap"
        data-program={p.programId}
        data-mode={p.mode}
        data-affiliate={p.filters.affiliate}
        data-sub={p.filters.sub}
        data-from={p.filters.from}
        data-to={p.filters.to}
      >
        {p.mode === 'test' ? <p class="banner">Viewing test data: events sent with test keys.</p> : null}
        {p.mode === 'live' && p.checklist && !checklistDone(p.checklist) ? (
          <Checklist programId={p.programId} state={p.checklist} />
        ) : null}
        <div class="counters-head">
          <h2>Whole program</h2>
          <p class="counters-note scope">
            Whole program, all time, every affiliate and sub-id · updated as events arrive
          </p>
        </div>
        <Counters id="live-totals" totals={p.totals} label="Whole program, all time, updated live" />

        <form method="get" action="/dashboard" class="filters panel" aria-label="Filters">
          <input type="hidden" name="program" value={p.programId} />
          <input type="hidden" name="mode" value={p.mode} />
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
            Sub-id
            <input name="sub" value={p.filters.sub} placeholder="any" maxlength={128} />
          </label>
          <label>
            From
            <input type="date" name="from" value={p.filters.from} />
          </label>
          <label>
            To
            <input type="date" name="to" value={p.filters.to} />
          </label>
          <button type="submit">Apply</button>
          <a href={modeHref(p.programId, p.mode)} class="ghost-link">
            Reset
          </a>
        </form>

        <div class="counters-head">
          <h2>Selected</h2>
          <p id="scope-range" class="scope">
            {rangeScope}
          </p>
        </div>
        <Counters id="range-totals" attr="range" label={`Totals for ${rangeScope}`} />

        <ChartPanels
          subject="Clicks, signups and conversions"
          minuteScope={liveScope}
          dayScope={rangeScope}
          dayTitle={
            <>
              By day <span id="range-label" class="muted" />
            </>
          }
        />

        <section>
          <div class="panel">
            <div class="panel-head">
              <h2>Affiliates</h2>
              <ExportLinks {...p} />
            </div>
            <p class="scope">{rangeScope}</p>
            <div class="table-wrap">
              <table id="affiliates" class="data">
                <thead>
                  <tr>
                    <SortHeader sortKey="name" label="Affiliate" />
                    <SortHeader sortKey="clicks" label="Clicks" num />
                    <SortHeader sortKey="signups" label="Signups" num />
                    <SortHeader sortKey="conversions" label="Conversions" num />
                    <SortHeader sortKey="refunds" label="Refunds" num />
                    <SortHeader sortKey="rate" label="Conv. rate" num />
                    <SortHeader sortKey="revenue" label="Revenue" num />
                    <SortHeader sortKey="commission" label="Commission" num />
                    <SortHeader sortKey="last" label="Last activity" num />
                  </tr>
                </thead>
                <tbody />
              </table>
            </div>
          </div>
        </section>

        <section class="grid-main">
          <div class="panel">
            <div class="panel-head">
              <h2>Commissions</h2>
              <fieldset class="tabs">
                <legend class="sr-only">Commission status</legend>
                <button type="button" data-status="pending,on_hold" aria-pressed="true">
                  To review
                </button>
                <button type="button" data-status="approved" aria-pressed="false">
                  Approved
                </button>
                <button type="button" data-status="" aria-pressed="false">
                  All
                </button>
              </fieldset>
            </div>
            <p class="scope">
              {`${f.who} · any sub-id, any date · newest 100 · `}
              <a
                href={`/dashboard/commissions?program=${encodeURIComponent(p.programId)}&mode=${p.mode}${p.filters.affiliate ? `&affiliate=${encodeURIComponent(p.filters.affiliate)}` : ''}`}
              >
                Filter, select many, see history
              </a>
            </p>
            <p id="commission-status" class="sr-only" role="status" />
            <section class="table-wrap scroll" tabindex={0} aria-label="Commissions list">
              <table id="commissions" class="data" tabindex={-1} aria-label="Commissions">
                <thead>
                  <tr>
                    <th scope="col">Affiliate</th>
                    <th scope="col" class="num">
                      Amount
                    </th>
                    <th scope="col">Status</th>
                    <th scope="col">Due</th>
                    <th scope="col">
                      <span class="sr-only">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody />
              </table>
            </section>
          </div>
          <div class="side">
            <div class="panel">
              <h2>Live feed</h2>
              <p class="scope">{`${f.who} · every sub-id · latest events`}</p>
              <ol id="feed" class="feed" aria-live="polite" aria-relevant="additions" />
            </div>
            <div class="panel">
              <h2>New affiliate</h2>
              <form id="new-affiliate" class="stack">
                <label>
                  Name
                  <input name="name" required maxlength={200} autocomplete="off" />
                </label>
                <label>
                  Email
                  <input name="email" type="email" required autocomplete="off" />
                </label>
                <label>
                  Code <span class="muted">(optional)</span>
                  <input name="code" pattern="[A-Za-z0-9][A-Za-z0-9_\-]{0,63}" autocomplete="off" />
                </label>
                <button type="submit" class="primary">
                  Create affiliate
                </button>
                <p class="error" role="alert" hidden />
              </form>
              <div id="new-affiliate-result" class="result" hidden />
            </div>
          </div>
        </section>
      </main>
    </Layout>
  )
}
