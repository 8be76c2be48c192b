/**
 * An affiliate's own signup reward (`signup_reward` on `POST /v1/affiliates` and
 * `PATCH /v1/affiliates/:id`) through the real collector: it replaces the program's, amount 0 pays
 * that affiliate none, null goes back to the program's, the commission records that it came from
 * the affiliate, and the field is validated and guarded like the rest of an affiliate. Also the
 * `?status=` filter of `GET /v1/affiliates`.
 */
import { createExecutionContext, env } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { parseCsv } from '../src/domain/csv'
import worker from '../src/index'
import type { Affiliate, CommissionRecord } from '../src/shared'
import { call, clickId, createAffiliate, createProgram, hub, sendClick } from './helpers'

async function signup(sk: string, body: Record<string, unknown>) {
  const res = await call('POST', '/v1/signups', { token: sk, body })
  expect(res.status, JSON.stringify(res.body)).toBe(201)
  return res.body.signup as { id: string; commission?: { id: string; amount: number; currency: string } }
}

async function commission(sk: string, id: string): Promise<CommissionRecord> {
  const res = await call('GET', `/v1/commissions/${id}`, { token: sk })
  expect(res.status).toBe(200)
  return res.body.commission
}

describe('an affiliate’s own signup reward', () => {
  it('replaces the program’s reward and the commission says it came from the affiliate', async () => {
    const { keys, program } = await createProgram({ signup_reward: { amount: 5_000, currency: 'USD' } })
    const own = await createAffiliate(keys.secret, { signup_reward: { amount: 1_200, currency: 'EUR' } })
    const plain = await createAffiliate(keys.secret)

    const got = await call('GET', `/v1/affiliates/${own.id}`, { token: keys.secret })
    expect(got.body.affiliate.signup_reward).toEqual({ amount: 1_200, currency: 'EUR' })
    expect(
      (await call('GET', `/v1/affiliates/${plain.id}`, { token: keys.secret })).body.affiliate,
    ).toMatchObject({ signup_reward: null })

    const a = await signup(keys.secret, { customer_id: 'cus_own', ref: own.code })
    expect(a.commission).toMatchObject({ amount: 1_200, currency: 'EUR' })
    const b = await signup(keys.secret, { customer_id: 'cus_plain', ref: plain.code })
    expect(b.commission).toMatchObject({ amount: 5_000, currency: 'USD' })

    expect(await commission(keys.secret, a.commission?.id ?? '')).toMatchObject({
      kind: 'signup',
      rule: { source: 'signup_reward', affiliate_override: true },
    })
    const fromProgram = await commission(keys.secret, b.commission?.id ?? '')
    expect(fromProgram.rule).toEqual({ source: 'signup_reward' })
    expect(await hub(program.id).totals('live')).toMatchObject({ commission: { USD: 5_000, EUR: 1_200 } })
  })

  it('pays even when the program has no reward, and keeps its own within_hours window', async () => {
    const { keys } = await createProgram()
    const aff = await createAffiliate(keys.secret, {
      signup_reward: { amount: 700, currency: 'USD', within_hours: 1 },
    })
    const inside = clickId()
    expect((await sendClick(keys.publishable, { click_id: inside, ref: aff.code })).status).toBe(202)
    const won = await signup(keys.secret, { customer_id: 'cus_w1', click_id: inside })
    expect(won.commission).toMatchObject({ amount: 700 })
    // No click time (a bare ref): with a window, it cannot be shown to be within it.
    const lost = await signup(keys.secret, { customer_id: 'cus_w2', ref: aff.code })
    expect(lost.commission).toBeUndefined()
  })

  it('amount 0 pays this affiliate none; null goes back to the program’s reward', async () => {
    const { keys } = await createProgram({ signup_reward: { amount: 5_000, currency: 'USD' } })
    const aff = await createAffiliate(keys.secret)
    const off = await call('PATCH', `/v1/affiliates/${aff.id}`, {
      token: keys.secret,
      body: { signup_reward: { amount: 0, currency: 'USD' } },
    })
    expect(off.status).toBe(200)
    expect(off.body.affiliate.signup_reward).toEqual({ amount: 0, currency: 'USD' })
    expect((await signup(keys.secret, { customer_id: 'cus_z1', ref: aff.code })).commission).toBeUndefined()

    const back = await call('PATCH', `/v1/affiliates/${aff.id}`, {
      token: keys.secret,
      body: { signup_reward: null },
    })
    expect(back.body.affiliate.signup_reward).toBeNull()
    const paid = await signup(keys.secret, { customer_id: 'cus_z2', ref: aff.code })
    expect(paid.commission).toMatchObject({ amount: 5_000, currency: 'USD' })

    // A patch without the field leaves the override alone.
    await call('PATCH', `/v1/affiliates/${aff.id}`, {
      token: keys.secret,
      body: { signup_reward: { amount: 300, currency: 'USD' } },
    })
    const renamed = await call('PATCH', `/v1/affiliates/${aff.id}`, {
      token: keys.secret,
      body: { name: 'R' },
    })
    expect(renamed.body.affiliate.signup_reward).toEqual({ amount: 300, currency: 'USD' })
  })

  it('refuses a bad reward with a 400 naming the field, on create and on patch', async () => {
    const { keys } = await createProgram()
    const aff = await createAffiliate(keys.secret)
    for (const [reward, field] of [
      [{ amount: -1, currency: 'USD' }, 'signup_reward.amount'],
      [{ amount: 1.5, currency: 'USD' }, 'signup_reward.amount'],
      [{ amount: 100, currency: 'XXQ' }, 'signup_reward.currency'],
      [{ amount: 100 }, 'signup_reward.currency'],
      [{ amount: 100, currency: 'USD', within_hours: 0 }, 'signup_reward.within_hours'],
      [{ amount: 100, currency: 'USD', hours: 2 }, 'signup_reward.hours'],
      ['100', 'signup_reward'],
    ] as const) {
      const created = await call('POST', '/v1/affiliates', {
        token: keys.secret,
        body: { name: 'B', email: 'b@example.com', signup_reward: reward },
      })
      expect(created.status, JSON.stringify(reward)).toBe(400)
      expect(created.body.error.field).toBe(field)
      const patched = await call('PATCH', `/v1/affiliates/${aff.id}`, {
        token: keys.secret,
        body: { signup_reward: reward },
      })
      expect(patched.status).toBe(400)
      expect(patched.body.error.field).toBe(field)
    }
    const typo = await call('PATCH', `/v1/affiliates/${aff.id}`, {
      token: keys.secret,
      body: { signup_rewards: null },
    })
    expect(typo.status).toBe(400)
    expect(typo.body.error.field).toBe('signup_rewards')
    const after = await call('GET', `/v1/affiliates/${aff.id}`, { token: keys.secret })
    expect(after.body.affiliate.signup_reward).toBeNull()
  })

  it('a test key cannot change a live affiliate’s reward, and test signups use it', async () => {
    const { keys } = await createProgram()
    const aff = await createAffiliate(keys.secret, { signup_reward: { amount: 900, currency: 'USD' } })
    const res = await call('PATCH', `/v1/affiliates/${aff.id}`, {
      token: keys.test_secret,
      body: { signup_reward: { amount: 0, currency: 'USD' } },
    })
    expect(res.status).toBe(403)
    expect(res.body.error.code).toBe('forbidden')
    const live = await call('GET', `/v1/affiliates/${aff.id}`, { token: keys.secret })
    expect(live.body.affiliate.signup_reward).toEqual({ amount: 900, currency: 'USD' })
    // A test signup may credit the live affiliate and earns its reward, as test data.
    const s = await signup(keys.test_secret, { customer_id: 'cus_t', ref: aff.code })
    expect(s.commission).toMatchObject({ amount: 900 })
    expect((await call('GET', `/v1/commissions/${s.commission?.id}`, { token: keys.secret })).status).toBe(
      404,
    )
  })
})

