/** Pieces both pages share: live counters and feed entries. */
import type { LiveFeedItem, Totals } from '../../shared'
import { formatClock, formatCount, formatMoney, formatMoneyMap } from '../format'
import { h, setText } from './dom'

/**
 * Fills the counters marked `data-total` (or `data-range`) from `totals`; money in `currency`
 * when there is none yet, so an empty sum reads "$0.00".
 */
export function updateCounters(totals: Totals, currency?: string, attr: 'total' | 'range' = 'total'): void {
  document.querySelectorAll<HTMLElement>(`[data-${attr}]`).forEach((el) => {
    const key = el.dataset[attr] as keyof Totals
    const value = totals[key]
    const text = typeof value === 'number' ? formatCount(value) : formatMoneyMap(value ?? {}, currency)
    if (el.textContent !== text) {
      setText(el, text)
      el.classList.remove('bumped')
      // Restart the highlight animation (reflow between removing and adding the class).
      void el.offsetWidth
      el.classList.add('bumped')
    }
  })
}

const LABELS: Record<LiveFeedItem['type'], string> = {
  click: 'Click',
  signup: 'Signup',
  conversion: 'Conversion',
  refund: 'Refund',
  commission: 'Commission',
  alert: 'Alert',
}

export function feedEntry(item: LiveFeedItem, showAffiliate = true): HTMLLIElement {
  const parts: string[] = []
  if (showAffiliate) parts.push(item.affiliate ? item.affiliate.code : 'no affiliate')
  if (item.amount !== undefined && item.currency) parts.push(formatMoney(item.amount, item.currency))
  if (item.status) parts.push(item.status.replace('_', ' '))
  if (item.message) parts.push(item.message)
  return h(
    'li',
    { class: `feed-item feed-${item.type}` },
    h('time', { datetime: item.at }, formatClock(item.at)),
    h('span', { class: `badge badge-${item.type}` }, LABELS[item.type]),
    h('span', { class: 'feed-text' }, parts.join(' · ')),
  )
}

export function prependFeed(list: HTMLElement, item: LiveFeedItem, max = 50, showAffiliate = true): void {
  list.querySelector('.empty')?.remove()
  list.prepend(feedEntry(item, showAffiliate))
  while (list.children.length > max) list.lastElementChild?.remove()
}

export function statusPill(status: string): HTMLSpanElement {
  return h('span', { class: `pill pill-${status}` }, status.replace('_', ' '))
}
