import { abortAllDurableObjects, runInDurableObject } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import type { ProgramHub } from '../src/hub/program-hub'
import { call, clickId, createAffiliate, createProgram, d1Count, hub, sendClick } from './helpers'

describe('a hub that dies between D1 and its own commit', () => {
  it('restores the customer, the counters and the live feed when the signup is retried', async () => {
    const { keys, program } = await createProgram()
    const aff = await createAffiliate(keys.secret)
    const click = clickId()
    await sendClick(keys.publishable, { ref: aff.code, click_id: click })
    const signup = { customer_id: 'cus_crash', click_id: click }

    await hub(program.id).setFault('after_d1_commit')
    const failed = await call('POST', '/v1/signups', { token: keys.secret, body: signup })
    expect(failed.status).toBe(500)
    expect(await d1Count('signups', program.id)).toBe(1)
    await abortAllDurableObjects()

    const retried = await call('POST', '/v1/signups', { token: keys.secret, body: signup })
    expect(retried.status).toBe(200)
    expect(retried.headers.get('Idempotent-Replayed')).toBe('true')
    expect(retried.body.signup.affiliate).toEqual({ id: aff.id, code: aff.code })
    expect(await d1Count('signups', program.id)).toBe(1)

    // The customer→affiliate link survived: a later conversion with no click still attributes.
    const conv = await call('POST', '/v1/conversions', {
      token: keys.secret,
      body: { event_id: 'inv_after_crash', customer_id: 'cus_crash', amount: 10_000, currency: 'USD' },
    })
    expect(conv.status).toBe(201)
    expect(conv.body.conversion.affiliate).toEqual({ id: aff.id, code: aff.code })
    expect(conv.body.conversion.commission).toMatchObject({ amount: 3_000 })

    const totals = await hub(program.id).totals('live')
    expect(totals).toMatchObject({ clicks: 1, signups: 1, conversions: 1 })
    const { feed } = await hub(program.id).activity('live')
    expect(feed.filter((f) => f.type === 'signup')).toHaveLength(1)
    expect(await hub(program.id).audit()).toEqual([])
  })

  it('recovers a conversion on the next event even when it is never retried', async () => {
    const { keys, program } = await createProgram()
    const aff = await createAffiliate(keys.secret)
    await hub(program.id).setFault('after_d1_commit')
    const body = { event_id: 'inv_lost_answer', ref: aff.code, amount: 4_900, currency: 'USD' }
    expect((await call('POST', '/v1/conversions', { token: keys.secret, body })).status).toBe(500)
    await abortAllDurableObjects()

    const other = await call('POST', '/v1/conversions', {
      token: keys.secret,
      body: { event_id: 'inv_next', ref: aff.code, amount: 100, currency: 'USD' },
    })
    expect(other.status).toBe(201)
    expect(await hub(program.id).totals('live')).toMatchObject({
      conversions: 2,
      revenue: { USD: 5_000 },
      commission: { USD: 1_500 },
    })
    expect(await hub(program.id).audit()).toEqual([])
    const replay = await call('POST', '/v1/conversions', { token: keys.secret, body })
    expect(replay.status).toBe(200)
    expect(await d1Count('conversions', program.id)).toBe(2)
  })

  it('rebuilds counters, customers and idempotency from D1 when the hub lost its storage', async () => {
    const { keys, program } = await createProgram()
    const aff = await createAffiliate(keys.secret)
    const click = clickId()
    await sendClick(keys.publishable, { ref: aff.code, click_id: click })
    await call('POST', '/v1/signups', {
      token: keys.secret,
      body: { customer_id: 'cus_rb', click_id: click },
    })
    const first = { event_id: 'inv_rb_1', customer_id: 'cus_rb', amount: 2_000, currency: 'EUR' }
    const firstAnswer = await call('POST', '/v1/conversions', { token: keys.secret, body: first })
    await hub(program.id).flush()
    const before = await hub(program.id).totals('live')

    await runInDurableObject(hub(program.id), async (_instance: ProgramHub, state) => {
      await state.storage.deleteAll()
    })
    await abortAllDurableObjects()

    const replay = await call('POST', '/v1/conversions', { token: keys.secret, body: first })
    expect(replay.status).toBe(200)
    expect(replay.body).toEqual(firstAnswer.body)
    expect(await hub(program.id).totals('live')).toEqual(before)
    const second = await call('POST', '/v1/conversions', {
      token: keys.secret,
      body: { event_id: 'inv_rb_2', customer_id: 'cus_rb', amount: 2_000, currency: 'EUR' },
    })
    expect(second.body.conversion.affiliate).toEqual({ id: aff.id, code: aff.code })
    expect(await hub(program.id).audit()).toEqual([])
  })

  it('keeps hub and D1 equal when a commission approval dies after D1', async () => {
    const { keys, program } = await createProgram()
    const aff = await createAffiliate(keys.secret)
    const conv = await call('POST', '/v1/conversions', {
      token: keys.secret,
      body: { event_id: 'inv_appr', ref: aff.code, amount: 1_000, currency: 'USD' },
    })
    const id = conv.body.conversion.commission.id
    await hub(program.id).setFault('after_d1_commit')
    expect((await call('POST', `/v1/commissions/${id}/reject`, { token: keys.secret })).status).toBe(500)
    await abortAllDurableObjects()
    const again = await call('POST', `/v1/commissions/${id}/reject`, { token: keys.secret })
    expect(again.status).toBe(200)
    expect(again.body.commission.status).toBe('rejected')
    expect((await hub(program.id).totals('live')).commission).toEqual({ USD: 0 })
    expect(await hub(program.id).audit()).toEqual([])
  })
})

describe('operator tools', () => {
  it('audits and rebuilds a hub with the admin token only', async () => {
    const { keys, program } = await createProgram()
    const aff = await createAffiliate(keys.secret)
    await sendClick(keys.publishable, { ref: aff.code, click_id: clickId() })
    expect((await call('GET', `/v1/admin/programs/${program.id}/audit`, { token: keys.secret })).status).toBe(
      401,
    )
    const audit = await call('GET', `/v1/admin/programs/${program.id}/audit`, { token: 'test-admin-token' })
    expect(audit.body).toEqual({ program_id: program.id, equal: true, differences: [] })
    const rebuilt = await call('POST', `/v1/admin/programs/${program.id}/rebuild`, {
      token: 'test-admin-token',
    })
    expect(rebuilt.status).toBe(200)
    expect(rebuilt.body.rebuilt).toMatchObject({ clicks: 1 })
    expect((await hub(program.id).totals('live')).clicks).toBe(1)
    const missing = await call('GET', '/v1/admin/programs/prg_nope/health', { token: 'test-admin-token' })
    expect(missing.status).toBe(404)
  })
})
