/** The dashboard's affiliates with their last activity, read from the hourly rollups in workerd with the real migrations. */
import { env } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { createAffiliate, createProgram } from '../../test/helpers'
import { affiliateActivity } from './data'

const lastActivity = async (...args: Parameters<typeof affiliateActivity>) =>
  Object.fromEntries((await affiliateActivity(...args)).filter((a) => a.last).map((a) => [a.id, a.last]))

async function rollup(programId: string, mode: string, affiliateId: string, sub: string, hour: string) {
  await env.DB.prepare(
    `INSERT INTO rollups (program_id, mode, affiliate_id, sub, hour, currency, clicks) VALUES (?, ?, ?, ?, ?, '', 1)`,
  )
    .bind(programId, mode, affiliateId, sub, hour)
    .run()
}

describe('affiliateActivity', () => {
  it("gives each affiliate's latest hour in the range, of one program, mode and sub", async () => {
    const { program, keys } = await createProgram()
    const other = await createProgram()
    const p = program.id
    const aff_a = (await createAffiliate(keys.secret)).id as string
    const aff_b = (await createAffiliate(keys.secret)).id as string
    const aff_c = (await createAffiliate(other.keys.secret)).id as string
    await rollup(p, 'live', aff_a, '', '2026-03-01T10')
    await rollup(p, 'live', aff_a, 'news', '2026-03-02T08')
    await rollup(p, 'live', aff_b, '', '2026-03-01T12')
    await rollup(p, 'live', '', '', '2026-03-02T09')
    await rollup(p, 'test', aff_b, '', '2026-03-02T11')
    await rollup(p, 'live', aff_b, '', '2026-04-01T00')
    await rollup(other.program.id, 'live', aff_c, '', '2026-03-01T10')
    const range = { from: '2026-03-01T00:00:00.000Z', to: '2026-03-31T23:59:59.999Z' }
    expect(await lastActivity(env.DB, p, 'live', range)).toEqual({
      [aff_a]: '2026-03-02T08:00:00.000Z',
      [aff_b]: '2026-03-01T12:00:00.000Z',
    })
    expect(await lastActivity(env.DB, p, 'live', { ...range, sub: '' })).toEqual({
      [aff_a]: '2026-03-01T10:00:00.000Z',
      [aff_b]: '2026-03-01T12:00:00.000Z',
    })
    expect(await lastActivity(env.DB, p, 'test', range)).toEqual({ [aff_b]: '2026-03-02T11:00:00.000Z' })
    expect(await lastActivity(env.DB, other.program.id, 'live', range)).toEqual({
      [aff_c]: '2026-03-01T10:00:00.000Z',
    })
    // Every affiliate of the program, with what its link and state need.
    const all = await affiliateActivity(env.DB, p, 'live', { ...range, sub: 'nothing' })
    expect(all.map((a) => [a.id, a.status, a.last]).sort()).toEqual(
      [
        [aff_a, 'active', null],
        [aff_b, 'active', null],
      ].sort(),
    )
    expect(all.every((a) => typeof a.code === 'string' && a.code.length > 0)).toBe(true)
  })
})
