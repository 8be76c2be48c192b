/**
 * Fills the portal's balance and payout history (pages/portal-payouts.tsx) from `data.json`:
 * one row per status, each currency shown apart (never summed together).
 */
import type { AffiliateBalance, PortalPayout } from '../../shared'
import { formatMoney, formatMoneyMap } from '../format'
import { byId, fillBody, h, setText } from './dom'
import { statusPill } from './widgets'

export interface PortalPayoutData {
  balance: AffiliateBalance
  payouts: PortalPayout[]
  next_payout: string
}

const ROWS: Array<{ key: 'pending' | 'approved' | 'paid'; label: string; hint: string }> = [
  { key: 'pending', label: 'Pending', hint: 'in their hold period or on hold' },
  { key: 'approved', label: 'Approved', hint: 'payable, net of refunds after payment' },
  { key: 'paid', label: 'Paid', hint: 'sent to you' },
]

export function renderPayouts(d: PortalPayoutData): void {
  const rows = ROWS.map((r) => {
    const inPayout = r.key === 'approved' ? d.balance.in_payout : {}
    return h(
      'tr',
      { 'data-balance': r.key },
      h('th', { scope: 'row' }, r.label, h('span', { class: 'muted reason' }, r.hint)),
      h(
        'td',
        { class: 'num' },
        formatMoneyMap(d.balance[r.key]),
        Object.values(inPayout).some((v) => v !== 0)
          ? h('span', { class: 'muted reason' }, `${formatMoneyMap(inPayout)} in a payout being prepared`)
          : null,
      ),
    )
  })
  fillBody(byId<HTMLTableElement>('balance'), rows, 2)
  setText(byId('next-payout'), `Next payout: ${d.next_payout}`)
  fillBody(
    byId<HTMLTableElement>('payouts'),
    d.payouts.map((p) =>
      h(
        'tr',
        { 'data-payout': p.id },
        h('td', {}, p.period_end.slice(0, 10)),
        h('td', { class: 'num' }, formatMoney(p.amount, p.currency)),
        h('td', {}, statusPill(p.status)),
        h('td', { class: 'muted' }, p.paid_at ? p.paid_at.slice(0, 10) : 'being prepared'),
      ),
    ),
    4,
  )
}
