/**
 * The grained stats query answers exactly what the hourly rollups answer, for random ranges,
 * time zones, intervals and filters, in workerd with the real migrations (whose triggers keep
 * the grains) and rows written by the hub's own rollup statement builder.
 */
import { env } from 'cloudflare:test'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createAffiliate, createProgram } from '../../test/helpers'
import { rollupStatement, runBatch } from '../hub/d1-writes'
import { queryStatsD1 } from '../lib/stats-query'
import { coverHours, signedCover } from './grain-cover'
import { queryStatsHourly } from './hourly-reference'

const HOUR = 3_600_000
const START = Date.parse('2025-01-01T00:00:00Z')
const SPAN_HOURS = 430 * 24
const ZONES = [
  'UTC',
  'Etc/UTC',
  'Europe/Paris',
  'America/New_York',
  'Asia/Kolkata',
  'Pacific/Chatham',
  'Europe/London',
]

async function seed(programId: string, affiliateIds: string[], seedNo: number) {
  // A small deterministic generator, so a failure names its data.
  let x = seedNo >>> 0
  const rnd = (n: number) => {
    // mulberry32
    x = (x + 0x6d2b79f5) >>> 0
    let t = Math.imul(x ^ (x >>> 15), 1 | x)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) % n
  }
  const stmts = []
  for (let i = 0; i < 3_000; i++) {
    const key = {
      programId,
      mode: rnd(5) === 0 ? ('test' as const) : ('live' as const),
      affiliateId: rnd(6) === 0 ? null : (affiliateIds[rnd(affiliateIds.length)] as string),
      sub: rnd(3) === 0 ? null : `s${rnd(3)}`,
      // Every hour of the span may hold a row; one in four lands in a few busy hours again
      // (the upsert's update path).
      at: START + (i % 4 === 0 ? rnd(40) * 7 : rnd(SPAN_HOURS)) * HOUR,
    }
    if (rnd(2) === 0) {
      stmts.push(
        rollupStatement(
          { ...key, currency: '' },
          { clicks: 1 + rnd(4), unique_clicks: rnd(2), signups: rnd(2) },
        ),
      )
    } else {
      const currency = rnd(4) === 0 ? 'EUR' : 'USD'
      stmts.push(rollupStatement({ ...key, currency: '' }, { conversions: 1 }))
      stmts.push(rollupStatement({ ...key, currency }, { revenue: 100 + rnd(9_000), commission: rnd(900) }))
    }
  }
  for (let i = 0; i < stmts.length; i += 200) await runBatch(env.DB, stmts.slice(i, i + 200))
}

