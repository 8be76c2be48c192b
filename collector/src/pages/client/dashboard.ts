/**
 * The dashboard's client script: fills the server-rendered frames from the dashboard API, keeps
 * every number live from `/v1/live` (counters from each message's totals, the minute chart and
 * feed from the events, the range views refetched from D1 shortly after), sorts the affiliate
 * table, and runs the forms (new affiliate, approve/reject) with the session's CSRF token.
 */
import type {
  CommissionRecord,
  LiveFeedItem,
  LiveMessage,
  MinutePoint,
  StatsResult,
  Totals,
} from '../../shared'
import { formatAgo, formatCount, formatMoney, formatMoneyMap, formatRate } from '../format'
import { advanceMinutes, bump, type ChartData, createChart, minuteData, seriesData } from './charts'
import { byId, debounce, fillBody, h, setConnection, wireCopyButtons } from './dom'
import { connectLive } from './live'
import { prependFeed, statusPill, updateCounters } from './widgets'

interface Overview {
  stats: StatsResult
  activity: { totals: Totals; minutes: MinutePoint[]; feed: LiveFeedItem[] }
  last_activity: Record<string, string>
  links: Record<string, { link: string; status: string }>
}

type AffiliateRow = StatsResult['affiliates'][number] & { last: string | null }

const app = byId('app')
const program = app.dataset.program ?? ''
const mode = app.dataset.mode ?? 'live'
const csrf = document.querySelector<HTMLMetaElement>('meta[name="csrf-token"]')?.content ?? ''
const filters = new URLSearchParams(location.search)
const tz = Intl.DateTimeFormat().resolvedOptions().timeZone

function apiPath(path: string, extra: Record<string, string> = {}): string {
  const q = new URLSearchParams({ program, mode, ...extra })
  return `/dashboard/api/${path}?${q}`
}

async function api<T>(
  path: string,
  init: { method?: string; body?: unknown; query?: Record<string, string> } = {},
) {
  const res = await fetch(apiPath(path, init.query), {
    method: init.method ?? 'GET',
    headers: { 'x-csrf-token': csrf, ...(init.body ? { 'content-type': 'application/json' } : {}) },
    body: init.body ? JSON.stringify(init.body) : null,
    credentials: 'same-origin',
  })
  if (res.status === 401) location.assign('/dashboard/sign-in')
  const json = (await res.json()) as T & { error?: { message: string } }
  if (!res.ok) throw new Error(json.error?.message ?? `HTTP ${res.status}`)
  return json
}

// --- charts, feed, affiliate table -----------------------------------------------------------

const minuteChart = createChart(byId('chart-minutes'), 'minute')
const dayChart = createChart(byId('chart-days'), 'day')
let minutes: ChartData = { t: [], clicks: [], signups: [], conversions: [] }
let days: ChartData = { t: [], clicks: [], signups: [], conversions: [] }
let rows: AffiliateRow[] = []
let links: Overview['links'] = {}
let sort: { key: string; dir: 1 | -1 } = { key: 'commission', dir: -1 }
const feed = byId('feed')

const moneySum = (m: Record<string, number>) => Object.values(m).reduce((a, b) => a + b, 0)
const SORTERS: Record<string, (r: AffiliateRow) => number | string> = {
  name: (r) => r.name.toLowerCase(),
  clicks: (r) => r.totals.clicks,
  signups: (r) => r.totals.signups,
  rate: (r) => (r.totals.clicks ? r.totals.conversions / r.totals.clicks : -1),
  revenue: (r) => moneySum(r.totals.revenue),
  commission: (r) => moneySum(r.totals.commission),
  last: (r) => r.last ?? '',
}

