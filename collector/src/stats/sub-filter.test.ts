/**
 * A sub-id filter reads the sub-id's own rows. The sub-id grains' keys start with the day or month
 * (migration 0008), so without their sub-id indexes (migration 0018) a range with `?sub=` read
 * every affiliate's and sub-id's day rows in it: on the seeded year (bench/reporting-ab.mjs) one
 * affiliate's sub-id read 444,684 rows, where its own are about a thousand.
 */
import { env } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { seedNoonClicks } from '../../test/helpers'
import { type D1Usage, meteredD1 } from '../lib/d1-meter'
import { parseStatsQuery, statsFromD1 } from '../lib/stats-query'

const AFFILIATES = 30
const SUBS = 3
const DAYS = 120

describe('stats with a sub-id filter', () => {
  it("reads the filtered sub-id's rows, not every affiliate's", async () => {
    const { programId, ids } = await seedNoonClicks(
      AFFILIATES,
      DAYS,
      Array.from({ length: SUBS }, (_, i) => `camp${i}`),
    )

    const query = async (q: Record<string, string>, affiliateId: string | null) => {
      const usage: D1Usage = { rows_read: 0, rows_written: 0, statements: 0 }
      const filter = parseStatsQuery({ from: '2026-01-01', to: '2026-04-30', interval: 'day', ...q })
      const stats = await statsFromD1(meteredD1(env.DB, usage), programId, 'live', filter, affiliateId)
      return { stats, rowsRead: usage.rows_read }
    }
    const all = await query({}, null)
    expect(all.stats.totals.clicks).toBe(AFFILIATES * SUBS * DAYS)

    // One affiliate's sub-id: its own 120 days (252 rows read), not every affiliate's (11,286).
    const one = await query({ sub: 'camp1' }, ids[3] as string)
    expect(one.stats.totals.clicks).toBe(DAYS)
    expect(one.stats.series.reduce((n, b) => n + b.clicks, 0)).toBe(DAYS)
    expect(one.rowsRead).toBeLessThan(2_000)

    // A sub-id across every affiliate: fewer rows than the day rows of every sub-id (10,800;
    // it read 14,941 before, 7,501 now: the sub-id's 3,600 days for the series and its months
    // and edge days for the table, each through the index).
    const sub = await query({ sub: 'camp2' }, null)
    expect(sub.stats.totals.clicks).toBe(AFFILIATES * DAYS)
    expect(sub.stats.affiliates).toHaveLength(AFFILIATES)
    expect(sub.rowsRead).toBeLessThan(AFFILIATES * SUBS * DAYS)
  })
})