describe('grained stats', () => {
  it('covers an hour range with months, days and edge hours that add up to it exactly', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: SPAN_HOURS }),
        fc.integer({ min: 0, max: SPAN_HOURS }),
        (a, n) => {
          const from = START + a * HOUR
          const to = from + n * HOUR
          const c = coverHours(from, to)
          let hours = 0
          for (const [x, y] of c.hours) hours += (Date.parse(`${y}:00Z`) - Date.parse(`${x}:00Z`)) / HOUR
          for (const [x, y] of c.days) hours += (Date.parse(y) - Date.parse(x)) / HOUR
          for (const [x, y] of c.months) hours += (Date.parse(`${y}-01`) - Date.parse(`${x}-01`)) / HOUR
          expect(hours).toBe(n + 1)
        },
      ),
    )
  })

  it('signs a cover whose rows, added and taken back, come to the same hours, fewer of them', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: SPAN_HOURS }),
        fc.oneof(fc.integer({ min: 0, max: 24 * 70 }), fc.integer({ min: 0, max: SPAN_HOURS })),
        (a, n) => {
          const from = START + a * HOUR
          const to = from + n * HOUR
          const s = signedCover(from, to)
          // Every hour's multiplicity: 1 inside the range, 0 outside.
          const count = new Map<number, number>()
          const add = (x: number, y: number, sign: number) => {
            for (let t = x; t < y; t += HOUR) count.set(t, (count.get(t) ?? 0) + sign)
          }
          for (const [x, y, sign] of s.hours) add(Date.parse(`${x}:00Z`), Date.parse(`${y}:00Z`), sign)
          for (const [x, y, sign] of s.days) add(Date.parse(x), Date.parse(y), sign)
          for (const [x, y] of s.months) add(Date.parse(`${x}-01`), Date.parse(`${y}-01`), 1)
          for (const [t, k] of count) expect(k, new Date(t).toISOString()).toBe(t >= from && t <= to ? 1 : 0)
          expect([...count.values()].filter((k) => k === 1)).toHaveLength(n + 1)
          // No day range longer than half its month is left for the table to read day by day.
          for (const [x, y] of s.days)
            expect((Date.parse(y) - Date.parse(x)) / (24 * HOUR)).toBeLessThanOrEqual(16)
        },
      ),
      { numRuns: 40 },
    )
  })

  it('answers what the hourly rollups answer for random ranges, zones, intervals and filters', async () => {
    const created = await createProgram()
    const programId = created.program.id
    const affiliateIds: string[] = []
    for (let i = 0; i < 3; i++) affiliateIds.push((await createAffiliate(created.keys.secret)).id)
    await seed(programId, affiliateIds, 7)
    // An update that takes a row back (a refund's negative revenue) and a deletion (the test-data purge).
    await runBatch(env.DB, [
      rollupStatement(
        {
          programId,
          mode: 'live',
          affiliateId: affiliateIds[0] as string,
          sub: 's1',
          at: START + 30 * HOUR,
          currency: 'USD',
        },
        { revenue: -50 },
      ),
    ])
    await env.DB.prepare("DELETE FROM rollups WHERE program_id = ? AND mode = 'test' AND sub = 's2'")
      .bind(programId)
      .run()

    let nonEmpty = 0
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          a: fc.integer({ min: -48, max: SPAN_HOURS }),
          n: fc.oneof(fc.integer({ min: 0, max: 72 }), fc.integer({ min: 0, max: 400 * 24 })),
          minute: fc.integer({ min: 0, max: 59 }),
          tz: fc.constantFrom(...ZONES),
          interval: fc.constantFrom(undefined, 'hour', 'day'),
          affiliate: fc.constantFrom(undefined, 0, 1, 2),
          sub: fc.constantFrom(undefined, '', 's0', 's1'),
          mode: fc.constantFrom('live' as const, 'test' as const),
        }),
        async ({ a, n, minute, tz, interval, affiliate, sub, mode }) => {
          const from = new Date(START + a * HOUR + minute * 60_000).toISOString()
          const to = new Date(START + (a + n) * HOUR + minute * 30_000).toISOString()
          if (Date.parse(to) < Date.parse(from)) return
          const q = {
            from,
            to,
            tz,
            ...(interval ? { interval } : {}),
            ...(affiliate !== undefined ? { affiliate: affiliateIds[affiliate] } : {}),
            ...(sub !== undefined ? { sub } : {}),
          }
          const expected = await queryStatsHourly(env.DB, programId, mode, q)
          const actual = await queryStatsD1(env.DB, programId, mode, q)
          expect(actual).toEqual(expected)
          if (expected.totals.clicks > 0) nonEmpty++
        },
      ),
      { numRuns: 120, seed: 20261201 },
    )
    // Most runs must see data, or the comparison proves nothing.
    expect(nonEmpty).toBeGreaterThan(60)

    // The grains without a sub-id hold exactly the hourly rows grouped: no row missing, none left
    // behind by the purge's deletion, every sum equal.
    const sums =
      'SUM(clicks) AS clicks, SUM(unique_clicks) AS u, SUM(signups) AS s, SUM(conversions) AS c, SUM(revenue) AS r, SUM(commission) AS m'
    // The affiliate grains also count the hourly rows under each row.
    const grains = [
      ['rollup_affiliate_days', 'day', 'substr(hour, 1, 10)', 'affiliate_id, ', 'SUM(hour_rows)'],
      ['rollup_affiliate_months', 'month', 'substr(hour, 1, 7)', 'affiliate_id, ', 'SUM(hour_rows)'],
      ['rollup_program_days', 'day', 'substr(hour, 1, 10)', '', 'NULL'],
    ] as const
    for (const [table, key, expr, aff, rows] of grains) {
      const fromGrain = await env.DB.prepare(
        `SELECT mode, ${key} AS k, ${aff}currency, ${sums}, ${rows} AS n FROM ${table} WHERE program_id = ? GROUP BY mode, k, ${aff}currency ORDER BY 1, 2, 3, 4`,
      )
        .bind(programId)
        .all()
      const fromHours = await env.DB.prepare(
        `SELECT mode, ${expr} AS k, ${aff}currency, ${sums}, ${rows === 'NULL' ? 'NULL' : 'COUNT(*)'} AS n FROM rollups WHERE program_id = ? GROUP BY mode, k, ${aff}currency ORDER BY 1, 2, 3, 4`,
      )
        .bind(programId)
        .all()
      expect(fromGrain.results.length, table).toBeGreaterThan(10)
      expect(fromGrain.results, table).toEqual(fromHours.results)
    }
  }, 120_000)
})
