/**
 * Turns hourly rollup rows into totals and a gap-free series bucketed by hour or by local day in
 * an IANA time zone. Pure: the stats route queries, this shapes.
 */
import type { SeriesPoint, Totals } from '../shared'
import { emptyTotals } from '../shared'

export interface RollupSums {
  hour: string
  currency: string
  clicks: number
  unique_clicks: number
  signups: number
  conversions: number
  refunds: number
  revenue: number
  commission: number
}

const HOUR = 3_600_000

export function addSums(t: Totals, r: Omit<RollupSums, 'hour'>): void {
  t.clicks += r.clicks
  t.unique_clicks += r.unique_clicks
  t.signups += r.signups
  t.conversions += r.conversions
  t.refunds += r.refunds
  if (r.currency) {
    t.revenue[r.currency] = (t.revenue[r.currency] ?? 0) + r.revenue
    t.commission[r.currency] = (t.commission[r.currency] ?? 0) + r.commission
  }
}

export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz })
    return true
  } catch {
    return false
  }
}

/** Buckets every hour from `fromHour` to `toHour` (ms, inclusive) and sums the rows into them. */
export function buildSeries(
  rows: RollupSums[],
  fromHour: number,
  toHour: number,
  interval: 'hour' | 'day',
  tz: string,
): SeriesPoint[] {
  const dayOf = new Intl.DateTimeFormat('en-CA', {
    timeZone: tz,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  })
  const points: SeriesPoint[] = []
  const bucketOfHour = new Map<string, SeriesPoint>()
  let currentKey = ''
  for (let h = fromHour; h <= toHour; h += HOUR) {
    const key = interval === 'hour' ? String(h) : dayOf.format(h)
    if (key !== currentKey) {
      points.push({ t: new Date(h).toISOString(), ...emptyTotals() })
      currentKey = key
    }
    bucketOfHour.set(new Date(h).toISOString().slice(0, 13), points[points.length - 1] as SeriesPoint)
  }
  for (const r of rows) {
    const point = bucketOfHour.get(r.hour)
    if (point) addSums(point, r)
  }
  return points
}
