/**
 * Turns hourly rollup rows into totals and a gap-free series bucketed by hour or by local day in
 * an IANA time zone. Pure: the stats route queries, this shapes.
 */
import type { SeriesPoint, Totals } from '../shared'
import { emptyTotals } from '../shared'
import { BoundedCache } from './bounded-cache'

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
const DAY = 86_400_000

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

/**
 * One local-day formatter per time zone, kept: building an `Intl.DateTimeFormat` costs far more
 * than using one (in Node's V8, 130–360 µs against about 3 µs a call), and every stats read by
 * day needs one. Bounded in entries; only names that are valid zones get in.
 */
const dayFormats = new BoundedCache<Intl.DateTimeFormat>({ maxEntries: 64 })

function dayFormat(tz: string): Intl.DateTimeFormat {
  let format = dayFormats.get(tz, 0)
  if (!format) {
    format = new Intl.DateTimeFormat('en-CA', {
      timeZone: tz,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
    })
    dayFormats.set(tz, format, Number.POSITIVE_INFINITY)
  }
  return format
}

export function isTimeZone(tz: string): boolean {
  try {
    dayFormat(tz)
    return true
  } catch {
    return false
  }
}

/** Zone names that are UTC itself, whose days are the UTC days: no `Intl` call needed. */
const UTC_NAMES: ReadonlySet<string> = new Set([
  'UTC',
  'Etc/UTC',
  'Etc/GMT',
  'GMT',
  'Etc/Universal',
  'Etc/Zulu',
])

/**
 * The start (ms) of every bucket from `fromHour` to `toHour` (ms at the start of an hour, both
 * included): each hour, or each run of hours whose start falls on one local day of `tz`. An hour
 * belongs to the local day of its first instant, as it always has.
 *
 * Local days are 23 to 25 hours long, so the next day's first hour is looked for 24 hours on,
 * then an hour either side, then by bisection: about two `Intl` calls a day where one per hour
 * (8,760 a year, ~30–100 ms in workerd) made the year's series the slowest part of a stats read.
 * Local dates never go back as time goes on, which is what makes the bisection sound.
 */
export function bucketStarts(
  fromHour: number,
  toHour: number,
  interval: 'hour' | 'day',
  tz: string,
): number[] {
  const starts: number[] = []
  if (interval === 'hour') {
    for (let h = fromHour; h <= toHour; h += HOUR) starts.push(h)
    return starts
  }
  if (UTC_NAMES.has(tz)) {
    for (let h = fromHour; h <= toHour; h = Math.floor(h / DAY) * DAY + DAY) starts.push(h)
    return starts
  }
  const dayOf = dayFormat(tz)
  // Each hour is formatted once: the hour found as the next day's start is asked again as the
  // next bucket's day. About three hours a day, dropped on return.
  const seen = new Map<number, string>()
  const day = (at: number) => {
    let d = seen.get(at)
    if (d === undefined) {
      d = dayOf.format(at)
      seen.set(at, d)
    }
    return d
  }
  let h = fromHour
  while (h <= toHour) {
    starts.push(h)
    const key = day(h)
    // The first hour after h on another local day, within (h, h + 26 h].
    let lo = h // on `key`
    let hi = h + 24 * HOUR
    if (day(hi) === key) {
      lo = hi
      hi = h + 26 * HOUR
      while (day(hi) === key) {
        lo = hi
        hi += 24 * HOUR
      }
    } else if (day(hi - HOUR) !== key) {
      hi -= HOUR
    } else {
      lo = hi - HOUR
    }
    while (hi - lo > HOUR) {
      const mid = lo + Math.floor((hi - lo) / HOUR / 2) * HOUR
      if (day(mid) === key) lo = mid
      else hi = mid
    }
    h = hi
  }
  return starts
}

/** The index of the bucket holding `t` (ms): the last start at or before it. */
export function bucketIndex(starts: number[], t: number): number {
  let lo = 0
  let hi = starts.length - 1
  if (t < (starts[0] ?? 0)) return -1
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1
    if ((starts[mid] as number) <= t) lo = mid
    else hi = mid - 1
  }
  return lo
}

/** 'YYYY-MM-DDTHH' (or 'YYYY-MM-DD') as ms. */
export function hourKeyMs(key: string): number {
  return Date.parse(key.length === 10 ? `${key}T00:00:00Z` : `${key}:00:00Z`)
}

/**
 * Buckets every hour from `fromHour` to `toHour` (ms, inclusive) and sums the rows into them.
 * A row is placed by its own hour, unless it names another (`bucket_hour`, ms): a whole UTC
 * day's row goes to the bucket that holds most of its hours, and its other hours come as rows
 * of their own, once added where they belong and once taken back from the day (`sign: -1`).
 */
export function buildSeries(
  rows: Array<RollupSums & { bucket_hour?: number; sign?: 1 | -1 }>,
  fromHour: number,
  toHour: number,
  interval: 'hour' | 'day',
  tz: string,
  starts = bucketStarts(fromHour, toHour, interval, tz),
): SeriesPoint[] {
  const points: SeriesPoint[] = starts.map((t) => ({ t: new Date(t).toISOString(), ...emptyTotals() }))
  for (const r of rows) {
    const t = r.bucket_hour ?? hourKeyMs(r.hour)
    if (t < fromHour || t > toHour) continue
    const point = points[bucketIndex(starts, t)]
    if (!point) continue
    if (r.sign === -1) {
      addSums(point, {
        ...r,
        clicks: -r.clicks,
        unique_clicks: -r.unique_clicks,
        signups: -r.signups,
        conversions: -r.conversions,
        refunds: -r.refunds,
        revenue: -r.revenue,
        commission: -r.commission,
      })
    } else addSums(point, r)
  }
  return points.map(withoutZeroCurrencies)
}

/**
 * A series point lists a currency only where it has revenue or commission: a whole day's row and
 * the hours taken back from it would otherwise leave `"EUR": 0` where no hour had any.
 */
function withoutZeroCurrencies(p: SeriesPoint): SeriesPoint {
  for (const c of Object.keys(p.revenue)) {
    if (!p.revenue[c] && !p.commission[c]) {
      delete p.revenue[c]
      delete p.commission[c]
    }
  }
  return p
}

/** The plain form of buildSeries, one `Intl` call per hour: the reference it is tested against. */
export function buildSeriesByHour(
  rows: RollupSums[],
  fromHour: number,
  toHour: number,
  interval: 'hour' | 'day',
  tz: string,
): SeriesPoint[] {
  const dayOf = dayFormat(tz)
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
  return points.map(withoutZeroCurrencies)
}
