/**
 * The stats query behind `GET /v1/stats`, the dashboard and the affiliate portal: totals, a
 * series and a per-affiliate table for one program and mode, read from the hourly rollups only
 * (never from raw events).
 */

import type { Mode, StatsResult, Totals } from '../shared'
import { emptyTotals } from '../shared'
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

export async function queryStats(
  db: D1Database,
  programId: string,
  mode: Mode,
  q: StatsQuery,
): Promise<StatsResult> {
  const { from, to, interval, tz, affiliate, sub } = parseStatsQuery(q)

  let affiliateId: string | null = null
  if (affiliate) {
    const aff = await db
      .prepare('SELECT id FROM affiliates WHERE program_id = ? AND (id = ? OR code = ?)')
      .bind(programId, affiliate, affiliate.toLowerCase())
      .first<{ id: string }>()
    if (!aff) throw new ApiError('invalid_request', 'No affiliate with that id or code', 'affiliate')
    affiliateId = aff.id
  }
  const fromHour = Math.floor(from / HOUR) * HOUR
  const toHour = Math.floor(to / HOUR) * HOUR
  const where = ['program_id = ?1', 'mode = ?2', 'hour >= ?3', 'hour <= ?4']
  const params: unknown[] = [
    programId,
    mode,
    new Date(fromHour).toISOString().slice(0, 13),
    new Date(toHour).toISOString().slice(0, 13),
  ]
  if (affiliateId) where.push(`affiliate_id = ?${params.push(affiliateId)}`)
  if (sub !== undefined) where.push(`sub = ?${params.push(sub)}`)
  const filter = where.join(' AND ')
  const [byHour, byAffiliate, names] = await db.batch([
    db
      .prepare(`SELECT hour, currency, ${SUMS} FROM rollups WHERE ${filter} GROUP BY hour, currency`)
      .bind(...params),
    db
      .prepare(
        `SELECT affiliate_id, currency, ${SUMS} FROM rollups WHERE ${filter} GROUP BY affiliate_id, currency`,
      )
      .bind(...params),
    db
      // Live stats list live affiliates only; test stats list every affiliate (test events may credit any).
      .prepare(
        "SELECT id, code, name FROM affiliates WHERE program_id = ? AND (mode = 'live' OR ? = 'test') ORDER BY created_at",
      )
      .bind(programId, mode),
  ])
  const hourRows = (byHour?.results ?? []) as unknown as RollupSums[]
  const totals = emptyTotals()
  for (const r of hourRows) addSums(totals, r)

  const perAffiliate = new Map<string, Totals>()
  for (const r of (byAffiliate?.results ?? []) as unknown as Array<RollupSums & { affiliate_id: string }>) {
    if (!r.affiliate_id) continue
    const t = perAffiliate.get(r.affiliate_id) ?? emptyTotals()
    addSums(t, r)
    perAffiliate.set(r.affiliate_id, t)
  }
  const affiliates = ((names?.results ?? []) as Array<{ id: string; code: string; name: string }>)
    .filter((a) => !affiliateId || a.id === affiliateId)
    .map((a) => ({ id: a.id, code: a.code, name: a.name, totals: perAffiliate.get(a.id) ?? emptyTotals() }))

  const result: StatsResult = {
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
    interval,
    tz,
    mode,
    totals,
    series: buildSeries(hourRows, fromHour, toHour, interval, tz),
    affiliates,
  }
  return result
}
