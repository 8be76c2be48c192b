import { createExecutionContext, env } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import worker from '../src/index'
import { ADMIN, call, createAffiliate, createProgram, sendClick } from './helpers'

describe('auth', () => {
  it('creates a program only with the admin token', async () => {
    expect((await call('POST', '/v1/programs', { body: { name: 'x' } })).status).toBe(401)
    expect((await call('POST', '/v1/programs', { token: 'wrong', body: { name: 'x' } })).status).toBe(401)
    const ok = await call('POST', '/v1/programs', { token: ADMIN, body: { name: 'x' } })
    expect(ok.status).toBe(201)
    expect(ok.body.keys.publishable).toMatch(/^pk_live_/)
    expect(ok.body.keys.secret).toMatch(/^sk_live_/)
    expect(ok.body.keys.test_publishable).toMatch(/^pk_test_/)
    expect(ok.body.keys.test_secret).toMatch(/^sk_test_/)
  })

  it('stores keys hashed, never in clear', async () => {
    const { program, keys } = await createProgram()
    const rows = await env.DB.prepare('SELECT * FROM api_keys WHERE program_id = ?').bind(program.id).all()
    expect(rows.results).toHaveLength(4)
    const dump = JSON.stringify(rows.results)
    for (const key of Object.values(keys)) expect(dump).not.toContain(key)
  })

  it('refuses a publishable key on every secret endpoint', async () => {
    const { keys } = await createProgram()
    for (const [method, path] of [
      ['POST', '/v1/signups'],
      ['POST', '/v1/conversions'],
      ['POST', '/v1/refunds'],
      ['GET', '/v1/affiliates'],
      ['POST', '/v1/affiliates'],
      ['GET', '/v1/stats'],
    ] as const) {
      const res = await call(method, path, {
        token: keys.publishable,
        body: method === 'POST' ? {} : undefined,
      })
      expect(res.status, `${method} ${path}`).toBe(403)
      expect(res.body.error.code).toBe('forbidden')
    }
  })

  it('refuses missing and unknown secret keys with 401', async () => {
    expect((await call('GET', '/v1/stats')).status).toBe(401)
    const res = await call('GET', '/v1/stats', { token: 'sk_live_doesnotexist00000000' })
    expect(res.status).toBe(401)
    expect(res.body.error.code).toBe('unauthorized')
  })

  it('refuses a secret key in a click body', async () => {
    const { keys } = await createProgram()
    const res = await sendClick(keys.secret, { ref: 'x' })
    expect(res.status).toBe(403)
    expect(res.body.error.field).toBe('key')
  })

  it('refuses revoked keys once the program rolled its keys', async () => {
    const { program, keys } = await createProgram()
    const rolled = await call('POST', `/v1/programs/${program.id}/keys/roll`, { token: ADMIN })
    expect(rolled.status).toBe(201)
    expect((await call('GET', '/v1/stats', { token: keys.secret })).status).toBe(401)
    expect((await call('GET', '/v1/stats', { token: rolled.body.keys.secret })).status).toBe(200)
  })

  it('keeps test-key events out of live totals', async () => {
    const { keys, program } = await createProgram()
    const aff = await createAffiliate(keys.secret)
    const test = await call('POST', '/v1/conversions', {
      token: keys.test_secret,
      body: { event_id: 't1', ref: aff.code, amount: 5000, currency: 'USD' },
    })
    expect(test.status).toBe(201)
    expect(test.body.conversion.commission.amount).toBe(1500)
    await sendClick(keys.test_publishable, { ref: aff.code })

    const live = await call('GET', '/v1/stats', { token: keys.secret })
    expect(live.body.mode).toBe('live')
    expect(live.body.totals).toMatchObject({ clicks: 0, conversions: 0, revenue: {} })
    const testStats = await call('GET', '/v1/stats', { token: keys.test_secret })
    expect(testStats.body.mode).toBe('test')
    expect(testStats.body.totals).toMatchObject({ conversions: 1, revenue: { USD: 5000 } })

    const h = env.HUB.get(env.HUB.idFromName(program.id))
    await h.flush()
    expect((await h.totals('live')).clicks).toBe(0)
    expect((await h.totals('test')).clicks).toBe(1)
    const rows = await env.DB.prepare('SELECT mode FROM conversions WHERE program_id = ?')
      .bind(program.id)
      .all()
    expect(rows.results).toEqual([{ mode: 'test' }])
  })

  it('keeps the same event id apart between test and live', async () => {
    const { keys } = await createProgram()
    const body = { event_id: 'same', amount: 100, currency: 'USD' }
    expect((await call('POST', '/v1/conversions', { token: keys.test_secret, body })).status).toBe(201)
    expect((await call('POST', '/v1/conversions', { token: keys.secret, body })).status).toBe(201)
  })

  it('refuses every admin action when the deployment ADMIN_TOKEN is too short to be safe', async () => {
    const weak = { ...env, ADMIN_TOKEN: 'letmein' }
    const res = await worker.fetch(
      new Request('http://collector.test/v1/programs', {
        method: 'POST',
        headers: { authorization: 'Bearer letmein', 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'x' }),
      }),
      weak,
      createExecutionContext(),
    )
    expect(res.status).toBe(401)
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain('16 characters')
  })

  it('lists only live affiliates in live stats and every affiliate in test stats', async () => {
    const { keys } = await createProgram()
    const live = await createAffiliate(keys.secret)
    const test = await createAffiliate(keys.test_secret)
    const liveStats = await call('GET', '/v1/stats', { token: keys.secret })
    const testStats = await call('GET', '/v1/stats', { token: keys.test_secret })
    expect(liveStats.body.affiliates.map((a: { id: string }) => a.id)).toEqual([live.id])
    expect(testStats.body.affiliates.map((a: { id: string }) => a.id).sort()).toEqual(
      [live.id, test.id].sort(),
    )
  })
})
