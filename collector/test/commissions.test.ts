import { describe, expect, it } from 'vitest'
import type { CommissionRecord, StatsResult } from '../src/shared'
import { call, createAffiliate, createProgram } from './helpers'
import { openSocket, settle } from './live-socket'

async function setup() {
  const { keys } = await createProgram({ commission: { type: 'percent', percent: 20 } })
  const jane = await createAffiliate(keys.secret, { name: 'Jane' })
  const omar = await createAffiliate(keys.secret, { name: 'Omar' })
  const ids: string[] = []
  for (const [i, aff] of [jane, omar, jane].entries()) {
    const res = await call('POST', '/v1/conversions', {
      token: keys.secret,
      body: { event_id: `inv_${i}`, ref: aff.code, amount: 10_000, currency: 'USD' },
    })
    expect(res.status).toBe(201)
    ids.push(res.body.conversion.commission.id)
  }
  return { keys, jane, omar, ids }
}

async function list(sk: string, query = ''): Promise<CommissionRecord[]> {
  const res = await call('GET', `/v1/commissions${query}`, { token: sk })
  expect(res.status).toBe(200)
  return res.body.commissions
}

async function stats(sk: string): Promise<StatsResult> {
  return (await call('GET', '/v1/stats', { token: sk })).body
}

describe('commissions', () => {
  it('lists commissions newest first, filtered by status and affiliate', async () => {
    const { keys, jane, omar } = await setup()
    const all = await list(keys.secret)
    expect(all).toHaveLength(3)
    expect(all[0]).toMatchObject({ amount: 2_000, currency: 'USD', status: 'pending', kind: 'conversion' })
    const created = all.map((c) => c.created_at)
    expect(created).toEqual([...created].sort().reverse())
    expect(all.find((c) => c.affiliate.id === jane.id)?.affiliate).toEqual({
      id: jane.id,
      code: jane.code,
      name: 'Jane',
    })
    expect((await list(keys.secret, `?affiliate=${omar.code}`)).map((c) => c.affiliate.id)).toEqual([omar.id])
    expect(await list(keys.secret, '?status=approved')).toEqual([])
    expect(await list(keys.test_secret)).toEqual([])
    const bad = await call('GET', '/v1/commissions?status=maybe', { token: keys.secret })
    expect(bad.status).toBe(400)
    expect(bad.body.error.field).toBe('status')
    expect((await call('GET', '/v1/commissions')).status).toBe(401)
  })

  it('refuses an affiliate filter that names no affiliate the key may see, naming the field', async () => {
    const { keys, jane } = await setup()
    const other = await createProgram()
    const stranger = await createAffiliate(other.keys.secret, { name: 'Stranger' })
    const tess = await createAffiliate(keys.test_secret, { name: 'Tess' })
    // Unknown, another program's (by id and by code), and a test affiliate asked for with a live key.
    for (const affiliate of ['nobody', 'aff_nope', stranger.id, stranger.code, tess.id]) {
      for (const format of ['', '&format=csv']) {
        const res = await call('GET', `/v1/commissions?affiliate=${affiliate}${format}`, {
          token: keys.secret,
        })
        expect(res.status, `${affiliate}${format}`).toBe(400)
        expect(res.body.error).toEqual({
          code: 'invalid_request',
          message: 'No affiliate with that id or code',
          field: 'affiliate',
        })
      }
    }
    // A test key may name a live affiliate (test events may credit one); a code matches in any case.
    expect(await list(keys.test_secret, `?affiliate=${jane.id}`)).toEqual([])
    expect(await list(keys.test_secret, `?affiliate=${tess.code}`)).toEqual([])
    expect(await list(keys.secret, `?affiliate=${jane.code.toUpperCase()}`)).toHaveLength(2)
  })

  it('approves a pending commission without changing the totals', async () => {
    const { keys } = await setup()
    const [first] = await list(keys.secret)
    const res = await call('POST', `/v1/commissions/${first?.id}/approve`, { token: keys.secret })
    expect(res.status).toBe(200)
    expect(res.body.commission).toMatchObject({ id: first?.id, status: 'approved', amount: 2_000 })
    expect((await list(keys.secret, '?status=approved')).map((c) => c.id)).toEqual([first?.id])
    expect((await stats(keys.secret)).totals.commission).toEqual({ USD: 6_000 })
  })

  it('rejecting subtracts the commission from D1 rollups, hub totals and tells live sockets', async () => {
    const { keys, jane, ids } = await setup()
    const token = (await call('POST', '/v1/live/tokens', { token: keys.secret })).body.token
    const janeToken = (
      await call('POST', '/v1/live/tokens', { token: keys.secret, body: { affiliate_id: jane.id } })
    ).body.token
    const founder = await openSocket(`/v1/live?token=${token}`)
    const janeSocket = await openSocket(`/v1/live?token=${janeToken}`)
    await founder.waitFor(1)
    await janeSocket.waitFor(1)
    const latest = { id: ids[2] }

    const res = await call('POST', `/v1/commissions/${latest?.id}/reject`, { token: keys.secret })
    expect(res.status).toBe(200)
    expect(res.body.commission).toMatchObject({ status: 'rejected', amount: 0, original_amount: 2_000 })

    const s = await stats(keys.secret)
    expect(s.totals.commission).toEqual({ USD: 4_000 })
    expect(s.affiliates.find((a) => a.id === jane.id)?.totals.commission).toEqual({ USD: 2_000 })

    await founder.waitFor(2)
    await janeSocket.waitFor(2)
    expect(founder.messages[1]).toMatchObject({
      type: 'commission',
      status: 'rejected',
      amount: 2_000,
      currency: 'USD',
      affiliate: { id: jane.id },
      totals: { commission: { USD: 4_000 } },
    })
    expect(janeSocket.messages[1]).toMatchObject({
      type: 'commission',
      totals: { commission: { USD: 2_000 } },
    })

    // A fresh snapshot agrees with D1.
    const again = await openSocket(`/v1/live?token=${token}`)
    expect((await again.waitFor(1))[0]?.totals.commission).toEqual({ USD: 4_000 })

    // Rejecting twice changes nothing; approving a rejected commission is a conflict.
    expect((await call('POST', `/v1/commissions/${latest?.id}/reject`, { token: keys.secret })).status).toBe(
      200,
    )
    await settle()
    expect(founder.messages).toHaveLength(2)
    expect((await stats(keys.secret)).totals.commission).toEqual({ USD: 4_000 })
    const conflict = await call('POST', `/v1/commissions/${latest?.id}/approve`, { token: keys.secret })
    expect(conflict.status).toBe(409)
    expect(conflict.body.error.code).toBe('conflict')
  })

  it('a refund after rejection does not subtract the commission again', async () => {
    const { keys, ids } = await setup()
    await call('POST', `/v1/commissions/${ids[2]}/reject`, { token: keys.secret })
    const refund = await call('POST', '/v1/refunds', {
      token: keys.secret,
      body: { event_id: 'rf_1', conversion_event_id: 'inv_2' },
    })
    expect(refund.status).toBe(201)
    expect((await stats(keys.secret)).totals.commission).toEqual({ USD: 4_000 })
  })

  it('only sees commissions of the key’s program and mode', async () => {
    const { keys } = await setup()
    const other = await createProgram()
    const [first] = await list(keys.secret)
    for (const sk of [other.keys.secret, keys.test_secret]) {
      const res = await call('POST', `/v1/commissions/${first?.id}/approve`, { token: sk })
      expect(res.status).toBe(404)
    }
    expect((await call('POST', '/v1/commissions/com_nope/reject', { token: keys.secret })).status).toBe(404)
  })
})