function renderAffiliates(): void {
  const key = SORTERS[sort.key] ?? SORTERS.commission!
  const sorted = [...rows].sort((a, b) => {
    const x = key(a)
    const y = key(b)
    return (x < y ? -1 : x > y ? 1 : 0) * sort.dir || a.name.localeCompare(b.name)
  })
  const table = byId<HTMLTableElement>('affiliates')
  table.dataset.empty = 'No affiliates yet: create one on the right.'
  fillBody(
    table,
    sorted.map((r) =>
      h(
        'tr',
        { 'data-affiliate': r.id },
        h(
          'th',
          { scope: 'row' },
          h('span', { class: 'aff-name' }, r.name),
          h(
            'span',
            { class: 'aff-code' },
            links[r.id]?.status === 'disabled' ? `${r.code} · disabled` : r.code,
          ),
        ),
        h('td', { class: 'num' }, formatCount(r.totals.clicks)),
        h('td', { class: 'num' }, formatCount(r.totals.signups)),
        h(
          'td',
          { class: 'num', title: 'Conversions ÷ clicks' },
          formatRate(r.totals.conversions, r.totals.clicks),
        ),
        h('td', { class: 'num' }, formatMoneyMap(r.totals.revenue)),
        h('td', { class: 'num' }, formatMoneyMap(r.totals.commission)),
        h('td', { class: 'num muted' }, formatAgo(r.last)),
      ),
    ),
    7,
  )
  table.querySelectorAll<HTMLElement>('th[aria-sort]').forEach((th) => {
    const k = th.querySelector<HTMLElement>('[data-sort]')?.dataset.sort
    th.setAttribute('aria-sort', k === sort.key ? (sort.dir === 1 ? 'ascending' : 'descending') : 'none')
  })
}

byId('affiliates').addEventListener('click', (e) => {
  const button = (e.target as HTMLElement).closest<HTMLElement>('[data-sort]')
  if (!button) return
  const key = button.dataset.sort ?? 'name'
  sort = { key, dir: sort.key === key ? (sort.dir === 1 ? -1 : 1) : key === 'name' ? 1 : -1 }
  renderAffiliates()
})

function rangeQuery(): Record<string, string> {
  const q: Record<string, string> = { tz }
  for (const k of ['from', 'to', 'affiliate', 'sub']) {
    const v = filters.get(k)
    if (v) q[k] = v
  }
  return q
}

async function loadOverview(withLive: boolean): Promise<void> {
  const o = await api<Overview>('overview', { query: rangeQuery() })
  links = o.links
  rows = o.stats.affiliates.map((a) => ({ ...a, last: o.last_activity[a.id] ?? null }))
  renderAffiliates()
  days = seriesData(o.stats.series)
  dayChart.set(days)
  byId('range-label').textContent = `${o.stats.from.slice(0, 10)} → ${o.stats.to.slice(0, 10)}`
  if (withLive) {
    updateCounters(o.activity.totals)
    minutes = minuteData(o.activity.minutes)
    minuteChart.set(minutes)
    feed.replaceChildren()
    if (!o.activity.feed.length) feed.append(h('li', { class: 'empty' }, 'Waiting for the first event…'))
    for (const item of [...o.activity.feed].reverse()) prependFeed(feed, item)
  }
}

// --- commissions ------------------------------------------------------------------------------

let commissionStatus = 'pending,on_hold'

async function loadCommissions(): Promise<void> {
  const { commissions } = await api<{ commissions: CommissionRecord[] }>('commissions', {
    query: commissionStatus ? { status: commissionStatus } : {},
  })
  const table = byId<HTMLTableElement>('commissions')
  table.dataset.empty = commissionStatus.startsWith('pending') ? 'Nothing to review.' : 'No commissions.'
  fillBody(
    table,
    commissions.map((c) => {
      const shown = c.status === 'rejected' || c.status === 'reversed' ? c.original_amount : c.amount
      const actions = h('td', { class: 'actions' })
      if (c.kind === 'conversion' && (c.status === 'pending' || c.status === 'on_hold'))
        actions.append(h('button', { type: 'button', 'data-action': 'approve', 'data-id': c.id }, 'Approve'))
      if (c.kind === 'conversion' && ['pending', 'on_hold', 'approved'].includes(c.status))
        actions.append(
          h(
            'button',
            { type: 'button', class: 'danger', 'data-action': 'reject', 'data-id': c.id },
            'Reject',
          ),
        )
      return h(
        'tr',
        { 'data-commission': c.id },
        h(
          'th',
          { scope: 'row' },
          h('span', { class: 'aff-name' }, c.affiliate.name),
          h('span', { class: 'aff-code' }, c.affiliate.code),
        ),
        h('td', { class: `num${shown !== c.amount ? ' struck' : ''}` }, formatMoney(shown, c.currency)),
        h(
          'td',
          {},
          statusPill(c.status),
          c.reason ? h('span', { class: 'muted reason' }, c.reason.replace(/_/g, ' ')) : null,
        ),
        h('td', { class: 'muted' }, c.due_at.slice(0, 10)),
        actions,
      )
    }),
    5,
  )
}

