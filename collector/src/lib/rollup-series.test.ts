/**
 * The day buckets found by bisection (bucketStarts) are the buckets one `Intl` call per hour
 * gives (buildSeriesByHour), across DST changes, half-hour and 45-minute offsets, a 30-minute
 * DST (Lord Howe) and a day that never happened (Apia, 2011-12-30); UTC's own names take a path
 * with no `Intl` call at all.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { buildSeries, buildSeriesByHour, type RollupSums } from './rollup-series'

const HOUR = 3_600_000
const ZONES = [
  'UTC',
  'Etc/UTC',
  'GMT',
  'Europe/Paris',
  'America/New_York',
  'Asia/Kolkata',
  'Pacific/Chatham',
  'Australia/Lord_Howe',
  'America/Santiago',
  'Pacific/Apia',
  'Asia/Kathmandu',
  'America/St_Johns',
]

function row(t: number, clicks: number): RollupSums {
  return {
    hour: new Date(t).toISOString().slice(0, 13),
    currency: '',
    clicks,
    unique_clicks: 0,
    signups: 0,
    conversions: 0,
    refunds: 0,
    revenue: 0,
    commission: 0,
  }
}

describe('bucketStarts and buildSeries', () => {
  it('give the buckets and sums of the hour-by-hour reference', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 24 * 800 }),
        fc.integer({ min: 0, max: 24 * 120 }),
        fc.constantFrom(...ZONES),
        fc.constantFrom('hour' as const, 'day' as const),
        (a, n, tz, interval) => {
          // From 2011-06-01: the range covers Apia's skipped day and years of DST changes.
          const from = Date.parse('2011-06-01T00:00:00Z') + a * HOUR
          const to = from + n * HOUR
          const rows = Array.from({ length: 40 }, (_, i) =>
            row(from + Math.floor((i * n) / 40) * HOUR, i + 1),
          )
          expect(buildSeries(rows, from, to, interval, tz)).toEqual(
            buildSeriesByHour(rows, from, to, interval, tz),
          )
        },
      ),
      { numRuns: 300, seed: 20261201 },
    )
  })
})
