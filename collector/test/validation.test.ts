import { env } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { dashboardSession, expectErrorShape, storedState } from './fuzz-support'
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

describe('dates and times in queries', () => {
  it.each([
    ['to', '-271821-04-20T00:00:00Z'],
    ['to', '+275760-09-13T00:00:00Z'],
    ['from', '-271821-04-20T00:00:00Z'],
    ['from', '1970-01-01'],
    ['to', '10000-01-01'],
    ['from', '2024-02-30'],
    ['to', '2024-13-01T00:00:00Z'],
    ['from', 'March 7, 2025'],
    ['to', '1'],
    ['from', '2025-01-01T25:00:00Z'],
  ])('GET /v1/stats answers 400 naming %s for %s', async (field, value) => {
    const { keys } = await createProgram()
    const res = await call('GET', `/v1/stats?${field}=${encodeURIComponent(value)}`, { token: keys.secret })
    expect(res.status).toBe(400)
    expect(res.body.error).toMatchObject({ code: 'invalid_request', field })
  })

  it('GET /v1/stats answers 400 naming from when from is after to, and for a range over 400 days', async () => {
    const { keys } = await createProgram()
    const after = await call('GET', '/v1/stats?from=2025-03-02&to=2025-03-01', { token: keys.secret })
    expect(after.body.error).toMatchObject({ code: 'invalid_request', field: 'from' })
    const long = await call('GET', '/v1/stats?from=2020-01-01&to=2025-01-01', { token: keys.secret })
    expect(long.body.error).toMatchObject({ code: 'invalid_request', field: 'from' })
  })

  it.each([
    ['interval', 'week'],
    ['interval', 'HOUR'],
    ['tz', 'Mars/Olympus'],
    ['tz', 'x'.repeat(300)],
    ['affiliate', 'a'.repeat(300)],
    ['sub', 's'.repeat(300)],
  ])('GET /v1/stats answers 400 naming %s for a bad value', async (field, value) => {
    const { keys } = await createProgram()
    const res = await call('GET', `/v1/stats?${field}=${encodeURIComponent(value)}`, { token: keys.secret })
    expect(res.status).toBe(400)
    expect(res.body.error).toMatchObject({ code: 'invalid_request', field })
  })

  it('GET /v1/stats still takes dates, date-times with offsets and a time zone', async () => {
    const { keys } = await createProgram()
    const res = await call(
      'GET',
      `/v1/stats?from=2025-03-01&to=${encodeURIComponent('2025-03-03T12:00:00+01:00')}&interval=hour&tz=Europe/Paris`,
      { token: keys.secret },
    )
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({ from: '2025-03-01T00:00:00.000Z', to: '2025-03-03T11:00:00.000Z' })
  })

  it('the dashboard overview answers 400 naming to for an unrepresentable date', async () => {
    const { program } = await createProgram()
    const { cookie } = await dashboardSession()
    const res = await call(
      'GET',
      `/dashboard/api/overview?program=${program.id}&to=${encodeURIComponent('-271821-04-20T00:00:00Z')}`,
      { headers: { cookie } },
    )
    expect(res.status).toBe(400)
    expect(res.body.error).toMatchObject({ code: 'invalid_request', field: 'to' })
  })

  it('GET /v1/commissions answers 400 naming limit for a limit that is not a plain integer', async () => {
    const { keys } = await createProgram()
    for (const limit of ['1e2', '0x10', '5.0', ' 5']) {
      const res = await call('GET', `/v1/commissions?limit=${encodeURIComponent(limit)}`, {
        token: keys.secret,
      })
      expect(res.body.error, limit).toMatchObject({ code: 'invalid_request', field: 'limit' })
    }
  })
})

