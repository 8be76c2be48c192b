/**
 * Splits an hour range into the coarsest rollup grains that cover it exactly: whole UTC months
 * in the middle, whole UTC days around them, single hours at the edges. Pure: stats-query turns
 * the pieces into one SQL statement over `rollup_months`, `rollup_days` and `rollups`.
 */

const HOUR = 3_600_000
const DAY = 86_400_000

/** Half-open ranges `[from, to)` as the grain's own keys ('YYYY-MM-DDTHH', 'YYYY-MM-DD', 'YYYY-MM'). */
export interface GrainCover {
  hours: Array<[string, string]>
  days: Array<[string, string]>
  months: Array<[string, string]>
}

const hourKey = (t: number) => new Date(t).toISOString().slice(0, 13)
const dayKey = (t: number) => new Date(t).toISOString().slice(0, 10)
const monthKey = (t: number) => new Date(t).toISOString().slice(0, 7)

function monthStart(t: number): number {
  const d = new Date(t)
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1)
}

function nextMonth(t: number): number {
  const d = new Date(t)
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1)
}

/**
 * Covers every hour from `fromHour` to `toHour` (ms at the start of an hour, both included).
 *
 * @example coverHours(Date.parse('2026-01-31T22:00Z'), Date.parse('2026-03-02T01:00Z'))
 * // hours [01-31T22, 02-01T00) and [03-02T00, 03-02T02), days none, months [2026-02, 2026-03)
 */
export function coverHours(fromHour: number, toHour: number): GrainCover {
  const a = fromHour
  const b = toHour + HOUR
  const cover: GrainCover = { hours: [], days: [], months: [] }
  const d1 = Math.ceil(a / DAY) * DAY
  const d2 = Math.floor(b / DAY) * DAY
  if (d1 >= d2) {
    if (a < b) cover.hours.push([hourKey(a), hourKey(b)])
    return cover
  }
  if (a < d1) cover.hours.push([hourKey(a), hourKey(d1)])
  if (d2 < b) cover.hours.push([hourKey(d2), hourKey(b)])
  const m1 = monthStart(d1) === d1 ? d1 : nextMonth(d1)
  const m2 = monthStart(d2)
  if (m1 >= m2) {
    cover.days.push([dayKey(d1), dayKey(d2)])
    return cover
  }
  if (d1 < m1) cover.days.push([dayKey(d1), dayKey(m1)])
  if (m2 < d2) cover.days.push([dayKey(m2), dayKey(d2)])
  cover.months.push([monthKey(m1), monthKey(m2)])
  return cover
}

/** Whole UTC days from `fromDay` to `toDay` (ms at UTC midnight, `toDay` excluded). */
export function daysBetween(fromDay: number, toDay: number): number[] {
  const out: number[] = []
  for (let t = fromDay; t < toDay; t += DAY) out.push(t)
  return out
}

/** A signed range of a grain's keys: `sign` 1 adds its rows, -1 takes them back. */
export type SignedRange = [string, string, 1 | -1]

/** A cover whose day and hour edges may be a coarser row less the keys it has outside the range. */
export interface SignedCover {
  hours: SignedRange[]
  days: SignedRange[]
  months: Array<[string, string]>
}

/**
 * Covers the same hours as coverHours with fewer rows: an edge of more than half a month of days
 * is read as its month less the days outside the range, and an edge of more than half a day of
 * hours as its day less the hours outside. A year from the 2nd of a month reads that month less
 * one day instead of 29 days, and a range from 15:00 its last 9 hours, one from 03:00 its day
 * less 3 hours; 30 days from the 2nd of November read November less a day and one day of
 * December. Sums are linear, so the signed rows add up to the range exactly.
 */
export function signedCover(fromHour: number, toHour: number): SignedCover {
  const c = coverHours(fromHour, toHour)
  const out: SignedCover = { hours: [], days: [], months: [...c.months] }
  const hourMs = (k: string) => Date.parse(`${k}:00:00Z`)
  const dayMs = (k: string) => Date.parse(`${k}T00:00:00Z`)
  for (const [lo, hi] of c.hours) {
    const l = hourMs(lo)
    const h = hourMs(hi)
    const day = Math.floor(l / DAY) * DAY
    // Hours inside one UTC day: read them, or the day less the hours around them.
    if ((h - l) / HOUR > 12 && h <= day + DAY) {
      out.days.push([dayKey(day), dayKey(day + DAY), 1])
      if (l > day) out.hours.push([hourKey(day), lo, -1])
      if (h < day + DAY) out.hours.push([hi, hourKey(day + DAY), -1])
    } else out.hours.push([lo, hi, 1])
  }
  for (const [lo, hi] of c.days) {
    // A run of days with no whole month inside may still cross a month's end (the default 30
    // days, most of the time): each month's part is weighed on its own.
    for (const [l, h] of byMonth(dayMs(lo), dayMs(hi))) {
      const month = monthStart(l)
      const next = nextMonth(month)
      const monthDays = (next - month) / DAY
      if ((h - l) / DAY > monthDays / 2) {
        out.months.push([monthKey(month), monthKey(next)])
        if (l > month) out.days.push([dayKey(month), dayKey(l), -1])
        if (h < next) out.days.push([dayKey(h), dayKey(next), -1])
      } else out.days.push([dayKey(l), dayKey(h), 1])
    }
  }
  return out
}

/** `[from, to)` (ms at UTC midnights) cut at the first of each month inside it. */
function byMonth(from: number, to: number): Array<[number, number]> {
  const out: Array<[number, number]> = []
  for (let l = from; l < to; l = nextMonth(l)) out.push([l, Math.min(to, nextMonth(l))])
  return out
}
