/**
 * The affiliate portal's client script: fills the chart and lists from `data.json`, then keeps
 * them live from `/v1/live?token=<portal token>`; the hub sends this socket only this
 * affiliate's events. A reconnect refetches everything.
 */
import type { LiveEventType, LiveMessage, MinutePoint, SeriesPoint, Totals } from '../../shared'
import { formatMoney } from '../format'
import { advanceMinutes, bump, type ChartData, createChart, minuteData, seriesData } from './charts'
import { byId, debounce, fillBody, h, setConnection, wireCopyButtons } from './dom'
import { connectLive, liveJournal } from './live'
import { type PortalPayoutData, renderPayouts } from './portal-payouts'
import { statusPill, updateCounters } from './widgets'

interface PortalData extends PortalPayoutData {
  totals: Totals
  minutes: MinutePoint[]
  series: SeriesPoint[]
  signups: Array<{ at: string }>
  conversions: Array<{ at: string; amount: number; currency: string; refunded_amount: number }>
  commissions: Array<{
    at: string
    amount: number
    original_amount: number
    currency: string
    status: string
    due_at: string
    /** What the affiliate may read about a held, reversed or rejected commission. */
    note: string | null
  }>
}

const token = byId('app').dataset.token ?? ''
const tz = Intl.DateTimeFormat().resolvedOptions().timeZone
const minuteChart = createChart(byId('chart-minutes'), 'minute')
const dayChart = createChart(byId('chart-days'), 'day')
let minutes: ChartData = { t: [], clicks: [], signups: [], conversions: [] }
let days: ChartData = { t: [], clicks: [], signups: [], conversions: [] }
let data: PortalData | null = null

/** One date style on the whole portal: "1 Dec 2026, 14:05" (the reader's own time zone). */
const when = (iso: string) =>
  new Date(iso).toLocaleString('en-GB', {
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
  })
const day = (iso: string) =>
  new Date(iso).toLocaleDateString('en-GB', { day: 'numeric', month: 'short', year: 'numeric' })

function renderLists(d: PortalData): void {
  fillBody(
    byId<HTMLTableElement>('signups'),
    d.signups.map((s) => h('tr', {}, h('td', {}, 'New signup'), h('td', { class: 'num muted' }, when(s.at)))),
    2,
  )
  fillBody(
    byId<HTMLTableElement>('conversions'),
    d.conversions.map((c) =>
      h(
        'tr',
        {},
        h('td', { class: 'num' }, formatMoney(c.amount, c.currency)),
        h(
          'td',
          { class: 'muted' },
          c.refunded_amount ? `refunded ${formatMoney(c.refunded_amount, c.currency)}` : '',
        ),
        h('td', { class: 'num muted' }, when(c.at)),
      ),
    ),
    3,
  )
  fillBody(
    byId<HTMLTableElement>('commissions'),
    d.commissions.map((c) => {
      const shown = c.status === 'rejected' || c.status === 'reversed' ? c.original_amount : c.amount
      return h(
        'tr',
        {},
        h('td', { class: `num${shown !== c.amount ? ' struck' : ''}` }, formatMoney(shown, c.currency)),
        h('td', {}, statusPill(c.status), c.note ? h('span', { class: 'note muted' }, c.note) : ''),
        h(
          'td',
          { class: 'num muted' },
          c.status === 'pending' ? `payable from ${day(c.due_at)}` : when(c.at),
        ),
      )
    }),
    3,
  )
}

/** The last live message's totals, and the messages (signups and conversions kept) since a load began. */
let liveTotals: Totals | undefined
type EventMessage = Extract<LiveMessage, { type: LiveEventType; at: string }>
const heard = liveJournal<EventMessage>(50)

async function load(): Promise<void> {
  const mark = heard.mark()
  const res = await fetch(`/portal/${encodeURIComponent(token)}/data.json?tz=${encodeURIComponent(tz)}`)
  if (!res.ok) throw new Error(`HTTP ${res.status}`)
  data = (await res.json()) as PortalData
  // The socket is ordered and the answer is not: after a message that came while the request was
  // out, the socket's totals may be the newer ones (a later event's message brings the rest).
  const meanwhile = heard.since(mark)
  updateCounters(!meanwhile.any || !liveTotals ? data.totals : liveTotals)
  minutes = minuteData(data.minutes)
  days = seriesData(data.series)
  // Those that came while the request was out and the answer does not have happened after it.
  for (const message of meanwhile.items) if (!has(data, message)) addEvent(data, message)
  dayChart.set(days)
  minuteChart.set(minutes)
  renderLists(data)
  renderPayouts(data)
}

function has(d: PortalData, m: EventMessage): boolean {
  return m.type === 'signup'
    ? d.signups.some((s) => s.at === m.at)
    : d.conversions.some((c) => c.at === m.at && c.amount === m.amount)
}

/** A signup or conversion into the lists and the charts (redrawn by the caller). */
function addEvent(d: PortalData, m: EventMessage): void {
  const at = Date.parse(m.at) / 1000
  bump(minutes, at, m.type)
  bump(days, at, m.type)
  if (m.type === 'signup') d.signups.unshift({ at: m.at })
  else if (m.type === 'conversion' && m.amount !== undefined && m.currency)
    d.conversions.unshift({ at: m.at, amount: m.amount, currency: m.currency, refunded_amount: 0 })
}

const reload = debounce(() => void load().catch(console.error), 300)

function onLive(message: LiveMessage): void {
  heard.add(message.type === 'signup' || message.type === 'conversion' ? message : undefined)
  liveTotals = message.totals
  updateCounters(message.totals)
  if (message.type === 'snapshot' || !data) return
  advanceMinutes(minutes)
  if (message.type === 'signup' || message.type === 'conversion') {
    addEvent(data, message)
    renderLists(data)
  } else {
    const at = Date.parse(message.at) / 1000
    bump(minutes, at, message.type)
    bump(days, at, message.type)
  }
  minuteChart.set(minutes)
  dayChart.set(days)
  if (message.type === 'commission' || message.type === 'refund') reload()
}

setInterval(() => {
  advanceMinutes(minutes)
  minuteChart.set(minutes)
}, 30_000)

wireCopyButtons()
void load().catch(console.error)
connectLive({
  path: `/v1/live?token=${encodeURIComponent(token)}`,
  onMessage: onLive,
  onState: setConnection,
  onReconnect: reload,
})
