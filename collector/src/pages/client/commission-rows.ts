/**
 * Rows of the commissions page: one per commission (checkbox, affiliate, rule, amount, status,
 * created, a Details toggle) and, when toggled open, a details row with its status history.
 * Rendering only; the page script (commissions.ts) owns the state and the actions.
 */
import { ruleLabel } from '../../commissions/rule-label'
import type { CommissionHistoryEntry, CommissionRecord } from '../../shared'
import { formatMoney } from '../format'
import { h } from './dom'
import { statusPill } from './widgets'

/** A commission the founder can still approve or reject (the hub refuses the others). */
export function isSelectable(c: CommissionRecord): boolean {
  return c.kind !== 'clawback' && ['pending', 'on_hold', 'approved'].includes(c.status)
}

/** "2026-12-01 14:05 UTC": the page's one time format (UTC, like the filters). */
export function utcTime(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`
}

const KINDS: Record<string, string> = { conversion: 'Conversion', signup: 'Signup', clawback: 'Clawback' }

const EVENTS: Record<string, string> = {
  created: 'Created',
  approved: 'Approved',
  rejected: 'Rejected',
  on_hold: 'Put on hold',
  reversed: 'Reversed',
  reduced: 'Reduced',
  restored: 'Restored',
  clawback: 'Clawback raised',
  paid: 'Paid',
}

const ACTORS: Record<string, string> = {
  event: 'by the event',
  founder: 'by you',
  hold_end: 'when the hold ended',
  refund: 'by a refund',
  dispute: 'by a dispute',
  payout: 'by a payout',
}

export interface RowState {
  selected: boolean
  expanded: boolean
}

export function commissionRow(c: CommissionRecord, s: RowState): HTMLTableRowElement {
  const shown = c.status === 'rejected' || c.status === 'reversed' ? c.original_amount : c.amount
  const who = `${c.affiliate.name}, ${formatMoney(shown, c.currency)}`
  return h(
    'tr',
    { 'data-commission': c.id, class: s.selected ? 'selected' : undefined },
    h(
      'td',
      { class: 'pick', 'data-label': 'Select' },
      isSelectable(c)
        ? h('input', {
            type: 'checkbox',
            'data-role': 'pick',
            'data-id': c.id,
            checked: s.selected,
            'aria-label': `Select ${who}`,
          })
        : h('span', { class: 'muted', title: 'Cannot be approved or rejected' }, '–'),
    ),
    h(
      'th',
      { scope: 'row', 'data-label': 'Affiliate' },
      h('span', { class: 'aff-name' }, c.affiliate.name),
      h('span', { class: 'aff-code' }, c.affiliate.code),
    ),
    h(
      'td',
      { 'data-label': 'Rule', class: 'rule' },
      h('span', { class: 'kind' }, KINDS[c.kind] ?? c.kind),
      ' ',
      ruleLabel(c.kind, c.rule, c.currency),
    ),
    h(
      'td',
      { class: `num${shown !== c.amount ? ' struck' : ''}`, 'data-label': 'Amount' },
      formatMoney(shown, c.currency),
    ),
    h(
      'td',
      { 'data-label': 'Status' },
      statusPill(c.status),
      c.reason ? h('span', { class: 'muted reason' }, c.reason.replace(/_/g, ' ')) : null,
    ),
    h('td', { class: 'muted', 'data-label': 'Created' }, utcTime(c.created_at)),
    h(
      'td',
      { class: 'actions', 'data-label': 'Details' },
      h(
        'button',
        {
          type: 'button',
          'data-role': 'details',
          'data-id': c.id,
          'aria-expanded': String(s.expanded),
          'aria-controls': `details-${c.id}`,
          // The visible words start the name (WCAG 2.5.3, label in name).
          'aria-label': `${s.expanded ? 'Hide details' : 'Details'} of ${who}`,
        },
        s.expanded ? 'Hide details' : 'Details',
      ),
    ),
  )
}

/** The journey of the customer a commission was earned on, in the page's program and mode. */
function journeyLink(earnedOn: string): string {
  const page = new URLSearchParams(location.search)
  const q = new URLSearchParams({
    program: page.get('program') ?? '',
    mode: page.get('mode') === 'test' ? 'test' : 'live',
    earned_on: earnedOn,
  })
  return `/dashboard/journey?${q}`
}

/** The details row under a commission: what produced it, and its history (null: still loading). */
export function detailsRow(
  c: CommissionRecord,
  history: CommissionHistoryEntry[] | null | Error,
  columns: number,
): HTMLTableRowElement {
  const facts = h(
    'dl',
    { class: 'facts' },
    h('dt', {}, 'Rule'),
    h('dd', {}, ruleLabel(c.kind, c.rule, c.currency)),
    h('dt', {}, c.kind === 'signup' ? 'Signup' : 'Conversion'),
    h(
      'dd',
      {},
      h('code', {}, c.conversion_id),
      ' ',
      h('a', { href: journeyLink(c.conversion_id) }, 'Customer journey'),
    ),
    h('dt', {}, 'Payable from'),
    h('dd', {}, c.due_at ? utcTime(c.due_at) : '—'),
    h('dt', {}, 'Id'),
    h('dd', {}, h('code', {}, c.id)),
  )
  let list: HTMLElement
  if (history === null) list = h('p', { class: 'muted' }, 'Loading history…')
  else if (history instanceof Error)
    list = h('p', { class: 'error' }, `History unavailable: ${history.message}`)
  else if (!history.length)
    list = h('p', { class: 'muted' }, 'No history recorded (made before history was kept).')
  else
    list = h(
      'ol',
      { class: 'history' },
      ...history.map((e) =>
        h(
          'li',
          {},
          h('time', { datetime: e.at }, utcTime(e.at)),
          ' ',
          h('strong', {}, EVENTS[e.type] ?? e.type),
          ` ${ACTORS[e.actor] ?? `by ${e.actor}`} → `,
          statusPill(e.status),
          ` ${formatMoney(e.amount, c.currency)}`,
          e.reason ? h('span', { class: 'muted reason' }, ` · reason: ${e.reason}`) : null,
        ),
      ),
    )
  return h(
    'tr',
    { class: 'details', id: `details-${c.id}`, 'data-details': c.id },
    h(
      'td',
      { colspan: columns },
      h(
        'div',
        { class: 'details-body', role: 'region', 'aria-label': `Commission ${c.id}` },
        facts,
        h('h3', {}, 'History'),
        list,
      ),
    ),
  )
}