describe('GET /v1/affiliates?status=', () => {
  it('lists one status only, every status without it, and refuses an unknown one naming status', async () => {
    const { keys } = await createProgram()
    const active = await createAffiliate(keys.secret)
    const disabled = await createAffiliate(keys.secret)
    await call('PATCH', `/v1/affiliates/${disabled.id}`, { token: keys.secret, body: { status: 'disabled' } })

    const ids = async (query: string) => {
      const res = await call('GET', `/v1/affiliates${query}`, { token: keys.secret })
      expect(res.status, JSON.stringify(res.body)).toBe(200)
      return (res.body.affiliates as Affiliate[]).map((a) => a.id)
    }
    expect(await ids('?status=active')).toEqual([active.id])
    expect(await ids('?status=disabled')).toEqual([disabled.id])
    expect(await ids('?status=pending')).toEqual([])
    expect(await ids('')).toEqual([active.id, disabled.id])

    for (const bad of ['?status=gone', '?status=active,disabled', '?status=ACTIVE']) {
      const res = await call('GET', `/v1/affiliates${bad}`, { token: keys.secret })
      expect(res.status).toBe(400)
      expect(res.body.error.field).toBe('status')
    }
    const unknown = await call('GET', '/v1/affiliates?state=active', { token: keys.secret })
    expect(unknown.status).toBe(400)
    expect(unknown.body.error.field).toBe('state')

    // The CSV export takes the same filter.
    const req = new Request('http://collector.test/v1/affiliates?format=csv&status=disabled', {
      headers: { authorization: `Bearer ${keys.secret}` },
    })
    const res = await worker.fetch(req, env, createExecutionContext())
    expect(res.status).toBe(200)
    const [, ...rows] = parseCsv(await res.text())
    expect(rows.map((r) => r[0])).toEqual([disabled.id])
  })
})
