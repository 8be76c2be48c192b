import { env } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { call, createAffiliate, createProgram } from './helpers'

async function deliveries(programId: string) {
  const { results } = await env.DB.prepare(
    'SELECT type, mode, payload FROM webhook_deliveries WHERE program_id = ? ORDER BY created_at, type',
  )
    .bind(programId)
    .all<{ type: string; mode: string; payload: string }>()
  return results.map((r) => ({ ...r, payload: JSON.parse(r.payload) }))
}

describe('webhooks from money events', () => {
  it('queues conversion, refund and commission webhooks in the same batch as the event', async () => {
    const { keys, program } = await createProgram()
    const aff = await createAffiliate(keys.secret)
    const endpoint = await call('POST', '/v1/webhook-endpoints', {
      token: keys.secret,
      body: { url: 'https://hooks.example.com/refline' },
    })
    expect(endpoint.status).toBe(201)
    const conv = await call('POST', '/v1/conversions', {
      token: keys.secret,
      body: { event_id: 'inv_wh', ref: aff.code, amount: 1_000, currency: 'USD' },
    })
    await call('POST', '/v1/refunds', {
      token: keys.secret,
      body: { event_id: 'rf_wh', conversion_event_id: 'inv_wh', amount: 500 },
    })
    // A replay sends nothing again.
    await call('POST', '/v1/conversions', {
      token: keys.secret,
      body: { event_id: 'inv_wh', ref: aff.code, amount: 1_000, currency: 'USD' },
    })
    const sent = await deliveries(program.id)
    expect(sent.map((d) => d.type).sort()).toEqual([
      'commission.updated',
      'conversion.created',
      'refund.created',
    ])
    const created = sent.find((d) => d.type === 'conversion.created')
    expect(created?.payload.data).toEqual(conv.body.conversion)
    expect(created?.payload.id).toMatch(/^evt_/)
    expect(sent.find((d) => d.type === 'commission.updated')?.payload.data.commission).toMatchObject({
      amount: 150,
      status: 'pending',
    })
  })

  it('sends test events only to test endpoints', async () => {
    const { keys, program } = await createProgram()
    await call('POST', '/v1/webhook-endpoints', {
      token: keys.secret,
      body: { url: 'https://hooks.example.com/live' },
    })
    await call('POST', '/v1/signups', { token: keys.test_secret, body: { customer_id: 'cus_t' } })
    expect(await deliveries(program.id)).toEqual([])
  })
})
