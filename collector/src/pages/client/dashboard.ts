/**
 * The dashboard's client script: fills the server-rendered frames from the dashboard API and
 * keeps every number live from `/v1/live`. Each live event is applied locally at once: the
 * all-time counters from the message's totals; the last-hour chart and feed when it is the
 * filtered affiliate's; the filtered totals, affiliate row and day chart by the difference it
 * made to the totals, when it falls inside the filters. Only with a sub-id filter (live messages
 * carry no sub-id) are the filtered views refetched, with a throttle (at most one fetch per 2 s,
 * within about 2 s of the first waiting event), so a steady stream of events can never hold the
 * refresh off; a reconnect refetches everything.
 */
import type {
  CommissionRecord,
  LiveFeedItem,
  LiveMessage,
  MinutePoint,
  StatsResult,
  Totals,
} from '../../shared'
import { emptyTotals } from '../../shared'
import { type AffiliateRow, createAffiliateTable } from './affiliate-table'
import { addAt, advanceMinutes, bump, type ChartData, createChart, minuteData, seriesData } from './charts'
import { tickChecklist } from './checklist'
import { createCommissionList } from './commission-list'
import { byId, h, setConnection, throttle, wireCopyButtons } from './dom'
import { connectLive, liveJournal } from './live'
import { applyApplication } from './pending'
import { addTotals, diffTotals, isZero, keepRecent, reconcileTotals } from './totals-delta'
import { prependFeed, updateCounters } from './widgets'

interface Overview {
  currency: string
  stats: StatsResult
  last_activity: Record<string, string>
  links: Record<string, { link: string; status: string }>
  /** With `live=1`: the whole program's live totals, and the last hour and feed of the filtered affiliate. */
  live?: { totals: Totals; minutes: MinutePoint[]; feed: LiveFeedItem[] }
}

const app = byId('app')
const program = app.dataset.program ?? ''
const mode = app.dataset.mode ?? 'live'
const csrf = document.querySelector<HTMLMetaElement>('meta[name="csrf-token"]')?.content ?? ''
const tz = Intl.DateTimeFormat().resolvedOptions().timeZone
// The filters as the server validated them (not the raw address bar).
const filter = {
  affiliate: app.dataset.affiliate ?? '',
  sub: app.dataset.sub ?? '',
  from: app.dataset.from ?? '',
  to: app.dataset.to ?? '',
}
const fromMs = filter.from ? Date.parse(`${filter.from}T00:00:00Z`) : Number.NEGATIVE_INFINITY
const toMs = filter.to ? Date.parse(`${filter.to}T23:59:59.999Z`) : Number.POSITIVE_INFINITY

