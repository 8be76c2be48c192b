/**
 * The commissions page's script: loads the commissions matching the page's filters, keeps the
 * selection (checkboxes, "select all shown"), approves or rejects the selection in one call
 * (reject behind a confirmation step with an optional reason), approves everything due, and
 * opens each commission's details with its status history. Keyboard focus is never dropped to
 * <body>: a re-render puts it back on the same control, and an action that empties the
 * selection moves it to "Select all shown" (or the table).
 */
import type { CommissionHistoryEntry, CommissionRecord, ErrorCode } from '../../shared'
import { formatMoneyMap } from '../format'
import { commissionRow, detailsRow, isSelectable } from './commission-rows'
import { byId, fillBody, h } from './dom'

const COLUMNS = 7
const API = '/dashboard/api/commission-review'

const app = byId('app')
const program = app.dataset.program ?? ''
const mode = app.dataset.mode ?? 'live'
const csrf = document.querySelector<HTMLMetaElement>('meta[name="csrf-token"]')?.content ?? ''
const filters: Record<string, string> = {
  status: app.dataset.status ?? '',
  affiliate: app.dataset.affiliate ?? '',
  from: app.dataset.from ?? '',
  to: app.dataset.to ?? '',
}

class RequestError extends Error {
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message)
  }
}

async function api<T>(
  path: string,
  init: { method?: string; body?: unknown; query?: Record<string, string> } = {},
) {
  const q = new URLSearchParams({ program, mode, ...init.query })
  const res = await fetch(`${API}${path}?${q}`, {
    method: init.method ?? 'GET',
    headers: { 'x-csrf-token': csrf, ...(init.body ? { 'content-type': 'application/json' } : {}) },
    body: init.body ? JSON.stringify(init.body) : null,
    credentials: 'same-origin',
  })
  if (res.status === 401) location.assign('/dashboard/sign-in')
  const json = (await res.json()) as T & { error?: { message: string; field?: string } }
  if (!res.ok) throw new RequestError(json.error?.message ?? `HTTP ${res.status}`, json.error?.field)
  return json
}

const table = byId<HTMLTableElement>('review')
const summary = byId('review-summary')
const errorBox = byId('review-error')
const status = byId('review-status')
const selectAll = byId<HTMLInputElement>('select-all')
const selectedCount = byId('selected-count')
const approveButton = byId<HTMLButtonElement>('approve-selected')
const rejectButton = byId<HTMLButtonElement>('reject-selected')
const confirmBox = byId('reject-confirm')
const reasonInput = byId<HTMLInputElement>('reject-reason')
const dueCount = byId('due-count')
const dueButton = byId<HTMLButtonElement>('approve-due')

let list: CommissionRecord[] = []
let limit = 0
const selected = new Set<string>()
const expanded = new Set<string>()
const histories = new Map<string, CommissionHistoryEntry[] | Error>()
let busy = false

function showError(err: unknown): void {
  const e = err as RequestError
  errorBox.textContent = e.field ? `${e.field}: ${e.message}` : e.message
  errorBox.hidden = false
}

function renderSummary(): void {
  const totals: Record<string, number> = {}
  for (const c of list) totals[c.currency] = (totals[c.currency] ?? 0) + c.amount
  const n = list.length
  const parts = [`${n} commission${n === 1 ? '' : 's'} shown`, `${formatMoneyMap(totals)} in total`]
  if (n >= limit && limit > 0)
    parts.push(`only the newest ${limit} are listed and counted; narrow the filters to see the rest`)
  summary.textContent = `${parts.join(' · ')}.`
}

function renderSelection(): void {
  const selectable = list.filter(isSelectable)
  const n = selectable.filter((c) => selected.has(c.id)).length
  selectedCount.textContent = `${n} selected`
  selectAll.checked = n > 0 && n === selectable.length
  selectAll.indeterminate = n > 0 && n < selectable.length
  selectAll.disabled = selectable.length === 0
  approveButton.disabled = n === 0
  rejectButton.disabled = n === 0
  if (n === 0) confirmBox.hidden = true
  for (const row of table.querySelectorAll<HTMLTableRowElement>('tr[data-commission]'))
    row.classList.toggle('selected', selected.has(row.dataset.commission ?? ''))
}

/** Which control had focus inside the table, to put it back after the rows are rebuilt. */
function focusedControl(): { id: string; role: string } | null {
  const el = document.activeElement as HTMLElement | null
  if (!el || !table.contains(el) || !el.dataset.id || !el.dataset.role) return null
  return { id: el.dataset.id, role: el.dataset.role }
}

function render(): void {
  const keep = focusedControl()
  const rows: HTMLTableRowElement[] = []
  for (const c of list) {
    rows.push(commissionRow(c, { selected: selected.has(c.id), expanded: expanded.has(c.id) }))
    if (expanded.has(c.id)) rows.push(detailsRow(c, histories.get(c.id) ?? null, COLUMNS))
  }
  fillBody(table, rows, COLUMNS)
  renderSelection()
  if (keep) {
    const again = table.querySelector<HTMLElement>(
      `[data-id="${CSS.escape(keep.id)}"][data-role="${CSS.escape(keep.role)}"]`,
    )
    ;(again ?? table).focus()
  }
}

