/**
 * A range of days with no whole month inside may still cross a month's end: the default 30 days
 * do, most of the time. Each month's part is read as that month less the days outside the range
 * when that is fewer rows (signedCover), so the per-affiliate table of 30 days reads about three
 * rows per affiliate instead of thirty. On the seeded year (bench/reporting.mjs) the default 30
 * days read 21,820 rows at 23:53 UTC, when the range ended on a midnight, and 3,256 an hour before.
 */
import { env } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { seedNoonClicks } from '../../test/helpers'
import { type D1Usage, meteredD1 } from '../lib/d1-meter'
import { parseStatsQuery, statsFromD1 } from '../lib/stats-query'
import { queryStatsHourly } from './hourly-reference'

const AFFILIATES = 30
const DAYS = 120

describe('stats over days that cross a month', () => {
  it("reads each affiliate's month less the days outside, not every day", async () => {
    const { programId } = await seedNoonClicks(AFFILIATES, DAYS)

    // 2 February to 1 March, 28 days: no whole month inside, and February's part is most of it.
    const q = { from: '2026-02-02', to: '2026-03-01', interval: 'day' }
    const usage: D1Usage = { rows_read: 0, rows_written: 0, statements: 0 }
    const stats = await statsFromD1(meteredD1(env.DB, usage), programId, 'live', parseStatsQuery(q), null)
    expect(stats.totals.clicks).toBe(AFFILIATES * 28)
    expect(stats.affiliates.every((a) => a.totals.clicks === 28)).toBe(true)
    expect(stats).toEqual(await queryStatsHourly(env.DB, programId, 'live', q))
    // February less its first day, and 1 March: 3 rows an affiliate and the 28 program days of
    // the series, 275 rows read, where reading each affiliate's 28 days read 1,771.
    expect(usage.rows_read).toBeLessThan(AFFILIATES * 28)
  })
})
