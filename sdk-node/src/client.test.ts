import { describe, expect, it } from 'vitest'
import { json, type Step, scriptedFetch } from '../test/fake-fetch.js'
import { Refline } from './client.js'
import { ReflineValidationError } from './errors.js'
import { VERSION } from './version.js'

function client(steps: Step[]) {
  const fetch = scriptedFetch(steps)
  const refline = new Refline({
    secretKey: 'sk_test_abc',
    baseUrl: 'http://collector.test/',
    fetch,
    maxRetries: 0,
  })
  return { refline, fetch }
}

const signupOk = json(201, {
  signup: { id: 'su_1', customer_id: 'cus_1', affiliate: { id: 'aff_1', code: 'jane' } },
})

describe('Refline client', () => {
  it('sends the secret key, JSON content type and client version on every request', async () => {
    const { refline, fetch } = client([signupOk])
    await refline.trackSignup({ customerId: 'cus_1' })
    const { headers, url, method } = fetch.calls[0]!
    expect(method).toBe('POST')
    expect(url).toBe('http://collector.test/v1/signups')
    expect(headers.get('authorization')).toBe('Bearer sk_test_abc')
    expect(headers.get('content-type')).toBe('application/json')
    expect(headers.get('refline-client')).toBe(`node/${VERSION}`)
  })

  it('sends a signup as snake_case with the default event id signup:<customer_id>', async () => {
    const { refline, fetch } = client([signupOk])
    const result = await refline.trackSignup({
      customerId: 'cus_1',
      clickId: 'clk_0123456789abcdef',
      email: 'ann@example.com',
      occurredAt: new Date('2026-05-01T10:00:00Z'),
    })
    expect(fetch.calls[0]!.body).toEqual({
      event_id: 'signup:cus_1',
      customer_id: 'cus_1',
      click_id: 'clk_0123456789abcdef',
      email: 'ann@example.com',
      occurred_at: '2026-05-01T10:00:00.000Z',
    })
    expect(result).toEqual({
      signup: { id: 'su_1', customer_id: 'cus_1', affiliate: { id: 'aff_1', code: 'jane' } },
      replayed: false,
      eventId: 'signup:cus_1',
    })
  })

  it('drops an empty click id, as an unfilled hidden form field sends', async () => {
    const { refline, fetch } = client([signupOk])
    await refline.trackSignup({ customerId: 'cus_1', clickId: '', ref: '' })
    expect(fetch.calls[0]!.body).toEqual({ event_id: 'signup:cus_1', customer_id: 'cus_1' })
  })

  it('keeps a caller-given signup event id', async () => {
    const { refline, fetch } = client([signupOk])
    await refline.trackSignup({ customerId: 'cus_1', eventId: 'user-created-42' })
    expect(fetch.calls[0]!.body).toMatchObject({ event_id: 'user-created-42' })
  })

  it('sends a conversion as snake_case', async () => {
    const { refline, fetch } = client([
      json(201, { conversion: { id: 'cv_1', event_id: 'inv_1', affiliate: null, commission: null } }),
    ])
    await refline.trackConversion({
      eventId: 'inv_1',
      customerId: 'cus_1',
      ref: 'jane',
      amount: 4900,
      currency: 'USD',
      occurredAt: '2026-05-01T10:00:00Z',
      metadata: { plan: 'pro' },
    })
    expect(fetch.calls[0]!.url).toBe('http://collector.test/v1/conversions')
    expect(fetch.calls[0]!.body).toEqual({
      event_id: 'inv_1',
      customer_id: 'cus_1',
      ref: 'jane',
      amount: 4900,
      currency: 'USD',
      occurred_at: '2026-05-01T10:00:00Z',
      metadata: { plan: 'pro' },
    })
  })

  it('sends a refund as snake_case', async () => {
    const { refline, fetch } = client([json(201, { refund: { id: 'rf_1', amount: 1000, commission: null } })])
    const result = await refline.trackRefund({ eventId: 're_1', conversionEventId: 'inv_1', amount: 1000 })
    expect(fetch.calls[0]!.url).toBe('http://collector.test/v1/refunds')
    expect(fetch.calls[0]!.body).toEqual({ event_id: 're_1', conversion_event_id: 'inv_1', amount: 1000 })
    expect(result.refund.amount).toBe(1000)
  })

  it('generates a refund event id when none is given', async () => {
    const { refline, fetch } = client([json(201, { refund: { id: 'rf_1', amount: 4900, commission: null } })])
    const result = await refline.trackRefund({ conversionEventId: 'inv_1' })
    const sent = fetch.calls[0]!.body as { event_id: string }
    expect(sent.event_id).toMatch(/^refund:/)
    expect(result.eventId).toBe(sent.event_id)
  })

  it('reports a replayed event from the Idempotent-Replayed header', async () => {
    const { refline } = client([
      json(
        200,
        { conversion: { id: 'cv_1', event_id: 'inv_1', affiliate: null, commission: null } },
        { 'idempotent-replayed': 'true' },
      ),
    ])
    const result = await refline.trackConversion({ eventId: 'inv_1', amount: 4900, currency: 'USD' })
    expect(result.replayed).toBe(true)
    expect(result.conversion.id).toBe('cv_1')
  })

  it('creates and lists affiliates', async () => {
    const affiliate = { id: 'aff_1', code: 'jane', name: 'Jane', email: 'jane@example.com' }
    const { refline, fetch } = client([json(201, { affiliate }), json(200, { affiliates: [affiliate] })])
    const created = await refline.createAffiliate({ name: 'Jane', email: 'jane@example.com', code: 'jane' })
    const listed = await refline.listAffiliates()
    expect(fetch.calls[0]!.body).toEqual({ name: 'Jane', email: 'jane@example.com', code: 'jane' })
    expect(fetch.calls[1]!.method).toBe('GET')
    expect(fetch.calls[1]!.url).toBe('http://collector.test/v1/affiliates')
    expect(created.affiliate.code).toBe('jane')
    expect(listed.affiliates).toHaveLength(1)
  })

  it('gets and updates an affiliate by code, escaping it in the path', async () => {
    const affiliate = { id: 'aff_1', code: 'jane', status: 'disabled' }
    const { refline, fetch } = client([json(200, { affiliate })])
    await refline.getAffiliate('jane/x')
    await refline.updateAffiliate('jane', { status: 'disabled', commission: null })
    expect(fetch.calls[0]!.url).toBe('http://collector.test/v1/affiliates/jane%2Fx')
    expect(fetch.calls[1]!.method).toBe('PATCH')
    expect(fetch.calls[1]!.url).toBe('http://collector.test/v1/affiliates/jane')
    expect(fetch.calls[1]!.body).toEqual({ status: 'disabled', commission: null })
  })

  it('puts stats filters in the query string and leaves out the missing ones', async () => {
    const { refline, fetch } = client([json(200, { totals: {}, series: [], affiliates: [] })])
    await refline.getStats({
      from: new Date('2026-05-01T00:00:00Z'),
      to: '2026-05-08',
      interval: 'day',
      tz: 'Europe/Paris',
    })
    const url = new URL(fetch.calls[0]!.url)
    expect(url.pathname).toBe('/v1/stats')
    expect(Object.fromEntries(url.searchParams)).toEqual({
      from: '2026-05-01T00:00:00.000Z',
      to: '2026-05-08',
      interval: 'day',
      tz: 'Europe/Paris',
    })
  })

  it('refuses a publishable key, which must never authenticate server calls', () => {
    expect(() => new Refline({ secretKey: 'pk_test_abc', baseUrl: 'http://x.test' })).toThrow(
      expect.objectContaining({
        name: 'ReflineValidationError',
        field: 'secretKey',
        message: expect.stringMatching(/publishable/),
      }),
    )
  })

  it('refuses a missing secret key or base URL', () => {
    expect(() => new Refline({ secretKey: '', baseUrl: 'http://x.test' })).toThrow(ReflineValidationError)
    expect(() => new Refline({ secretKey: 'sk_test_abc', baseUrl: 'not a url' })).toThrow(
      expect.objectContaining({ field: 'baseUrl' }),
    )
  })

  it('reads click ids through the static helper', () => {
    expect(Refline.clickIdFrom('a=1; rl_click=clk_0123456789abcdef')).toBe('clk_0123456789abcdef')
  })
})
