/**
 * `DELETE /v1/customers/:id`: the customer's email hash, clicks' IP hashes and conversion metadata
 * are erased and its id replaced by a tombstone id, in D1 and the hub; money records, totals and
 * commissions stay exactly as they were.
 */
import { env } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { call, clickId, createAffiliate, createProgram, hub, sendClick } from '../../test/helpers'

async function rows(sql: string, ...params: string[]) {
  return (
    await env.DB.prepare(sql)
      .bind(...params)
      .all<Record<string, unknown>>()
  ).results
}

describe('DELETE /v1/customers/:id', () => {
  it('erases personal data everywhere and keeps the money records under a tombstone id', async () => {
    const { program, keys } = await createProgram()
    const sk = keys.secret
    const aff = await createAffiliate(sk)
    const click = clickId()
    await sendClick(keys.publishable, { click_id: click, ref: aff.code })
    await hub(program.id).flush()
    await call('POST', '/v1/signups', {
      token: sk,
      body: { customer_id: 'cus_erase', click_id: click, email: 'private@buyer.example' },
    })
    const conv = await call('POST', '/v1/conversions', {
      token: sk,
      body: {
        event_id: 'inv_e1',
        customer_id: 'cus_erase',
        amount: 4_900,
        currency: 'USD',
        metadata: { plan: 'pro' },
      },
    })
    expect(conv.status).toBe(201)
    const statsBefore = (await call('GET', '/v1/stats', { token: sk })).body.totals
    const commissionsBefore = (await call('GET', '/v1/commissions', { token: sk })).body.commissions

    const res = await call('DELETE', '/v1/customers/cus_erase', { token: sk })
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    const tomb = res.body.erased.tombstone_id as string
    expect(res.body.erased.customer_id).toBe('cus_erase')
    expect(tomb).toMatch(/^erased/)

    for (const table of ['customers', 'signups', 'conversions']) {
      expect(
        await rows(
          `SELECT 1 FROM ${table} WHERE program_id = ? AND customer_id = ?`,
          program.id,
          'cus_erase',
        ),
      ).toEqual([])
    }
    expect(
      await rows(
        "SELECT 1 FROM events WHERE program_id = ? AND instr(response, 'cus_erase') > 0",
        program.id,
      ),
    ).toEqual([])
    expect(
      await rows('SELECT ip_hash FROM clicks WHERE program_id = ? AND click_id = ?', program.id, click),
    ).toEqual([{ ip_hash: 'erased' }])
    expect(
      await rows(
        'SELECT email_hash, affiliate_id FROM customers WHERE program_id = ? AND customer_id = ?',
        program.id,
        tomb,
      ),
    ).toEqual([{ email_hash: null, affiliate_id: aff.id }])
    expect(
      await rows(
        'SELECT metadata, amount FROM conversions WHERE program_id = ? AND customer_id = ?',
        program.id,
        tomb,
      ),
    ).toEqual([{ metadata: null, amount: 4_900 }])

    // Money is untouched and the hub agrees with D1.
    expect((await call('GET', '/v1/stats', { token: sk })).body.totals).toEqual(statsBefore)
    expect((await call('GET', '/v1/commissions', { token: sk })).body.commissions).toEqual(commissionsBefore)
    expect(await hub(program.id).audit()).toEqual([])

    // The journey is gone under the old id and still explains the commission under the tombstone.
    expect((await call('GET', '/v1/customers/cus_erase/journey', { token: sk })).status).toBe(404)
    const j = (await call('GET', `/v1/customers/${tomb}/journey`, { token: sk })).body.journey
    expect(j.affiliate.id).toBe(aff.id)
    expect(j.conversions).toHaveLength(1)

    // A later payment of the erased id is a new, unknown customer: the hub forgot it too.
    const later = await call('POST', '/v1/conversions', {
      token: sk,
      body: { event_id: 'inv_e2', customer_id: 'cus_erase', amount: 4_900, currency: 'USD' },
    })
    expect(later.status).toBe(201)
    expect(later.body.conversion.affiliate).toBeNull()
    expect(await hub(program.id).audit()).toEqual([])
  })

  it('answers 404 for an unknown customer, an erased one, and across modes', async () => {
    const { keys } = await createProgram()
    await call('POST', '/v1/signups', { token: keys.secret, body: { customer_id: 'cus_live' } })
    expect((await call('DELETE', '/v1/customers/cus_live', { token: keys.test_secret })).status).toBe(404)
    expect(
      (await call('DELETE', '/v1/customers/cus_nobody', { token: keys.secret })).body.error,
    ).toMatchObject({
      code: 'not_found',
      field: 'id',
    })
    expect((await call('DELETE', '/v1/customers/cus_live', { token: keys.secret })).status).toBe(200)
    expect((await call('DELETE', '/v1/customers/cus_live', { token: keys.secret })).status).toBe(404)
    expect((await call('DELETE', '/v1/customers/cus_live')).status).toBe(401)
  })
})