byId('commissions').addEventListener('click', async (e) => {
  const button = (e.target as HTMLElement).closest<HTMLButtonElement>('button[data-action]')
  if (!button) return
  button.disabled = true
  try {
    await api(`commissions/${encodeURIComponent(button.dataset.id ?? '')}/${button.dataset.action}`, {
      method: 'POST',
    })
    await loadCommissions()
  } catch (err) {
    button.disabled = false
    alert((err as Error).message)
  }
})

document.querySelectorAll<HTMLButtonElement>('.tabs [data-status]').forEach((tab) => {
  tab.addEventListener('click', () => {
    commissionStatus = tab.dataset.status ?? ''
    document.querySelectorAll('.tabs [data-status]').forEach((t) => {
      t.setAttribute('aria-pressed', String(t === tab))
    })
    void loadCommissions()
  })
})

// --- new affiliate ----------------------------------------------------------------------------

const form = byId<HTMLFormElement>('new-affiliate')
form.addEventListener('submit', async (e) => {
  e.preventDefault()
  const error = form.querySelector<HTMLElement>('.error')
  const data = Object.fromEntries(new FormData(form)) as Record<string, string>
  const submit = form.querySelector('button')
  if (submit) submit.disabled = true
  try {
    const { affiliate } = await api<{ affiliate: { name: string; link: string; portal_url: string } }>(
      'affiliates',
      {
        method: 'POST',
        body: data,
      },
    )
    if (error) error.hidden = true
    form.reset()
    const result = byId('new-affiliate-result')
    result.replaceChildren(
      h('p', {}, h('strong', {}, affiliate.name), ' is ready. Send them their portal link.'),
      linkRow('new-link', 'Referral link', affiliate.link),
      linkRow('new-portal', 'Portal link', affiliate.portal_url),
    )
    result.hidden = false
    wireCopyButtons(result)
    await loadOverview(false)
  } catch (err) {
    if (error) {
      error.textContent = (err as Error).message
      error.hidden = false
    }
  } finally {
    if (submit) submit.disabled = false
  }
})

function linkRow(id: string, label: string, url: string): HTMLElement {
  return h(
    'div',
    { class: 'link-row' },
    h('label', { class: 'link-label', for: id }, label),
    h('input', { id, class: 'link-url', readonly: true, value: url }),
    h('button', { type: 'button', class: 'copy', 'data-copy': id }, 'Copy'),
  )
}

// --- live -------------------------------------------------------------------------------------

const refreshRange = debounce(() => void loadOverview(false).catch(console.error), 300)
const refreshCommissions = debounce(() => void loadCommissions().catch(console.error), 300)

function onLive(message: LiveMessage): void {
  updateCounters(message.totals)
  if (message.type === 'snapshot') return
  const { totals: _t, ...item } = message
  prependFeed(feed, item)
  advanceMinutes(minutes)
  if (bump(minutes, Date.parse(message.at) / 1000, message.type)) minuteChart.set(minutes)
  const row = message.affiliate && rows.find((r) => r.id === message.affiliate?.id)
  if (row) row.last = message.at
  refreshRange()
  // Clicks reach D1 in batches (≤ 1 s): look again once they have landed.
  if (message.type === 'click') setTimeout(refreshRange, 1_500)
  if (message.type === 'commission' || message.type === 'conversion' || message.type === 'refund')
    refreshCommissions()
}

const select = document.querySelector<HTMLSelectElement>('select[data-autosubmit]')
select?.addEventListener('change', () => select.form?.requestSubmit())

setInterval(() => {
  advanceMinutes(minutes)
  minuteChart.set(minutes)
  renderAffiliates()
}, 30_000)

void Promise.all([loadOverview(true), loadCommissions()]).catch(console.error)
connectLive({
  path: `/v1/live?${new URLSearchParams({ program, mode })}`,
  onMessage: onLive,
  onState: setConnection,
  onReconnect: () => void Promise.all([loadOverview(true), loadCommissions()]).catch(console.error),
})
wireCopyButtons()
