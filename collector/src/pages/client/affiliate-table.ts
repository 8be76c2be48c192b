/**
 * The dashboard's affiliate table: one row per affiliate over the filtered range (clicks,
 * signups, conversions, refunds, conversion rate, revenue, commission, last activity), sorted by
 * the column whose header button was pressed last; the header carries `aria-sort`. Each cell
 * keeps its raw value in `data-sort-value`, so what it is sorted by can be checked.
 */
import type { Totals } from '../../shared'
import { formatAgo, formatCount, formatMoneyMap, formatRate } from '../format'
import { fillBody, h } from './dom'

export interface AffiliateRow {
  id: string
  code: string
  name: string
  totals: Totals
  /** Last activity within the filters (to the hour from the rollups, exact from live events). */
  last: string | null
  disabled: boolean
}

type Sortable = number | string

const moneySum = (m: Record<string, number>) => Object.values(m).reduce((a, b) => a + b, 0)

interface Column {
  key: string
  value(r: AffiliateRow): Sortable
  text(r: AffiliateRow, currency: string): string
  title?: string
}

const COLUMNS: Column[] = [
  { key: 'clicks', value: (r) => r.totals.clicks, text: (r) => formatCount(r.totals.clicks) },
  { key: 'signups', value: (r) => r.totals.signups, text: (r) => formatCount(r.totals.signups) },
  {
    key: 'conversions',
    value: (r) => r.totals.conversions,
    text: (r) => formatCount(r.totals.conversions),
  },
  { key: 'refunds', value: (r) => r.totals.refunds, text: (r) => formatCount(r.totals.refunds) },
  {
    key: 'rate',
    value: (r) => (r.totals.clicks ? r.totals.conversions / r.totals.clicks : -1),
    text: (r) => formatRate(r.totals.conversions, r.totals.clicks),
    title: 'Conversions ÷ clicks',
  },
  {
    key: 'revenue',
    value: (r) => moneySum(r.totals.revenue),
    text: (r, cur) => formatMoneyMap(r.totals.revenue, cur),
    title: 'Net of refunds',
  },
  {
    key: 'commission',
    value: (r) => moneySum(r.totals.commission),
    text: (r, cur) => formatMoneyMap(r.totals.commission, cur),
  },
  { key: 'last', value: (r) => r.last ?? '', text: (r) => formatAgo(r.last, Date.now(), 'none in range') },
]

const NAME: Column = { key: 'name', value: (r) => r.name.toLowerCase(), text: (r) => r.name }

export interface AffiliateTable {
  rows: AffiliateRow[]
  currency: string
  render(): void
}

export function createAffiliateTable(table: HTMLTableElement): AffiliateTable {
  let sort: { key: string; dir: 1 | -1 } = { key: 'commission', dir: -1 }
  table.dataset.empty = 'No affiliates yet: create one on the right.'

  const state: AffiliateTable = {
    rows: [],
    currency: '',
    render() {
      const column = [NAME, ...COLUMNS].find((c) => c.key === sort.key) ?? NAME
      const sorted = [...state.rows].sort((a, b) => {
        const x = column.value(a)
        const y = column.value(b)
        return (x < y ? -1 : x > y ? 1 : 0) * sort.dir || a.name.localeCompare(b.name)
      })
      fillBody(
        table,
        sorted.map((r) =>
          h(
            'tr',
            { 'data-affiliate': r.id },
            h(
              'th',
              { scope: 'row', 'data-sort-value': NAME.value(r) },
              h(
                'a',
                {
                  class: 'aff-name',
                  href: `/dashboard/affiliates/${encodeURIComponent(r.id)}${location.search}`,
                },
                r.name,
              ),
              h('span', { class: 'aff-code' }, r.disabled ? `${r.code} · disabled` : r.code),
            ),
            ...COLUMNS.map((c) =>
              h(
                'td',
                {
                  class: c.key === 'last' ? 'num muted' : 'num',
                  'data-col': c.key,
                  'data-sort-value': c.value(r),
                  title: c.title,
                },
                c.text(r, state.currency),
              ),
            ),
          ),
        ),
        COLUMNS.length + 1,
      )
      table.querySelectorAll<HTMLElement>('th[aria-sort]').forEach((th) => {
        const k = th.querySelector<HTMLElement>('[data-sort]')?.dataset.sort
        th.setAttribute('aria-sort', k === sort.key ? (sort.dir === 1 ? 'ascending' : 'descending') : 'none')
      })
    },
  }

  table.tHead?.addEventListener('click', (e) => {
    const button = (e.target as HTMLElement).closest<HTMLElement>('[data-sort]')
    if (!button) return
    const key = button.dataset.sort ?? 'name'
    // A new column starts A→Z for names and largest first for numbers; the same column flips.
    sort = { key, dir: sort.key === key ? (sort.dir === 1 ? -1 : 1) : key === 'name' ? 1 : -1 }
    state.render()
  })
  return state
}
