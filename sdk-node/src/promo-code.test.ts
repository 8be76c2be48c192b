import { describe, expect, it } from 'vitest'
import { json, scriptedFetch } from '../test/fake-fetch.js'
import { Refline } from './client.js'

function client() {
  const fetch = scriptedFetch([
    json(201, { signup: { id: 'su_1', customer_id: 'cus_1', affiliate: null } }),
    json(201, { conversion: { id: 'cv_1', event_id: 'ord_1', affiliate: null, commission: null } }),
  ])
  const refline = new Refline({
    secretKey: 'sk_test_abc',
    baseUrl: 'http://collector.test',
    fetch,
    maxRetries: 0,
  })
  return { refline, fetch }
}

describe('promoCode', () => {
  it('sends promoCode as promo_code on signups and conversions', async () => {
    const { refline, fetch } = client()
    await refline.trackSignup({ customerId: 'cus_1', promoCode: 'JANE20' })
    await refline.trackConversion({ eventId: 'ord_1', promoCode: 'jane20', amount: 8000, currency: 'USD' })
    expect(fetch.calls[0]!.body).toMatchObject({ customer_id: 'cus_1', promo_code: 'JANE20' })
    expect(fetch.calls[1]!.body).toMatchObject({ event_id: 'ord_1', promo_code: 'jane20' })
  })

  it('drops an empty promotion code, as an unfilled form field sends', async () => {
    const { refline, fetch } = client()
    await refline.trackSignup({ customerId: 'cus_1', promoCode: '' })
    expect(fetch.calls[0]!.body).not.toHaveProperty('promo_code')
  })
})
