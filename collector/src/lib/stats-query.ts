/**
 * The stats query behind `GET /v1/stats`, the dashboard and the affiliate portal: totals, a
 * series and a per-affiliate table for one program and mode, read from the hourly rollups only
 * (never from raw events).
 */

import { statsAffiliates } from '../affiliates/data'
import { affiliateFilter } from '../affiliates/filter'
import type { RollupRow } from '../hub/outbox'
import type { Mode, StatsResult, Totals } from '../shared'
import { emptyTotals } from '../shared'
import { coverHours, type SignedCover, signedCover } from '../stats/grain-cover'
import { addD1Usage } from './d1-meter'
import { type Env, hubFor } from './env'
import { ApiError } from './errors'
import {
  addSums,
  bucketIndex,
  bucketStarts,
  buildSeries,
  hourKeyMs,
  isTimeZone,
  type RollupSums,
} from './rollup-series'
import { MIN_TIME } from './schemas'
import { queryText, queryTime } from './validate'

/** The query parameters `GET /v1/stats` takes (any other is refused there). */
export const STATS_QUERY = ['from', 'to', 'affiliate', 'sub', 'interval', 'tz'] as const

/** Query parameters as `GET /v1/stats` takes them: `from`, `to`, `affiliate`, `sub`, `interval`, `tz`. */
export type StatsQuery = Partial<Record<(typeof STATS_QUERY)[number], string>>

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

const NO_SUMS = {
  clicks: 0,
  unique_clicks: 0,
  signups: 0,
  conversions: 0,
  refunds: 0,
  revenue: 0,
  commission: 0,
}
const SUM_FIELDS = Object.keys(NO_SUMS) as Array<keyof typeof NO_SUMS>

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

/**
 * A part summed by its key (`k`, the series' hour or day) or by affiliate, and currency. Each part
 * is summed on its own and the sums are added up in code. D1 counts a row again when a `GROUP BY`
 * has to sort it (measured: 1,000 rows grouped in key order read 1,000, out of key order 2,000),
 * and a `GROUP BY` over a `UNION ALL` sorts every row of the union; on its own, a part read in its
 * key's order (a range of days, grouped by day) sorts nothing.
 */
