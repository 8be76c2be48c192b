/**
 * The first stats query, kept as the reference the grained one is checked against
 * (src/stats/grains.test.ts): every number straight from the hourly rollups. Correct at any
 * scale, slow at a year of data (it reads every hourly row in the range); not used by routes.
 */

import { findAffiliate, statsAffiliates } from '../affiliates/data'
import { ApiError } from '../lib/errors'
import { addSums, buildSeriesByHour, type RollupSums } from '../lib/rollup-series'
import { parseStatsQuery, type StatsQuery } from '../lib/stats-query'
import type { Mode, StatsResult, Totals } from '../shared'
import { emptyTotals } from '../shared'

const HOUR = 3_600_000

const SUMS = `SUM(clicks) AS clicks, SUM(unique_clicks) AS unique_clicks, SUM(signups) AS signups,
  SUM(conversions) AS conversions, SUM(refunds) AS refunds, SUM(revenue) AS revenue, SUM(commission) AS commission`

export async function queryStatsHourly(
  db: D1Database,
  programId: string,
  mode: Mode,
  q: StatsQuery,
): Promise<StatsResult> {
  const { from, to, interval, tz, affiliate, sub } = parseStatsQuery(q)

  let affiliateId: string | null = null
  if (affiliate) {
    const aff = await findAffiliate(db, programId, affiliate)
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
  const [[byHour, byAffiliate], names] = await Promise.all([
    db.batch([
      db
        .prepare(`SELECT hour, currency, ${SUMS} FROM rollups WHERE ${filter} GROUP BY hour, currency`)
        .bind(...params),
      db
        .prepare(
          `SELECT affiliate_id, currency, ${SUMS} FROM rollups WHERE ${filter} GROUP BY affiliate_id, currency`,
        )
        .bind(...params),
    ]),
    statsAffiliates(db, programId, mode),
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
  const affiliates = names
    .filter((a) => !affiliateId || a.id === affiliateId)
    .map((a) => ({ id: a.id, code: a.code, name: a.name, totals: perAffiliate.get(a.id) ?? emptyTotals() }))

  const result: StatsResult = {
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
    interval,
    tz,
    mode,
    totals,
    series: buildSeriesByHour(hourRows, fromHour, toHour, interval, tz),
    affiliates,
  }
  return result
}