async function api<T>(
  path: string,
  init: { method?: string; body?: unknown; query?: Record<string, string> } = {},
): Promise<T> {
  const q = new URLSearchParams({ program, mode, ...init.query })
  const res = await fetch(`/dashboard/api/${path}?${q}`, {
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

// --- state ------------------------------------------------------------------------------------

const minuteChart = createChart(byId('chart-minutes'), 'minute')
const dayChart = createChart(byId('chart-days'), 'day')
const table = createAffiliateTable(byId<HTMLTableElement>('affiliates'))
const feed = byId('feed')
let currency = ''
let minutes: ChartData = { t: [], clicks: [], signups: [], conversions: [] }
let days: ChartData = { t: [], clicks: [], signups: [], conversions: [] }
let range: Totals | undefined
/** Totals of the last live message: the next one's difference from it is what its event did. */
let baseline: Totals | undefined
let liveTotals: Totals | undefined
const FEED_MAX = 50
/** The live messages and the feed items they brought, so an overview read before them cannot undo them. */
const heard = liveJournal<LiveFeedItem>(FEED_MAX)

/** Events applied locally, kept a few seconds so a refetch that missed them doesn't undo them. */
interface Applied {
  received: number
  affiliate: string | null
  at: number
  delta: Totals
}
let journal: Applied[] = []
/** Clicks reach D1 in batches up to ~1 s after their message; allow for that and the fetch itself. */
const UNSEEN_MS = 2_500

function sumRecent(since: number, pick: (e: Applied) => boolean): Totals {
  const sum = emptyTotals()
  for (const e of journal) if (e.received >= since && pick(e)) addTotals(sum, e.delta)
  return sum
}

// --- overview: filtered totals, day chart, affiliate table ------------------------------------

function rangeQuery(live: boolean): Record<string, string> {
  const q: Record<string, string> = { tz, live: live ? '1' : '0' }
  for (const [k, v] of Object.entries(filter)) if (v) q[k] = v
  return q
}

function renderRange(): void {
  if (range) updateCounters(range, currency, 'range')
}

async function loadOverview(withLive: boolean): Promise<void> {
  const started = Date.now()
  const mark = heard.mark()
  const o = await api<Overview>('overview', { query: rangeQuery(withLive) })
  const since = started - UNSEEN_MS
  journal = journal.filter((e) => e.received >= Date.now() - 4 * UNSEEN_MS)
  currency = o.currency
  table.currency = currency

  range = reconcileTotals(
    o.stats.totals,
    range,
    sumRecent(since, () => true),
  )
  renderRange()

  const previous = new Map(table.rows.map((r) => [r.id, r]))
  table.rows = o.stats.affiliates.map(
    (a): AffiliateRow => ({
      id: a.id,
      code: a.code,
      name: a.name,
      totals: reconcileTotals(
        a.totals,
        previous.get(a.id)?.totals,
        sumRecent(since, (e) => e.affiliate === a.id),
      ),
      last: latest(o.last_activity[a.id] ?? null, previous.get(a.id)?.last ?? null),
      disabled: o.links[a.id]?.status === 'disabled',
    }),
  )
  table.render()

  const fetched = seriesData(o.stats.series)
  const localAt = new Map(days.t.map((t, i) => [t, i]))
  fetched.t.forEach((t, i) => {
    const j = localAt.get(t)
    if (j === undefined) return
    const next = fetched.t[i + 1] ?? Number.POSITIVE_INFINITY
    const recent = sumRecent(since, (e) => e.at / 1000 >= t && e.at / 1000 < next)
    for (const k of ['clicks', 'signups', 'conversions'] as const)
      fetched[k][i] = keepRecent(fetched[k][i] ?? 0, days[k][j] ?? 0, recent[k])
  })
  days = fetched
  dayChart.set(days)
  byId('range-label').textContent = `${o.stats.from.slice(0, 10)} → ${o.stats.to.slice(0, 10)}`

  if (o.live) {
    // The socket is ordered and the answer is not: a message that came while the request was out
    // may be newer than what the hub answered, so then the counters keep the socket's totals.
    const meanwhile = heard.since(mark)
    if (!meanwhile.any || !liveTotals) liveTotals = o.live.totals
    updateCounters(liveTotals, currency)
    minutes = minuteData(o.live.minutes)
    feed.replaceChildren()
    for (const item of [...o.live.feed].reverse()) prependFeed(feed, item, FEED_MAX)
    // Items the socket brought meanwhile that the answer does not have happened after it was read.
    for (const item of notIn(o.live.feed, meanwhile.items)) {
      prependFeed(feed, item, FEED_MAX)
      bump(minutes, Date.parse(item.at) / 1000, item.type)
    }
    if (!feed.children.length) feed.append(h('li', { class: 'empty' }, 'Waiting for the first event…'))
    minuteChart.set(minutes)
  } else if (liveTotals) {
    updateCounters(liveTotals, currency)
  }
}

/** The socket's items, oldest first, less one match each for the items the answer already has. */
function notIn(answer: LiveFeedItem[], items: LiveFeedItem[]): LiveFeedItem[] {
  const key = (i: LiveFeedItem) => JSON.stringify([i.type, i.at, i.affiliate?.id ?? null, i.amount ?? null])
  const had = new Map<string, number>()
  for (const i of answer) had.set(key(i), (had.get(key(i)) ?? 0) + 1)
  return items.filter((i) => {
    const left = had.get(key(i)) ?? 0
    if (left) had.set(key(i), left - 1)
    return !left
  })
}

/** The later of the rollups' hour and a live event's exact time (both ISO 8601, UTC). */
function latest(a: string | null, b: string | null): string | null {
  if (!a) return b
  if (!b) return a
  return a > b ? a : b
}

// --- commissions ------------------------------------------------------------------------------

const commissions = createCommissionList({
  load: async (status) => {
    const query: Record<string, string> = {}
    if (status) query.status = status
    if (filter.affiliate) query.affiliate = filter.affiliate
    return (await api<{ commissions: CommissionRecord[] }>('commissions', { query })).commissions
  },
  act: async (id, action) => {
    await api(`commissions/${encodeURIComponent(id)}/${action}`, { method: 'POST' })
  },
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
      { method: 'POST', body: data },
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

const refreshRange = throttle(() => loadOverview(false), { settleMs: 1_000, gapMs: 2_000 })
const refreshCommissions = throttle(() => commissions.reload(), { settleMs: 300, gapMs: 2_000 })

/** Whether an event counts in the filtered views. Live messages carry no sub-id, so with a sub-id
 * filter nothing is applied locally and the refetch alone brings the numbers. */
function inFilters(affiliate: string | null, at: number): boolean {
  if (filter.sub) return false
  if (filter.affiliate && affiliate !== filter.affiliate) return false
  return at >= fromMs && at <= toMs
}

/** Redraws the filtered views at most once per animation frame, however fast events come. */
let redraw = 0
function scheduleRedraw(): void {
  if (redraw) return
  redraw = requestAnimationFrame(() => {
    redraw = 0
    renderRange()
    table.render()
    dayChart.set(days)
  })
}

function onLive(message: LiveMessage): void {
  // Applications are no event of the program: only the navigation's count follows them.
  if (message.type === 'application') {
    applyApplication(message)
    return
  }
  tickChecklist(message)
  liveTotals = message.totals
  updateCounters(message.totals, currency)
  const delta = baseline ? diffTotals(message.totals, baseline) : undefined
  baseline = message.totals
  if (message.type === 'snapshot') {
    heard.add()
    return
  }
  const at = Date.parse(message.at)
  const affiliate = message.affiliate?.id ?? null
  if (filter.affiliate && affiliate !== filter.affiliate) heard.add()
  else {
    const { totals: _t, ...item } = message
    prependFeed(feed, item, FEED_MAX)
    heard.add(item)
    advanceMinutes(minutes)
    if (bump(minutes, at / 1000, message.type)) minuteChart.set(minutes)
  }
  if (inFilters(affiliate, at)) {
    if (delta && !isZero(delta)) {
      const now = Date.now()
      journal.push({ received: now, affiliate, at, delta })
      // Bounded however long the refetches fail: only the last few seconds are ever read.
      while ((journal[0]?.received ?? now) < now - 4 * UNSEEN_MS) journal.shift()
      if (range) addTotals(range, delta)
      addAt(days, at / 1000, delta)
    }
    const row = affiliate ? table.rows.find((r) => r.id === affiliate) : undefined
    if (row) {
      if (delta) addTotals(row.totals, delta)
      row.last = latest(row.last, message.at)
    }
    scheduleRedraw()
  }
  // Every view is updated from the message itself; only a sub-id filter (messages carry no sub-id)
  // needs the server's numbers, so only then is the overview fetched again. A dashboard left open
  // on a busy program costs no D1 reads per event (a year's overview is thousands of rows).
  if (filter.sub) refreshRange()
  if (message.type !== 'click') refreshCommissions()
}

const select = document.querySelector<HTMLSelectElement>('select[data-autosubmit]')
select?.addEventListener('change', () => select.form?.requestSubmit())

setInterval(() => {
  advanceMinutes(minutes)
  minuteChart.set(minutes)
  table.render()
}, 30_000)

const loadAll = () => void Promise.all([loadOverview(true), commissions.reload()]).catch(console.error)
loadAll()
connectLive({
  path: `/v1/live?${new URLSearchParams({ program, mode })}`,
  onMessage: onLive,
  onState: setConnection,
  onReconnect: loadAll,
})
wireCopyButtons()