function grouped(pt: Part, by: 'k' | 'affiliate_id'): Part {
  const key = by === 'k' ? 'k AS hour' : 'affiliate_id'
  return { ...pt, sql: `SELECT ${key}, currency, ${SUMS} FROM (${pt.sql}) GROUP BY ${by}, currency` }
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
 * grain that fits: whole UTC months and days from `rollup_affiliate_months`/`rollup_affiliate_days`
 * (`rollup_months`/`rollup_days` with a sub-id filter), the edge hours from `rollups`, and the
 * unfiltered series from `rollup_program_days` (UTC-aligned days) or `rollup_program_hours`.
 */
export async function queryStats(
  env: Env,
  programId: string,
  mode: Mode,
  q: StatsQuery,
): Promise<StatsResult> {
  const filter = parseStatsQuery(q)
  const lookup = affiliateFilter(env.DB, programId, filter.affiliate, { visibleTo: mode })
  // An affiliate id (what the dashboard sends, and most integrations) is asked of the hub beside
  // its lookup rather than after it: one D1 round trip less. The hub's answer is used only when
  // the lookup finds that very affiliate visible to the key; a refused filter drops it unread,
  // and a code that happens to look like an id is asked again with the id it names.
  if (filter.affiliate && AFFILIATE_ID.test(filter.affiliate)) {
    const early = statsThroughHub(env, programId, mode, filter, filter.affiliate)
    early.catch(() => {}) // awaited below, or dropped when the lookup refuses the filter
    const affiliateId = await lookup
    if (affiliateId === filter.affiliate) return early
    return statsThroughHub(env, programId, mode, filter, affiliateId ?? null)
  }
  return statsThroughHub(env, programId, mode, filter, (await lookup) ?? null)
}

/** The shape of an affiliate id (`newId('aff')`). */
const AFFILIATE_ID = /^aff_[A-Za-z0-9]{16}$/

/**
 * One affiliate's stats when the caller already holds its row (the portal, from the link's
 * token): the same answer as `queryStats` with `affiliate`, without a D1 round trip to look the
 * affiliate up again before the hub can start.
 */
export function queryAffiliateStats(
  env: Env,
  programId: string,
  mode: Mode,
  affiliateId: string,
  q: Omit<StatsQuery, 'affiliate'>,
): Promise<StatsResult> {
  return statsThroughHub(env, programId, mode, parseStatsQuery(q), affiliateId)
}

async function statsThroughHub(
  env: Env,
  programId: string,
  mode: Mode,
  filter: StatsFilter,
  affiliateId: string | null,
): Promise<StatsResult> {
  const { d1_usage, ...stats } = await hubFor(env, programId).stats(programId, mode, filter, affiliateId)
  addD1Usage(env.DB, d1_usage)
  return stats
}

/** `queryStats` from D1 alone: what D1 holds, without the clicks still waiting in the hub. */
export async function queryStatsD1(
  db: D1Database,
  programId: string,
  mode: Mode,
  q: StatsQuery,
): Promise<StatsResult> {
  const { filter, affiliateId } = await resolveStatsQuery(db, programId, mode, q)
  return statsFromD1(db, programId, mode, filter, affiliateId)
}

/**
 * Validates a stats query and finds its affiliate (by id or code) among those the key's mode may
 * see, as the lists do (affiliates/filter.ts): a live key naming a test affiliate gets the same
 * 400 as for one that does not exist; a test key may name a live affiliate (test data may credit
 * it). 400 naming what is wrong.
 */
export async function resolveStatsQuery(
  db: D1Database,
  programId: string,
  mode: Mode,
  q: StatsQuery,
): Promise<{ filter: StatsFilter; affiliateId: string | null }> {
  const filter = parseStatsQuery(q)
  const affiliateId = await affiliateFilter(db, programId, filter.affiliate, { visibleTo: mode })
  return { filter, affiliateId: affiliateId ?? null }
}

/** Click counts not yet in D1 (the hub's outbox), per mode × affiliate × sub × UTC hour. */
export type WaitingClicks = Omit<RollupRow, 'bot_clicks'>

/**
 * The stats answer from D1's rollups, plus `waiting` clicks (those the hub has not sent yet)
 * that fall inside the filters. The hub calls this so that the two never overlap: see
 * ProgramHub.stats.
 */
export async function statsFromD1(
  db: D1Database,
  programId: string,
  mode: Mode,
  filter: StatsFilter,
  affiliateId: string | null,
  waiting: WaitingClicks[] = [],
): Promise<StatsResult> {
  const { from, to, interval, tz, sub } = filter
  const fromHour = Math.floor(from / HOUR) * HOUR
  const toHour = Math.floor(to / HOUR) * HOUR
  const cover = coverHours(fromHour, toHour)

  // Filters as SQL, their parameters numbered after a part's own (`?1`, `?2` are program and mode).
  const filtered = (pt: Part): Part => {
    const params = [...pt.params]
    let sql = pt.sql
    if (affiliateId) sql += ` AND affiliate_id = ?${params.push(affiliateId) + 2}`
    if (sub !== undefined) sql += ` AND sub = ?${params.push(sub) + 2}`
    return { sql, params }
  }
  // One affiliate's rows of a grain without sub-id: through its by-affiliate index, which SQLite
  // would not pick on its own (the primary key is covering, and a year of it is every affiliate's
  // 128,000 day rows; the index reads that affiliate's 400).
  // A sub-id filter reads the sub-id grains through their sub-id indexes (migration 0018): their
  // keys start with the day or month, so a range of them held every affiliate's and sub-id's rows.
  const source = (table: string): string => {
    if (affiliateId && (table === 'rollup_affiliate_days' || table === 'rollup_affiliate_months'))
      return `${table} INDEXED BY ${table}_by_affiliate`
    if (sub !== undefined && (table === 'rollup_days' || table === 'rollup_months'))
      return `${table} INDEXED BY ${table}_by_${affiliateId ? 'affiliate_sub' : 'sub'}`
    if (sub !== undefined && !affiliateId && table === 'rollups')
      return 'rollups INDEXED BY rollups_by_sub_hour'
    return table
  }

  // Without a sub-id filter the grains without sub (rollup_affiliate_*) answer: a quarter of the
  // rows. The edge hours always come from `rollups`.
  const [dayTable, monthTable] =
    sub === undefined
      ? ['rollup_affiliate_days', 'rollup_affiliate_months']
      : ['rollup_days', 'rollup_months']
  // Totals and the per-affiliate table: one term per grain, its ranges as a JSON list. Without a
  // sub-id filter the ranges may be signed (signedCover: an edge read as its month or day less
  // what lies outside the range); the grains without sub-id count the hourly rows each row sums
  // (`hour_rows`), so a currency is listed exactly when an hourly row of it lies in the range, as
  // the hourly rows themselves would list it. With a sub-id filter, the plain cover.
  const signed: SignedCover =
    sub === undefined
      ? signedCover(fromHour, toHour)
      : {
          hours: cover.hours.map(([a, b]) => [a, b, 1]),
          days: cover.days.map(([a, b]) => [a, b, 1]),
          months: cover.months,
        }
  const signedPart = (table: string, key: string, ranges: Array<[string, string, number]>): Part => {
    const rows = table === 'rollup_affiliate_days' || table === 'rollup_affiliate_months' ? 'hour_rows' : '1'
    return filtered({
      sql: `SELECT ${COLUMNS}, ${rows} AS hour_rows, r.value->>2 AS sign FROM json_each(?3) AS r CROSS JOIN ${source(table)} ON ${key} >= r.value->>0 AND ${key} < r.value->>1 WHERE program_id = ?1 AND mode = ?2`,
      params: [JSON.stringify(ranges)],
    })
  }
  const tableParts = [
    ...(signed.hours.length ? [signedPart('rollups', 'hour', signed.hours)] : []),
    ...(signed.days.length ? [signedPart(dayTable, 'day', signed.days)] : []),
    ...(signed.months.length
      ? [
          signedPart(
            monthTable,
            'month',
            signed.months.map(([a, b]) => [a, b, 1] as [string, string, number]),
          ),
        ]
      : []),
  ]
  // Each grain summed on its own (see `grouped`), then the signed sums netted per affiliate and
  // currency in SQL: the answer is one row per affiliate and currency rather than one per grain
  // and sign. D1's client parses and rebuilds every row of an answer; on the seeded year of 200
  // affiliates the 800 rows fewer took a year's stats from p50 56 to 51 ms (one run of
  // bench/reporting-profile.mjs each), more than the second, small sort costs.
  const partsSql = unionAll(
    tableParts.map((pt) => ({
      ...pt,
      sql: `SELECT affiliate_id, currency, sign, SUM(hour_rows) AS n, ${SUMS} FROM (${pt.sql}) GROUP BY affiliate_id, currency, sign`,
    })),
  )
  const byAffiliateSql: Part = {
    sql: `SELECT affiliate_id, currency, SUM(sign * n) AS n, ${SUM_FIELDS.map((f) => `SUM(sign * ${f}) AS ${f}`).join(', ')} FROM (${partsSql.sql}) GROUP BY affiliate_id, currency`,
    params: partsSql.params,
  }

  // The series, unfiltered from the program's own grains, else from the filtered ones. By hour:
  // the hours. By day: the edge hours, and every whole UTC day as one row, put in the local day
  // that holds most of its hours; the day's other hours (those of the next or previous local day
  // in a zone off UTC: one an hour off, five in New York) are read on their own, added where they
  // belong and taken back from the day (seriesPlan). A year in Paris reads 365 day rows and about
  // 730 hours instead of 8,760 hours.
  const fromHourKey = new Date(fromHour).toISOString().slice(0, 13)
  const toHourKey = new Date(toHour + HOUR).toISOString().slice(0, 13)
  const unfiltered = !affiliateId && sub === undefined
  const hourTable = unfiltered ? 'rollup_program_hours' : 'rollups'
  const seriesDayTable = unfiltered ? 'rollup_program_days' : dayTable
  // The program's own grains have no affiliate column; the others take the filters.
  const seriesSource = (pt: Part): Part =>
    unfiltered ? { ...pt, sql: pt.sql.replace('affiliate_id, ', "'' AS affiliate_id, ") } : filtered(pt)
  const seriesPart = (table: string, key: string, range: [string, string]): Part =>
    seriesSource(part(source(table), key, range, '', []))
  const starts = bucketStarts(fromHour, toHour, interval, tz)
  const plan = interval === 'day' ? seriesPlan(starts, [...cover.days, ...cover.months.map(monthDays)]) : null
  let seriesSql: Part
  if (!plan) {
    seriesSql = grouped(seriesPart(hourTable, 'hour', [fromHourKey, toHourKey]), 'k')
  } else {
    // At most two terms (workerd's SQLite allows five in a compound SELECT): the whole days as one
    // range (they are contiguous), and every hour range, the edges and the days' other hours, as
    // one JSON list (D1 binds at most 100 values), kept outside by CROSS JOIN so each range is one
    // index seek.
    const parts: Part[] = []
    const dayKeys = plan.dayRanges.flat().sort()
    const [firstDay, lastDay] = [dayKeys[0], dayKeys.at(-1)]
    if (firstDay && lastDay) parts.push(seriesPart(seriesDayTable, 'day', [firstDay, lastDay]))
    const hourRanges = [...cover.hours, ...plan.otherHours]
    if (hourRanges.length) {
      const pt: Part = {
        sql: `SELECT ${COLUMNS}, hour AS k FROM json_each(?3) AS r CROSS JOIN ${source(hourTable)} ON hour >= r.value->>0 AND hour < r.value->>1 WHERE program_id = ?1 AND mode = ?2`,
        params: [JSON.stringify(hourRanges)],
      }
      parts.push(seriesSource(pt))
    }
    seriesSql = parts.length
      ? unionAll(parts.map((pt) => grouped(pt, 'k')))
      : grouped({ sql: `SELECT ${COLUMNS}, '' AS k FROM rollups WHERE 0`, params: [] }, 'k')
  }

  // One D1 round trip: the series, the per-affiliate sums and the affiliates' names in one batch.
  const p = [programId, mode]
  const namesSql = statsAffiliates(db, programId, mode, affiliateId).toSQL()
  const [bySeries, byAffiliate, namesResult] = await db.batch([
    db.prepare(seriesSql.sql).bind(...p, ...seriesSql.params),
    tableParts.length
      ? db.prepare(byAffiliateSql.sql).bind(...p, ...byAffiliateSql.params)
      : db.prepare('SELECT 1 WHERE 0'),
    db.prepare(namesSql.sql).bind(...namesSql.params),
  ])
  const names = (namesResult?.results ?? []) as unknown as Array<{ id: string; code: string; name: string }>
  // Per affiliate and currency: the sums net of the signed rows, and the hourly rows they stand for.
  const totals = emptyTotals()
  const perAffiliate = new Map<string, Totals>()
  for (const { affiliate_id, n, ...sums } of (byAffiliate?.results ?? []) as unknown as Array<
    Omit<RollupSums, 'hour'> & { affiliate_id: string; n: number }
  >) {
    // A currency counts when an hourly row of it lies in the range, as the hourly rows list it.
    if (n <= 0) continue
    addSums(totals, sums)
    if (!affiliate_id) continue
    const t = perAffiliate.get(affiliate_id) ?? emptyTotals()
    addSums(t, sums)
    perAffiliate.set(affiliate_id, t)
  }
  const affiliates = names.map((a) => ({
    id: a.id,
    code: a.code,
    name: a.name,
    totals: perAffiliate.get(a.id) ?? emptyTotals(),
  }))

  // A day row goes to its day's bucket; an hour of a whole day is added where it belongs and taken
  // back from its day's bucket; an edge hour goes where it belongs.
  const seriesRows: Array<RollupSums & { bucket_hour?: number; sign?: 1 | -1 }> = []
  for (const r of (bySeries?.results ?? []) as unknown as RollupSums[]) {
    if (!plan) {
      seriesRows.push(r)
      continue
    }
    const dayBucket = plan.dayBucket.get(r.hour.slice(0, 10))
    if (r.hour.length === 10) {
      seriesRows.push({ ...r, bucket_hour: dayBucket ?? hourKeyMs(r.hour) })
    } else {
      seriesRows.push(r)
      if (dayBucket !== undefined) seriesRows.push({ ...r, bucket_hour: dayBucket, sign: -1 })
    }
  }
  // Clicks still waiting in the hub, under the same filters: into the series, the totals and
  // their affiliate's row.
  for (const w of waiting) {
    if (w.mode !== mode || w.hour < fromHourKey || w.hour >= toHourKey) continue
    if (affiliateId && w.affiliate_id !== affiliateId) continue
    if (sub !== undefined && w.sub !== sub) continue
    const sums = { ...NO_SUMS, currency: '', clicks: w.clicks, unique_clicks: w.unique_clicks }
    seriesRows.push({ ...sums, hour: w.hour })
    addSums(totals, sums)
    const row = affiliates.find((a) => a.id === w.affiliate_id)
    if (row) addSums(row.totals, sums)
  }
  const result: StatsResult = {
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
    interval,
    tz,
    mode,
    totals,
    series: buildSeries(seriesRows, fromHour, toHour, interval, tz, starts),
    affiliates,
  }
  return result
}

/** A month range as the day range it spans. */
function monthDays([a, b]: [string, string]): [string, string] {
  return [`${a}-01`, `${b}-01`]
}

/**
 * How a day series reads whole UTC days (`[a, b)` day keys): each day as one row in the bucket
 * that holds most of its hours (`dayBucket`: day key → an hour of that bucket, ms), the other
 * hours as ranges of hour keys to read apart, and the day ranges to read.
 */
export function seriesPlan(
  starts: number[],
  days: Array<[string, string]>,
): {
  dayBucket: Map<string, number>
  otherHours: Array<[string, string]>
  dayRanges: Array<[string, string]>
} {
  const dayBucket = new Map<string, number>()
  const otherHours: Array<[string, string]> = []
  const key = (t: number) => new Date(t).toISOString().slice(0, 13)
  for (const [a, b] of days) {
    const end = Date.parse(`${b}T00:00:00Z`)
    for (let d = Date.parse(`${a}T00:00:00Z`); d < end; d += DAY) {
      // The day's hours split at the bucket starts inside it.
      const cuts = [d]
      for (let i = bucketIndex(starts, d) + 1; i < starts.length && (starts[i] as number) < d + DAY; i++) {
        cuts.push(starts[i] as number)
      }
      cuts.push(d + DAY)
      let best = 0
      for (let i = 1; i < cuts.length - 1; i++) {
        if (
          (cuts[i + 1] as number) - (cuts[i] as number) >
          (cuts[best + 1] as number) - (cuts[best] as number)
        )
          best = i
      }
      dayBucket.set(new Date(d).toISOString().slice(0, 10), cuts[best] as number)
      for (let i = 0; i < cuts.length - 1; i++) {
        if (i !== best) otherHours.push([key(cuts[i] as number), key(cuts[i + 1] as number)])
      }
    }
  }
  return { dayBucket, otherHours, dayRanges: days }
}
