import { abortAllDurableObjects, env } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { call, clickId, createAffiliate, createProgram, sendClick } from './helpers'

describe('hub restart', () => {
  it('keeps counters, buffered clicks and idempotency across a restart of the hub', async () => {
    const { keys, program } = await createProgram()
    const aff = await createAffiliate(keys.secret)
    await sendClick(keys.publishable, { ref: aff.code, click_id: clickId() })
    const body = { event_id: 'r1', ref: aff.code, amount: 4900, currency: 'USD' }
    const first = await call('POST', '/v1/conversions', { token: keys.secret, body })
    const before = await env.HUB.get(env.HUB.idFromName(program.id)).totals('live')

    await abortAllDurableObjects()

    const hub = env.HUB.get(env.HUB.idFromName(program.id))
    expect(await hub.totals('live')).toEqual(before)
    expect(before).toMatchObject({
      clicks: 1,
      conversions: 1,
      revenue: { USD: 4900 },
      commission: { USD: 1470 },
    })
    const replay = await call('POST', '/v1/conversions', { token: keys.secret, body })
    expect(replay.status).toBe(200)
    expect(replay.body).toEqual(first.body)
    await hub.flush()
    const d1 = await env.DB.prepare('SELECT COUNT(*) AS n FROM clicks WHERE program_id = ?')
      .bind(program.id)
      .first()
    expect(d1).toEqual({ n: 1 })
  })
})
