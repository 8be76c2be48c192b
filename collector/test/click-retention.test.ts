/** Raw-click retention: old raw clicks leave D1 and the hub, rollups and totals stay (docs/privacy.md). */
import { env, runInDurableObject } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import type { ProgramHub } from '../src/hub/program-hub'
import { runMaintenance } from '../src/lib/maintenance'
import { call, clickId, createAffiliate, createProgram, hub, sendClick } from './helpers'

const DAY = 86_400_000
const storageOf = (h: ProgramHub) => (h as unknown as { ctx: DurableObjectState }).ctx.storage

async function d1Clicks(programId: string) {
  const rows = await env.DB.prepare('SELECT COUNT(*) AS n FROM clicks WHERE program_id = ?')
    .bind(programId)
    .first<{ n: number }>()
  const rolled = await env.DB.prepare(
    'SELECT COALESCE(SUM(clicks), 0) AS n FROM rollups WHERE program_id = ?',
  )
    .bind(programId)
    .first<{ n: number }>()
  return { raw: rows?.n, rolled: rolled?.n }
}

describe('click retention', () => {
  it('takes 30–3650 days or null, naming the field otherwise', async () => {
    const { keys } = await createProgram()
    const get = await call('GET', '/v1/program', { token: keys.secret })
    expect(get.body.program.click_retention_days).toBeNull()
    for (const bad of [10, 4000, 45.5, '90']) {
      const res = await call('PATCH', '/v1/program', {
        token: keys.secret,
        body: { click_retention_days: bad },
      })
      expect(res.status, String(bad)).toBe(400)
      expect(res.body.error.field).toBe('click_retention_days')
    }
    const set = await call('PATCH', '/v1/program', { token: keys.secret, body: { click_retention_days: 90 } })
    expect(set.body.program.click_retention_days).toBe(90)
    const off = await call('PATCH', '/v1/program', {
      token: keys.secret,
      body: { click_retention_days: null },
    })
    expect(off.body.program.click_retention_days).toBeNull()
  })

  it('deletes raw clicks past the window in D1 and the hub; rollups and totals do not change', async () => {
    const { program, keys } = await createProgram()
    const { program: other, keys: otherKeys } = await createProgram()
    const jane = await createAffiliate(keys.secret)
    const omar = await createAffiliate(otherKeys.secret)
    for (let i = 0; i < 3; i++) {
      const ip = { 'cf-connecting-ip': `198.51.100.${i + 1}` }
      await sendClick(keys.publishable, { ref: jane.code, click_id: clickId() }, ip)
      await sendClick(otherKeys.publishable, { ref: omar.code, click_id: clickId() }, ip)
    }
    await hub(program.id).flush()
    await hub(other.id).flush()
    // Two of each program's clicks are 40 days old, in D1 and in the hub.
    for (const p of [program.id, other.id]) {
      await env.DB.prepare(
        `UPDATE clicks SET created_at = ? WHERE rowid IN (SELECT rowid FROM clicks WHERE program_id = ? LIMIT 2)`,
      )
        .bind(new Date(Date.now() - 40 * DAY).toISOString(), p)
        .run()
      await runInDurableObject(hub(p), (h: ProgramHub) => {
        storageOf(h).sql.exec(
          'UPDATE clicks SET at = at - ? WHERE click_id IN (SELECT click_id FROM clicks LIMIT 2)',
          40 * DAY,
        )
      })
    }
    const totalsBefore = await hub(program.id).totals('live')
    expect(await d1Clicks(program.id)).toEqual({ raw: 3, rolled: 3 })

    expect(
      (await call('PATCH', '/v1/program', { token: keys.secret, body: { click_retention_days: 30 } })).status,
    ).toBe(200)
    const { clicksDeleted } = await runMaintenance(env)
    expect(clicksDeleted).toBe(2)
    expect(await d1Clicks(program.id)).toEqual({ raw: 1, rolled: 3 })
    // The other program keeps everything: it has no retention setting.
    expect(await d1Clicks(other.id)).toEqual({ raw: 3, rolled: 3 })
    const hubClicks = (p: string) =>
      runInDurableObject(
        hub(p),
        (h: ProgramHub) => storageOf(h).sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM clicks').one().n,
      )
    expect(await hubClicks(program.id)).toBe(1)
    expect(await hubClicks(other.id)).toBe(3)
    expect(await hub(program.id).totals('live')).toEqual(totalsBefore)
    const stats = await call('GET', '/v1/stats', { token: keys.secret })
    expect(stats.body.totals.clicks).toBe(3)
    // Nothing left to delete: the next run deletes nothing.
    expect((await runMaintenance(env)).clicksDeleted).toBe(0)
  })
})