describe('unknown and malformed body fields', () => {
  it('PATCH /v1/affiliates/:id answers 400 naming an unknown field, and changes nothing', async () => {
    const { keys, program } = await createProgram()
    const aff = await createAffiliate(keys.secret)
    const before = await storedState([program.id])
    const res = await call('PATCH', `/v1/affiliates/${aff.id}`, {
      token: keys.secret,
      body: { name: 'Renamed', nickname: 'x' },
    })
    expect(res.status).toBe(400)
    expect(res.body.error).toMatchObject({ code: 'invalid_request', field: 'nickname' })
    expect(res.body.error.message).toMatch(/unknown field/i)
    expect(
      (await call('GET', `/v1/affiliates/${aff.id}`, { token: keys.secret })).body.affiliate.name,
    ).not.toBe('Renamed')
    expect(await storedState([program.id])).toEqual(before)
  })

  it.each([
    ['POST', '/v1/programs', { name: 'Acme', colour: 'red' }, 'colour'],
    [
      'POST',
      '/v1/programs',
      { name: 'Acme', commission: { type: 'percent', percent: 10, cap: 1 } },
      'commission.cap',
    ],
    [
      'POST',
      '/v1/programs',
      { name: 'Acme', bonus: { amount: 100, currency: 'USD', within_hours: 24, extra: true } },
      'bonus.extra',
    ],
    ['POST', '/v1/affiliates', { name: 'A', email: 'a@example.com', phone: '1' }, 'phone'],
    ['POST', '/v1/signups', { customer_id: 'c1', plan: 'pro' }, 'plan'],
    [
      'POST',
      '/v1/conversions',
      { event_id: 'e1', amount: 100, currency: 'USD', amount_cents: 1 },
      'amount_cents',
    ],
    ['POST', '/v1/refunds', { event_id: 'r1', conversion_event_id: 'e1', reason: 'x' }, 'reason'],
  ])('%s %s answers 400 naming the unknown field %j', async (method, path, body, field) => {
    const { keys, program } = await createProgram()
    const before = await storedState([program.id])
    const token = path === '/v1/programs' ? 'test-admin-token' : keys.secret
    const res = await call(method, path, { token, body })
    expect(res.status).toBe(400)
    expect(res.body.error).toMatchObject({ code: 'invalid_request', field })
    expect(res.body.error.message).toMatch(/unknown field/i)
    expect(await storedState([program.id])).toEqual(before)
  })

  it('POST /v1/clicks answers 400 naming an unknown field', async () => {
    const { keys } = await createProgram()
    const res = await sendClick(keys.publishable, { ref: 'x', visitor: 'me' })
    expect(res.status).toBe(400)
    expect(res.body.error).toMatchObject({ code: 'invalid_request', field: 'visitor' })
  })

  it('a JSON body of the wrong content type is a 400 naming no field, and writes nothing', async () => {
    const { keys, program } = await createProgram()
    const before = await storedState([program.id])
    for (const type of [
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
    ]) {
      const res = await call('POST', '/v1/conversions', {
        token: keys.secret,
        raw: JSON.stringify({ event_id: 'ct', amount: 100, currency: 'USD' }),
        headers: { 'content-type': type },
      })
      expect(res.status, type).toBe(400)
      expect(res.body.error.code).toBe('invalid_request')
      expect(res.body.error.message).toMatch(/content-type/i)
    }
    expect(await storedState([program.id])).toEqual(before)
  })

  it.each([['null'], ['"text"'], ['42'], ['[]'], ['true']])(
    'a JSON body that is %s, not an object, is a 400 saying so',
    async (raw) => {
      const { keys } = await createProgram()
      const res = await call('POST', '/v1/conversions', {
        token: keys.secret,
        raw,
        headers: { 'content-type': 'application/json' },
      })
      expect(res.status).toBe(400)
      expect(res.body.error.code).toBe('invalid_request')
      expect(res.body.error.message).toMatch(/object/)
    },
  )

  it('a streamed body over 32 KB with no Content-Length is a 413', async () => {
    const { keys } = await createProgram()
    const chunk = new TextEncoder().encode(' '.repeat(8 * 1024))
    let sent = 0
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 8) controller.enqueue(chunk)
        else controller.close()
      },
    })
    const { default: worker } = await import('../src/index')
    const { createExecutionContext } = await import('cloudflare:test')
    const req = new Request('http://collector.test/v1/conversions', {
      method: 'POST',
      headers: { authorization: `Bearer ${keys.secret}`, 'content-type': 'application/json' },
      body: stream,
      // @ts-expect-error: workerd needs duplex for a streamed request body
      duplex: 'half',
    })
    const res = await worker.fetch(req, env, createExecutionContext())
    expect(res.status).toBe(413)
    expectErrorShape(await res.text(), 'streamed body')
  })
})

