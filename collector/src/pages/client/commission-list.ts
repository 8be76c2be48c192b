/**
 * The dashboard's commission list: status tabs, Approve, and Reject behind a confirmation step
 * in the row itself (no `window.confirm`, which blocks the page and can't be styled or tested).
 * Keyboard focus is never dropped to <body>: after an action it moves to the next row's first
 * action (or to the table when none is left), a refetch keeps focus on the same button, and the
 * outcome is announced in a status region.
 */
import type { CommissionRecord } from '../../shared'
import { formatMoney } from '../format'
import { byId, fillBody, h } from './dom'
import { statusPill } from './widgets'

export interface CommissionListOptions {
  load(status: string): Promise<CommissionRecord[]>
  act(id: string, action: 'approve' | 'reject'): Promise<void>
}

const REVIEWABLE = ['pending', 'on_hold']

function button(label: string, action: string, id: string, cls?: string): HTMLButtonElement {
  return h('button', { type: 'button', class: cls, 'data-action': action, 'data-id': id }, label)
}

export function createCommissionList(o: CommissionListOptions): { reload(): Promise<void> } {
  const table = byId<HTMLTableElement>('commissions')
  const status = byId('commission-status')
  let tab = 'pending,on_hold'
  let list: CommissionRecord[] = []
  let confirming: string | null = null
  let shownIds: string[] = []

  function actions(c: CommissionRecord): HTMLTableCellElement {
    const cell = h('td', { class: 'actions' })
    if (c.kind !== 'conversion') return cell
    if (confirming === c.id) {
      cell.append(
        h('span', { class: 'confirm' }, 'Reject this commission?'),
        button('Yes, reject', 'confirm-reject', c.id, 'danger'),
        button('Cancel', 'cancel-reject', c.id),
      )
      return cell
    }
    if (REVIEWABLE.includes(c.status)) cell.append(button('Approve', 'approve', c.id))
    if ([...REVIEWABLE, 'approved'].includes(c.status))
      cell.append(button('Reject', 'reject', c.id, 'danger'))
    return cell
  }

  function render(): void {
    // Keep focus on the same button across a re-render (live refetches happen mid-keystroke).
    const active = document.activeElement as HTMLElement | null
    const keep = table.contains(active) ? { id: active?.dataset.id, action: active?.dataset.action } : null
    const keptIndex = keep?.id ? shownIds.indexOf(keep.id) : -1
    shownIds = list.map((c) => c.id)
    if (confirming && !list.some((c) => c.id === confirming)) confirming = null
    table.dataset.empty = tab.startsWith('pending') ? 'Nothing to review.' : 'No commissions.'
    fillBody(
      table,
      list.map((c) => {
        const shown = c.status === 'rejected' || c.status === 'reversed' ? c.original_amount : c.amount
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
          actions(c),
        )
      }),
      5,
    )
    if (keep?.id) {
      const again = table.querySelector<HTMLElement>(
        `button[data-id="${CSS.escape(keep.id)}"][data-action="${CSS.escape(keep.action ?? '')}"]`,
      )
      if (again) again.focus()
      else focusFrom(keptIndex)
    }
  }

  /** Focuses the first action of the row at `index` or after it, else the table itself. */
  function focusFrom(index: number): void {
    const rows = [...table.querySelectorAll<HTMLTableRowElement>('tbody tr[data-commission]')]
    for (const row of rows.slice(Math.max(0, index))) {
      const first = row.querySelector<HTMLButtonElement>('button[data-action]')
      if (first) {
        first.focus()
        return
      }
    }
    table.focus()
  }

  async function reload(): Promise<void> {
    list = await o.load(tab)
    render()
  }

  async function run(id: string, action: 'approve' | 'reject', target: HTMLButtonElement): Promise<void> {
    const index = list.findIndex((c) => c.id === id)
    target.disabled = true
    try {
      await o.act(id, action)
      confirming = null
      list = await o.load(tab)
      render()
      // The row is gone from "To review"; in other tabs it stays, and focus moves past it.
      const stays = list.some((c) => c.id === id)
      focusFrom(stays ? index + 1 : index)
      status.textContent = action === 'approve' ? 'Commission approved.' : 'Commission rejected.'
    } catch (err) {
      target.disabled = false
      status.textContent = `Could not ${action} the commission: ${(err as Error).message}`
      alert((err as Error).message)
    }
  }

  table.addEventListener('click', (e) => {
    const target = (e.target as HTMLElement).closest<HTMLButtonElement>('button[data-action]')
    const id = target?.dataset.id
    if (!target || !id) return
    const action = target.dataset.action
    if (action === 'approve') void run(id, 'approve', target)
    else if (action === 'confirm-reject') void run(id, 'reject', target)
    else if (action === 'reject' || action === 'cancel-reject') {
      confirming = action === 'reject' ? id : null
      render()
      table
        .querySelector<HTMLElement>(
          `button[data-id="${CSS.escape(id)}"][data-action="${action === 'reject' ? 'cancel-reject' : 'reject'}"]`,
        )
        ?.focus()
    }
  })

  table.addEventListener('keydown', (e) => {
    if (e.key !== 'Escape' || !confirming) return
    const id = confirming
    confirming = null
    render()
    table.querySelector<HTMLElement>(`button[data-id="${CSS.escape(id)}"][data-action="reject"]`)?.focus()
  })

  document.querySelectorAll<HTMLButtonElement>('.tabs [data-status]').forEach((t) => {
    t.addEventListener('click', () => {
      tab = t.dataset.status ?? ''
      confirming = null
      document.querySelectorAll('.tabs [data-status]').forEach((x) => {
        x.setAttribute('aria-pressed', String(x === t))
      })
      void reload().catch(console.error)
    })
  })

  return { reload }
}
