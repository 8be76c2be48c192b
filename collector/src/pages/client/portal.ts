/**
 * The affiliate portal's client script: fills the chart and lists from `data.json`, then keeps
 * them live from `/v1/live?token=<portal token>`; the hub sends this socket only this
 * affiliate's events. A reconnect refetches everything.
 */
import type { LiveMessage, MinutePoint, SeriesPoint, Totals } from '../../shared'
import { formatMoney } from '../format'
import { advanceMinutes, bump, type ChartData, createChart, minuteData, seriesData } from './charts'
import { byId, debounce, fillBody, h, setConnection, wireCopyButtons } from './dom'
import { connectLive } from './live'
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

async function load(): Promise<void> {
  const res = await fetch(`/portal/${encodeURIComponent(token)}/data.json?tz=${encodeURIComponent(tz)}`)
  if (!res.ok) throw new Error(`HTTP ${res.status}`)
  data = (await res.json()) as PortalData
  updateCounters(data.totals)
  minutes = minuteData(data.minutes)
  minuteChart.set(minutes)
  days = seriesData(data.series)
  dayChart.set(days)
  renderLists(data)
  renderPayouts(data)
}

const reload = debounce(() => void load().catch(console.error), 300)

function onLive(message: LiveMessage): void {
  updateCounters(message.totals)
  if (message.type === 'snapshot' || !data) return
  const at = Date.parse(message.at) / 1000
  advanceMinutes(minutes)
  if (bump(minutes, at, message.type)) minuteChart.set(minutes)
  if (bump(days, at, message.type)) dayChart.set(days)
  if (message.type === 'signup') {
    data.signups.unshift({ at: message.at })
    renderLists(data)
  } else if (message.type === 'conversion' && message.amount !== undefined && message.currency) {
    data.conversions.unshift({
      at: message.at,
      amount: message.amount,
      currency: message.currency,
      refunded_amount: 0,
    })
    renderLists(data)
  } else if (message.type === 'commission' || message.type === 'refund') {
    reload()
  }
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
