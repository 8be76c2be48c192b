/**
 * The stats query behind `GET /v1/stats`, the dashboard and the affiliate portal: totals, a
 * series and a per-affiliate table for one program and mode, read from the hourly rollups only
 * (never from raw events).
 */

import type { Mode, StatsResult, Totals } from '../shared'
import { emptyTotals } from '../shared'
import { ApiError } from './errors'
import { addSums, buildSeries, isTimeZone, type RollupSums } from './rollup-series'

/** Query parameters as `GET /v1/stats` takes them: `from`, `to`, `affiliate`, `sub`, `interval`, `tz`. */
export type StatsQuery = Partial<Record<'from' | 'to' | 'affiliate' | 'sub' | 'interval' | 'tz', string>>

const HOUR = 3_600_000
const MAX_RANGE_DAYS = 400

function parseTime(value: string | undefined, field: string, endOfDay: boolean): number | null {
  if (value === undefined || value === '') return null
  const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(value)
  const ms = Date.parse(dateOnly ? `${value}T${endOfDay ? '23:59:59.999' : '00:00:00'}Z` : value)
  if (Number.isNaN(ms))
    throw new ApiError('invalid_request', `${field} must be an ISO 8601 date or date-time`, field)
  return ms
}

const SUMS = `SUM(clicks) AS clicks, SUM(unique_clicks) AS unique_clicks, SUM(signups) AS signups,
  SUM(conversions) AS conversions, SUM(refunds) AS refunds, SUM(revenue) AS revenue, SUM(commission) AS commission`

export async function queryStats(
  db: D1Database,
  programId: string,
  mode: Mode,
  q: StatsQuery,
): Promise<StatsResult> {
  const now = Date.now()
  const to = parseTime(q.to, 'to', true) ?? now
  const from = parseTime(q.from, 'from', false) ?? to - 30 * 86_400_000
  if (from > to) throw new ApiError('invalid_request', 'from must be before to', 'from')
  if (to - from > MAX_RANGE_DAYS * 86_400_000)
    throw new ApiError('invalid_request', `range must be at most ${MAX_RANGE_DAYS} days`, 'from')
  const tz = q.tz || 'UTC'
  if (!isTimeZone(tz))
    throw new ApiError('invalid_request', 'tz must be an IANA time zone such as Europe/Paris', 'tz')
  const interval = q.interval ?? (to - from <= 2 * 86_400_000 ? 'hour' : 'day')
  if (interval !== 'hour' && interval !== 'day')
    throw new ApiError('invalid_request', 'interval must be hour or day', 'interval')

  let affiliateId: string | null = null
  if (q.affiliate) {
    const aff = await db
      .prepare('SELECT id FROM affiliates WHERE program_id = ? AND (id = ? OR code = ?)')
      .bind(programId, q.affiliate, q.affiliate.toLowerCase())
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
  if (q.sub !== undefined) where.push(`sub = ?${params.push(q.sub)}`)
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