async function loadHistory(id: string): Promise<void> {
  try {
    histories.set(
      id,
      (await api<{ commission: { history: CommissionHistoryEntry[] } }>(`/${encodeURIComponent(id)}`))
        .commission.history,
    )
  } catch (err) {
    histories.set(id, err as Error)
  }
  if (expanded.has(id)) render()
}

async function reload(): Promise<void> {
  try {
    const res = await api<{ commissions: CommissionRecord[]; limit: number; due: number }>('', {
      query: Object.fromEntries(Object.entries(filters).filter(([, v]) => v)),
    })
    errorBox.hidden = true
    list = res.commissions
    limit = res.limit
    const shown = new Set(list.filter(isSelectable).map((c) => c.id))
    for (const id of [...selected]) if (!shown.has(id)) selected.delete(id)
    for (const id of [...expanded]) if (!list.some((c) => c.id === id)) expanded.delete(id)
    dueCount.textContent = `${res.due} due now.`
    renderSummary()
    render()
    for (const id of expanded) void loadHistory(id)
  } catch (err) {
    summary.textContent = 'Could not load the commissions.'
    showError(err)
  }
}

type BulkResult =
  | { id: string; ok: true; commission: CommissionRecord }
  | { id: string; ok: false; error: { code: ErrorCode; message: string } }

/** Focus for after the selection empties: "Select all shown" while it is usable, else the table. */
function focusAfterAction(): void {
  if (!selectAll.disabled) selectAll.focus()
  else table.focus()
}

async function bulk(action: 'approve' | 'reject', reason: string): Promise<void> {
  if (busy) return
  const ids = list.filter((c) => selected.has(c.id) && isSelectable(c)).map((c) => c.id)
  if (!ids.length) return
  busy = true
  try {
    const { results } = await api<{ results: BulkResult[] }>(`/${action}`, {
      method: 'POST',
      body: { ids, ...(reason ? { reason } : {}) },
    })
    const failed = results.filter((r): r is Extract<BulkResult, { ok: false }> => !r.ok)
    for (const r of results) {
      if (r.ok) selected.delete(r.id)
      histories.delete(r.id)
    }
    confirmBox.hidden = true
    reasonInput.value = ''
    await reload()
    const done = results.length - failed.length
    const verb = action === 'approve' ? 'approved' : 'rejected'
    status.textContent =
      `${done} commission${done === 1 ? '' : 's'} ${verb}.` +
      (failed.length
        ? ` ${failed.length} could not be: ${failed.map((f) => f.error.message).join('; ')}`
        : '')
    if (failed.length) showError(new Error(status.textContent))
    focusAfterAction()
  } catch (err) {
    showError(err)
  } finally {
    busy = false
  }
}

table.addEventListener('change', (e) => {
  const box = e.target as HTMLInputElement
  if (box.dataset.role !== 'pick' || !box.dataset.id) return
  if (box.checked) selected.add(box.dataset.id)
  else selected.delete(box.dataset.id)
  renderSelection()
})

table.addEventListener('click', (e) => {
  const button = (e.target as HTMLElement).closest<HTMLButtonElement>('button[data-role="details"]')
  const id = button?.dataset.id
  if (!id) return
  if (expanded.has(id)) expanded.delete(id)
  else {
    expanded.add(id)
    if (!histories.has(id)) void loadHistory(id)
  }
  render()
})

selectAll.addEventListener('change', () => {
  for (const c of list.filter(isSelectable)) {
    if (selectAll.checked) selected.add(c.id)
    else selected.delete(c.id)
  }
  render()
})

approveButton.addEventListener('click', () => void bulk('approve', ''))
rejectButton.addEventListener('click', () => {
  const n = list.filter((c) => selected.has(c.id) && isSelectable(c)).length
  byId('reject-yes').textContent = `Yes, reject ${n}`
  confirmBox.hidden = false
  reasonInput.focus()
})
byId('reject-yes').addEventListener('click', () => void bulk('reject', reasonInput.value.trim()))
function cancelReject(): void {
  confirmBox.hidden = true
  rejectButton.focus()
}
byId('reject-cancel').addEventListener('click', cancelReject)
confirmBox.addEventListener('keydown', (e) => {
  if (e.key === 'Escape') cancelReject()
  if (e.key === 'Enter' && e.target === reasonInput) void bulk('reject', reasonInput.value.trim())
})

dueButton.addEventListener('click', async () => {
  if (busy) return
  busy = true
  dueButton.setAttribute('aria-busy', 'true')
  try {
    const { approved } = await api<{ approved: number }>('/approve-due', { method: 'POST' })
    histories.clear()
    await reload()
    status.textContent = `${approved} due commission${approved === 1 ? '' : 's'} approved.`
    dueCount.textContent = `${approved} approved; ${dueCount.textContent}`
  } catch (err) {
    showError(err)
  } finally {
    busy = false
    dueButton.removeAttribute('aria-busy')
  }
})

table.dataset.empty = table.dataset.empty ?? 'No commissions.'
table.tBodies[0]?.append(h('tr', {}, h('td', { colspan: COLUMNS, class: 'empty' }, 'Loading…')))
void reload()
