import { env } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { call, createAffiliate, createProgram, sendClick } from './helpers'

async function counts(programId: string) {
  const tables = ['conversions', 'commissions', 'signups', 'customers', 'refunds', 'events', 'rollups']
  const out: Record<string, number> = {}
  for (const t of tables) {
    const row = await env.DB.prepare(`SELECT COUNT(*) AS n FROM ${t} WHERE program_id = ?`)
      .bind(programId)
      .first<{ n: number }>()
    out[t] = row?.n ?? 0
  }
  return out
}

describe('bad input', () => {
  it.each([
    ['a float amount', { event_id: 'e', amount: 49.5, currency: 'USD' }, 'amount'],
    ['a negative amount', { event_id: 'e', amount: -100, currency: 'USD' }, 'amount'],
    ['a zero amount', { event_id: 'e', amount: 0, currency: 'USD' }, 'amount'],
    ['an amount given as a string', { event_id: 'e', amount: '4900', currency: 'USD' }, 'amount'],
    ['an unknown currency', { event_id: 'e', amount: 100, currency: 'XXQ' }, 'currency'],
    ['a missing currency', { event_id: 'e', amount: 100 }, 'currency'],
    ['a missing event id', { amount: 100, currency: 'USD' }, 'event_id'],
    [
      'an event id of 256 characters',
      { event_id: 'x'.repeat(256), amount: 100, currency: 'USD' },
      'event_id',
    ],
    [
      'a malformed occurred_at',
      { event_id: 'e', amount: 100, currency: 'USD', occurred_at: 'yesterday' },
      'occurred_at',
    ],
    ['a malformed click id', { event_id: 'e', amount: 100, currency: 'USD', click_id: 'a b' }, 'click_id'],
  ])('answers 400 naming the field for %s, and writes nothing', async (_name, body, field) => {
    const { keys, program } = await createProgram()
    await createAffiliate(keys.secret)
    const before = await counts(program.id)
    const res = await call('POST', '/v1/conversions', { token: keys.secret, body })
    expect(res.status).toBe(400)
    expect(res.body.error).toMatchObject({ code: 'invalid_request', field })
    expect(typeof res.body.error.message).toBe('string')
    expect(await counts(program.id)).toEqual(before)
  })

  it('answers 400 for malformed JSON', async () => {
    const { keys, program } = await createProgram()
    const res = await call('POST', '/v1/conversions', {
      token: keys.secret,
      raw: '{"event_id": "e",',
      headers: { 'content-type': 'application/json' },
    })
    expect(res.status).toBe(400)
    expect(res.body.error.code).toBe('invalid_request')
    expect((await counts(program.id)).conversions).toBe(0)
  })

  it('answers 400 for a JSON body that is not an object', async () => {
    const { keys } = await createProgram()
    const res = await call('POST', '/v1/signups', { token: keys.secret, body: [1, 2] })
    expect(res.status).toBe(400)
  })

  it('answers 400 naming customer_id for a signup without one', async () => {
    const { keys } = await createProgram()
    const res = await call('POST', '/v1/signups', { token: keys.secret, body: { email: 'a@b.co' } })
    expect(res.body.error.field).toBe('customer_id')
  })

  it('answers 413 for a body over 32 KB and writes nothing', async () => {
    const { keys, program } = await createProgram()
    const body = { event_id: 'big', amount: 100, currency: 'USD', metadata: { note: 'x'.repeat(1000) } }
    const raw = JSON.stringify({ ...body, padding: 'y'.repeat(33 * 1024) })
    const res = await call('POST', '/v1/conversions', {
      token: keys.secret,
      raw,
      headers: { 'content-type': 'application/json' },
    })
    expect(res.status).toBe(413)
    expect(res.body.error.code).toBe('payload_too_large')
    expect((await counts(program.id)).conversions).toBe(0)
  })

  it('answers 401 naming key for a click with a key of no program', async () => {
    const res = await sendClick('pk_live_nosuchprogram0000000000', { ref: 'x' })
    expect(res.status).toBe(401)
    expect(res.body.error.field).toBe('key')
  })

  it('answers 400 naming ref for a click without one', async () => {
    const { keys } = await createProgram()
    const res = await sendClick(keys.publishable, {})
    expect(res.status).toBe(400)
    expect(res.body.error.field).toBe('ref')
  })

  it('answers 400 for an invalid program', async () => {
    const res = await call('POST', '/v1/programs', {
      token: 'test-admin-token',
      body: { name: 'x', cookie_days: 401 },
    })
    expect(res.status).toBe(400)
    expect(res.body.error.field).toBe('cookie_days')
  })

  it('answers 409 naming code for a taken affiliate code', async () => {
    const { keys } = await createProgram()
    const aff = await createAffiliate(keys.secret)
    const res = await call('POST', '/v1/affiliates', {
      token: keys.secret,
      body: { name: 'B', email: 'b@example.com', code: aff.code },
    })
    expect(res.status).toBe(409)
    expect(res.body.error.field).toBe('code')
  })

  it('answers 404 in the error shape for unknown routes', async () => {
    const res = await call('GET', '/v1/nothing-here')
    expect(res.status).toBe(404)
    expect(res.body.error.code).toBe('not_found')
  })

  it('answers 400 naming tz for an unknown time zone in stats', async () => {
    const { keys } = await createProgram()
    const res = await call('GET', '/v1/stats?tz=Mars/Olympus', { token: keys.secret })
    expect(res.status).toBe(400)
    expect(res.body.error.field).toBe('tz')
  })
})
