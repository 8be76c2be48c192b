/**
 * The payouts page's client script: lists payouts, creates one, shows a payout's lines with its
 * CSV downloads, and marks it paid after an in-page confirmation (no `window.confirm`).
 */
import type { PayoutRecord } from '../../shared'
import { formatMoney, formatMoneyMap } from '../format'
import { byId, fillBody, h, setText } from './dom'
import { statusPill } from './widgets'

const app = byId('app')
const program = app.dataset.program ?? ''
const mode = app.dataset.mode ?? 'live'
const csrf = document.querySelector<HTMLMetaElement>('meta[name="csrf-token"]')?.content ?? ''

function url(path: string, query: Record<string, string> = {}): string {
  return `/dashboard/api/${path}?${new URLSearchParams({ program, mode, ...query })}`
}

async function api<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const res = await fetch(url(path), {
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

let payouts: PayoutRecord[] = []
let selected: string | null = null
let confirming = false

const day = (iso: string | null) => (iso ? iso.slice(0, 10) : '')

function renderList(): void {
  fillBody(
    byId<HTMLTableElement>('payout-list'),
    payouts.map((p) =>
      h(
        'tr',
        { 'data-payout': p.id, class: p.id === selected ? 'selected' : undefined },
        h('td', {}, day(p.created_at)),
        h('td', {}, day(p.period_end)),
        h('td', {}, statusPill(p.status)),
        h('td', { class: 'num' }, formatMoneyMap(p.totals)),
        h('td', { class: 'num' }, String(p.items.length)),
        h(
          'td',
          { class: 'actions' },
          h('button', { type: 'button', 'data-action': 'review', 'data-id': p.id }, 'Review'),
        ),
      ),
    ),
    6,
  )
}

function renderDetail(): void {
  const section = byId('payout-detail')
  const p = payouts.find((x) => x.id === selected)
  if (!p) {
    section.hidden = true
    return
  }
  section.hidden = false
  setText(byId('payout-title'), `Payout ${p.id}`)
  byId('payout-status-pill').replaceChildren(statusPill(p.status))
  setText(
    byId('payout-summary'),
    `Commissions up to ${day(p.period_end)} · created ${day(p.created_at)}${p.paid_at ? ` · paid ${day(p.paid_at)}` : ''} · total ${formatMoneyMap(p.totals)}`,
  )
  fillBody(
    byId<HTMLTableElement>('payout-items'),
    p.items.map((i) =>
      h(
        'tr',
        {},
        h(
          'th',
          { scope: 'row' },
          h('span', { class: 'aff-name' }, i.affiliate.name),
          h('span', { class: 'aff-code' }, i.affiliate.code),
        ),
        h('td', {}, i.affiliate.email ?? 'hidden (live affiliate)'),
        h('td', { class: 'num' }, formatMoney(i.amount, i.currency)),
        h('td', { class: 'num' }, String(i.commission_ids.length)),
      ),
    ),
    4,
  )
  const currencies = Object.keys(p.totals).sort()
  byId('payout-downloads').replaceChildren(
    ...currencies.map((cur) =>
      h(
        'a',
        { class: 'button', href: url(`payouts/${p.id}/paypal.csv`, { currency: cur }), download: '' },
        `PayPal CSV (${cur})`,
      ),
    ),
    h('a', { class: 'button', href: url(`payouts/${p.id}/export.csv`), download: '' }, 'Export CSV'),
  )
  const actions = byId('payout-actions')
  if (p.status === 'paid') {
    actions.replaceChildren(h('span', { class: 'muted' }, `Marked paid on ${day(p.paid_at)}.`))
  } else if (confirming) {
    actions.replaceChildren(
      h(
        'span',
        { class: 'confirm' },
        `Mark ${formatMoneyMap(p.totals)} paid to ${p.items.length} affiliate(s)? Do this once the money has been sent.`,
      ),
      h('button', { type: 'button', class: 'primary', 'data-action': 'confirm-paid' }, 'Yes, mark paid'),
      h('button', { type: 'button', 'data-action': 'cancel-paid' }, 'Cancel'),
    )
  } else {
    actions.replaceChildren(h('button', { type: 'button', 'data-action': 'paid' }, 'Mark paid…'))
  }
}

async function load(): Promise<void> {
  payouts = (await api<{ payouts: PayoutRecord[] }>('payouts')).payouts
  renderList()
  renderDetail()
}

function select(id: string): void {
  selected = id
  confirming = false
  renderList()
  renderDetail()
}

byId('payout-list').addEventListener('click', (e) => {
  const b = (e.target as HTMLElement).closest<HTMLButtonElement>('button[data-action="review"]')
  if (b?.dataset.id) select(b.dataset.id)
})

byId('payout-actions').addEventListener('click', (e) => {
  const action = (e.target as HTMLElement).closest<HTMLButtonElement>('button')?.dataset.action
  if (!action || !selected) return
  if (action === 'paid' || action === 'cancel-paid') {
    confirming = action === 'paid'
    renderDetail()
    byId('payout-actions').querySelector('button')?.focus()
    return
  }
  if (action === 'confirm-paid') {
    const id = selected
    void api<{ payout: PayoutRecord }>(`payouts/${id}/paid`, { method: 'POST' })
      .then(async () => {
        confirming = false
        await load()
        setText(byId('payout-message'), `Payout ${id} marked paid.`)
      })
      .catch((err: Error) => setText(byId('payout-message'), err.message))
  }
})

const form = byId<HTMLFormElement>('new-payout')
form.addEventListener('submit', (e) => {
  e.preventDefault()
  const error = form.querySelector<HTMLElement>('.error')
  if (error) error.hidden = true
  const date = String(new FormData(form).get('period_end') ?? '')
  void api<{ payout: PayoutRecord | null }>('payouts', {
    method: 'POST',
    body: date ? { period_end: date } : {},
  })
    .then(async ({ payout }) => {
      setText(
        byId('new-payout-result'),
        payout
          ? `Payout ${payout.id} created: ${formatMoneyMap(payout.totals)} to ${payout.items.length} affiliate(s).`
          : 'Nothing is due: no approved balance reaches its minimum payout.',
      )
      await load()
      if (payout) select(payout.id)
    })
    .catch((err: Error) => {
      if (error) {
        error.textContent = err.message
        error.hidden = false
      }
    })
})

void load().catch((err: Error) => setText(byId('new-payout-result'), err.message))
