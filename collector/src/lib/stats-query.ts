/**
 * The stats query behind `GET /v1/stats`, the dashboard and the affiliate portal: totals, a
 * series and a per-affiliate table for one program and mode, read from the hourly rollups only
 * (never from raw events).
 */

import { findAffiliate, statsAffiliates } from '../affiliates/data'
import type { Mode, StatsResult, Totals } from '../shared'
import { emptyTotals } from '../shared'
import { coverHours } from '../stats/grain-cover'
import { ApiError } from './errors'
import { addSums, buildSeries, isTimeZone, type RollupSums } from './rollup-series'
import { MIN_TIME } from './schemas'
import { queryText, queryTime } from './validate'

/** Query parameters as `GET /v1/stats` takes them: `from`, `to`, `affiliate`, `sub`, `interval`, `tz`. */
export type StatsQuery = Partial<Record<'from' | 'to' | 'affiliate' | 'sub' | 'interval' | 'tz', string>>

const HOUR = 3_600_000
const DAY = 86_400_000
export const MAX_RANGE_DAYS = 400
const INTERVALS = ['hour', 'day'] as const
/** Names as the IANA database writes them (`UTC`, `Europe/Paris`, `Etc/GMT+5`), not offsets like `+01:00`. */
const IANA_NAME = /^[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+)*$/

/** The validated form of a StatsQuery: every value checked, so nothing later can throw on it. */
export interface StatsFilter {
  from: number
  to: number
  interval: 'hour' | 'day'
  tz: string
  affiliate: string | undefined
  sub: string | undefined
}

/**
 * Checks every stats parameter and answers 400 naming the first bad one: `from`/`to` dates in
 * range and in order, at most MAX_RANGE_DAYS apart, `interval` one of hour/day, `tz` an IANA zone,
 * `affiliate` and `sub` bounded. Shared by `GET /v1/stats`, the dashboard and the portal.
 */
export function parseStatsQuery(q: StatsQuery, now = Date.now()): StatsFilter {
  const toGiven = queryTime(q.to, 'to', 'end')
  const fromGiven = queryTime(q.from, 'from', 'start')
  const to = toGiven ?? now
  const from = fromGiven ?? Math.max(MIN_TIME, to - 30 * DAY)
  if (from > to) throw new ApiError('invalid_request', 'from must be before to', 'from')
  if (to - from > MAX_RANGE_DAYS * DAY)
    throw new ApiError('invalid_request', `from and to must be at most ${MAX_RANGE_DAYS} days apart`, 'from')
  const tz = q.tz || 'UTC'
  if (tz.length > 64 || !IANA_NAME.test(tz) || !isTimeZone(tz))
    throw new ApiError('invalid_request', 'tz must be an IANA time zone such as Europe/Paris', 'tz')
  const interval = q.interval || (to - from <= 2 * DAY ? 'hour' : 'day')
  if (!INTERVALS.includes(interval as never))
    throw new ApiError('invalid_request', `interval must be ${INTERVALS.join(' or ')}`, 'interval')
  const affiliate = queryText(q.affiliate, 'affiliate', 128)
  // `?sub=` (empty) is a filter too: the clicks that came with no sub.
  const sub = q.sub === undefined ? undefined : (queryText(q.sub, 'sub', 128) ?? '')
  return { from, to, interval: interval as StatsFilter['interval'], tz, affiliate, sub }
}

const SUMS = `SUM(clicks) AS clicks, SUM(unique_clicks) AS unique_clicks, SUM(signups) AS signups,
  SUM(conversions) AS conversions, SUM(refunds) AS refunds, SUM(revenue) AS revenue, SUM(commission) AS commission`
const COLUMNS =
  'affiliate_id, currency, clicks, unique_clicks, signups, conversions, refunds, revenue, commission'

/** One SQL fragment and its parameters, numbered from `?3` on (`?1` program, `?2` mode). */
interface Part {
  sql: string
  params: unknown[]
}

function part(table: string, key: string, range: [string, string], extra: string, params: unknown[]): Part {
  const p = [...params]
  const lo = p.push(range[0]) + 2
  const hi = p.push(range[1]) + 2
  return {
    sql: `SELECT ${COLUMNS}, ${key} AS k FROM ${table} WHERE program_id = ?1 AND mode = ?2 AND ${key} >= ?${lo} AND ${key} < ?${hi}${extra}`,
    params: p,
  }
}

/** Joins parts into one UNION ALL, renumbering each part's parameters after the previous ones. */
function unionAll(parts: Part[]): Part {
  const params: unknown[] = []
  const sqls = parts.map((pt) => {
    const offset = params.length
    params.push(...pt.params)
    return pt.sql.replace(/\?(\d+)/g, (m, n) => (Number(n) <= 2 ? m : `?${Number(n) + offset}`))
  })
  return { sql: sqls.join(' UNION ALL '), params }
}

/**
 * `GET /v1/stats` (and the dashboard and the portal): the same answer as the hourly rollups give
 * (src/stats/hourly-reference.ts, checked by src/stats/grains.test.ts), read from the coarsest
 * grain that fits: whole UTC months and days from `rollup_months`/`rollup_days`, the edge hours
 * from `rollups`, and the unfiltered series from `rollup_program_hours`.
 */