describe('amounts, currencies and times in bodies', () => {
  it.each([
    ['a float in minor units', { amount: 10.5 }, 'amount'],
    ['an amount past the maximum', { amount: 1e15 }, 'amount'],
    ['an amount of Infinity as a string', { amount: 'Infinity' }, 'amount'],
    ['a two-letter currency', { currency: 'US' }, 'currency'],
    ['a currency with spaces', { currency: ' USD' }, 'currency'],
    ['a numeric currency', { currency: 840 }, 'currency'],
    ['occurred_at in year 1', { occurred_at: '0001-01-01T00:00:00Z' }, 'occurred_at'],
    ['occurred_at in year 9999', { occurred_at: '9999-12-31T23:59:59Z' }, 'occurred_at'],
    ['occurred_at on 30 February', { occurred_at: '2025-02-30T00:00:00Z' }, 'occurred_at'],
    ['occurred_at with no zone', { occurred_at: '2025-02-01T00:00:00' }, 'occurred_at'],
    ['an empty customer_id', { customer_id: '' }, 'customer_id'],
    ['an empty event_id', { event_id: '   ' }, 'event_id'],
    ['metadata that is an array', { metadata: [1] }, 'metadata'],
    ['nested metadata', { metadata: { a: { b: 1 } } }, 'metadata.a'],
    [
      'metadata with too many keys',
      { metadata: Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`k${i}`, i])) },
      'metadata',
    ],
  ])('POST /v1/conversions answers 400 naming the field for %s', async (_name, patch, field) => {
    const { keys, program } = await createProgram()
    const before = await storedState([program.id])
    const body = { event_id: `e-${crypto.randomUUID()}`, amount: 4900, currency: 'USD', ...patch }
    const res = await call('POST', '/v1/conversions', { token: keys.secret, body })
    expect(res.status).toBe(400)
    expect(res.body.error).toMatchObject({ code: 'invalid_request', field })
    expect(await storedState([program.id])).toEqual(before)
  })

  it('normalises a lower-case currency to upper case', async () => {
    const { keys } = await createProgram()
    const res = await call('POST', '/v1/conversions', {
      token: keys.secret,
      body: { event_id: 'lc-1', amount: 4900, currency: 'eur' },
    })
    expect(res.status).toBe(201)
    const list = await call('GET', '/v1/stats', { token: keys.secret })
    expect(list.body.totals.revenue).toEqual({ EUR: 4900 })
  })
})

describe('Stripe events', () => {
  it('a signed charge.dispute.created for a recorded conversion answers below 500', async () => {
    const { keys, program } = await createProgram()
    await call('PUT', '/v1/integrations/stripe', {
      token: keys.secret,
      body: { webhook_secret: 'whsec_disputeTest0001' },
    })
    const send = async (event: unknown) => {
      const payload = JSON.stringify(event)
      const t = Math.floor(Date.now() / 1000)
      const key = await crypto.subtle.importKey(
        'raw',
        new TextEncoder().encode('whsec_disputeTest0001'),
        { name: 'HMAC', hash: 'SHA-256' },
        false,
        ['sign'],
      )
      const mac = await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(`${t}.${payload}`))
      const hex = [...new Uint8Array(mac)].map((b) => b.toString(16).padStart(2, '0')).join('')
      return call('POST', `/v1/integrations/stripe/${program.id}`, {
        raw: payload,
        headers: { 'content-type': 'application/json', 'stripe-signature': `t=${t},v1=${hex}` },
      })
    }
    const { default: checkout } = await import('../src/stripe/fixtures/checkout-session-subscription.json')
    const { default: invoice } = await import('../src/stripe/fixtures/invoice-paid-basil.json')
    const { default: payment } = await import('../src/stripe/fixtures/invoice-payment-paid.json')
    const { default: dispute } = await import('../src/stripe/fixtures/dispute-created.json')
    for (const event of [checkout, invoice, payment]) expect((await send(event)).status).toBeLessThan(500)
    expect((await send(dispute)).status).toBeLessThan(500)
  })
})
