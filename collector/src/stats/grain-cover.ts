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