export async function queryStats(
  db: D1Database,
  programId: string,
  mode: Mode,
  q: StatsQuery,
): Promise<StatsResult> {
  const { from, to, interval, tz, affiliate, sub } = parseStatsQuery(q)

  let affiliateId: string | null = null
  if (affiliate) {
    // Any mode: a live affiliate's test stats, a test affiliate's (empty) live stats.
    const aff = await findAffiliate(db, programId, affiliate)
    if (!aff) throw new ApiError('invalid_request', 'No affiliate with that id or code', 'affiliate')
    affiliateId = aff.id
  }
  const fromHour = Math.floor(from / HOUR) * HOUR
  const toHour = Math.floor(to / HOUR) * HOUR
  const cover = coverHours(fromHour, toHour)

  // Filters as SQL, their parameters numbered after a part's two range bounds.
  const filterParams: unknown[] = []
  let extra = ''
  if (affiliateId) extra += ` AND affiliate_id = ?${filterParams.push(affiliateId) + 4}`
  if (sub !== undefined) extra += ` AND sub = ?${filterParams.push(sub) + 4}`
  const withFilters = (table: string, key: string, range: [string, string]): Part => {
    const pt = part(table, key, range, '', [])
    return { sql: pt.sql + extra, params: [...pt.params, ...filterParams] }
  }

  const tableParts = [
    ...cover.hours.map((r) => withFilters('rollups', 'hour', r)),
    ...cover.days.map((r) => withFilters('rollup_days', 'day', r)),
    ...cover.months.map((r) => withFilters('rollup_months', 'month', r)),
  ]
  const byAffiliateSql = unionAll(tableParts)

  // The series: unfiltered from the program's hours; filtered from whole days when every one of
  // them falls in a single bucket (a day series in a zone whose days are UTC days), else hours.
  let seriesSql: Part
  const fromHourKey = new Date(fromHour).toISOString().slice(0, 13)
  const toHourKey = new Date(toHour + HOUR).toISOString().slice(0, 13)
  if (!affiliateId && sub === undefined) {
    seriesSql = part('rollup_program_hours', 'hour', [fromHourKey, toHourKey], '', [])
    seriesSql.sql = seriesSql.sql.replace('affiliate_id, ', "'' AS affiliate_id, ")
  } else {
    const fullDays = [...cover.days, ...cover.months.map(monthDays)]
    const daysClean = interval === 'day' && fullDays.every(([a, b]) => daysAreBuckets(a, b, tz))
    seriesSql = daysClean
      ? unionAll([
          ...cover.hours.map((r) => withFilters('rollups', 'hour', r)),
          ...fullDays.map((r) => withFilters('rollup_days', 'day', r)),
        ])
      : withFilters('rollups', 'hour', [fromHourKey, toHourKey])
  }

  const p = [programId, mode]
  const [[bySeries, byAffiliate], names] = await Promise.all([
    db.batch([
      db
        .prepare(`SELECT k AS hour, currency, ${SUMS} FROM (${seriesSql.sql}) GROUP BY k, currency`)
        .bind(...p, ...seriesSql.params),
      tableParts.length
        ? db
            .prepare(
              `SELECT affiliate_id, currency, ${SUMS} FROM (${byAffiliateSql.sql}) GROUP BY affiliate_id, currency`,
            )
            .bind(...p, ...byAffiliateSql.params)
        : db.prepare('SELECT 1 WHERE 0'),
    ]),
    statsAffiliates(db, programId, mode, affiliateId),
  ])
  const totals = emptyTotals()
  const perAffiliate = new Map<string, Totals>()
  for (const r of (byAffiliate?.results ?? []) as unknown as Array<RollupSums & { affiliate_id: string }>) {
    addSums(totals, r)
    if (!r.affiliate_id) continue
    const t = perAffiliate.get(r.affiliate_id) ?? emptyTotals()
    addSums(t, r)
    perAffiliate.set(r.affiliate_id, t)
  }
  const affiliates = names.map((a) => ({
    id: a.id,
    code: a.code,
    name: a.name,
    totals: perAffiliate.get(a.id) ?? emptyTotals(),
  }))

  // A day row stands for its whole UTC day: its first hour names the bucket.
  const seriesRows = ((bySeries?.results ?? []) as unknown as RollupSums[]).map((r) =>
    r.hour.length === 10 ? { ...r, hour: `${r.hour}T00` } : r,
  )
  const result: StatsResult = {
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
    interval,
    tz,
    mode,
    totals,
    series: buildSeries(seriesRows, fromHour, toHour, interval, tz),
    affiliates,
  }
  return result
}

/** A month range as the day range it spans. */
function monthDays([a, b]: [string, string]): [string, string] {
  return [`${a}-01`, `${b}-01`]
}

/** Whether every UTC day in `[a, b)` lies within one local day of `tz` (true for UTC and its aliases). */
function daysAreBuckets(a: string, b: string, tz: string): boolean {
  const dayOf = new Intl.DateTimeFormat('en-CA', {
    timeZone: tz,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  })
  const end = Date.parse(`${b}T00:00:00Z`)
  for (let t = Date.parse(`${a}T00:00:00Z`); t < end; t += DAY) {
    if (dayOf.format(t) !== dayOf.format(t + DAY - HOUR)) return false
    // Also the day before must end there, or two UTC days would share a bucket.
    if (dayOf.format(t) === dayOf.format(t - HOUR)) return false
  }
  return true
}
