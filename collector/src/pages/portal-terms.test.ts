import { describe, expect, it } from 'vitest'
import { call, createAffiliate, createProgram } from '../../test/helpers'
import { commissionNote, portalTerms, type TermsInput } from './portal-terms'

const base: TermsInput = {
  currency: 'USD',
  commission: { type: 'percent', percent: 20 },
  override: null,
  recurringMonths: 12,
  holdDays: 30,
  cookieDays: 60,
  attribution: 'last_click',
  bonus: null,
  signupReward: null,
  promotions: [],
  minPayout: {},
  affiliateId: 'aff_me',
  now: Date.parse('2026-12-01T12:00:00Z'),
}

describe('portalTerms', () => {
  it('says the rate, recurring months, hold and cookie window in sentences', () => {
    const t = portalTerms(base)
    expect(t.rate).toBe('20% of each payment')
    expect(t.recurring).toBe("Paid on every payment in the customer's first 12 months.")
    expect(t.hold).toContain('payable 30 days after the payment')
    expect(t.cookie).toContain('for 60 days (the last link they clicked wins)')
    expect(t.minPayout).toBeNull()
  })

  it("prefers the affiliate's own rate and says so", () => {
    const t = portalTerms({ ...base, override: { type: 'flat', amount: 1500, currency: 'USD' } })
    expect(t.rate).toBe('$15.00 per payment (your own rate)')
  })

  it('lists only promotions running now for everyone or for this affiliate', () => {
    const t = portalTerms({
      ...base,
      promotions: [
        {
          name: 'Weekend',
          starts_at: '2026-11-30T00:00:00Z',
          ends_at: '2026-12-02T00:00:00Z',
          commission: { type: 'percent', percent: 30 },
        },
        {
          name: 'Past',
          starts_at: '2026-01-01T00:00:00Z',
          ends_at: '2026-02-01T00:00:00Z',
          commission: { type: 'percent', percent: 50 },
        },
        {
          name: 'Someone else',
          starts_at: '2026-11-01T00:00:00Z',
          ends_at: '2027-01-01T00:00:00Z',
          affiliates: ['aff_other'],
          bonus: { amount: 500, currency: 'USD' },
        },
        {
          name: 'Mine',
          starts_at: '2026-11-01T00:00:00Z',
          ends_at: '2027-01-01T00:00:00Z',
          affiliates: ['aff_me'],
          bonus: { amount: 500, currency: 'USD' },
        },
      ],
    })
    expect(t.promotions).toEqual([
      'Weekend: 30% of each payment, until 2 Dec 2026.',
      'Mine: $5.00 extra per payment, until 1 Jan 2027.',
    ])
  })

  it('never names a fraud rule or a dispute in a note', () => {
    expect(commissionNote('on_hold', 'self_referral')).toBe('on hold: under review')
    expect(commissionNote('on_hold', 'dispute')).toBe('on hold: under review')
    expect(commissionNote('reversed', 'refund rf_123')).toBe('reversed: the payment was refunded')
    expect(commissionNote('reversed', 'dispute_lost')).toBe('reversed')
    expect(commissionNote('approved', null)).toBeNull()
  })
})

describe('the portal', () => {
  it('shows the terms and promotion codes, and a held commission with a note but not its reason', async () => {
    const { keys } = await createProgram({
      commission: { type: 'percent', percent: 20 },
      recurring_months: 0,
      landing_url: 'https://acme.example/pricing',
    })
    const aff = await createAffiliate(keys.secret, { email: 'jane@example.com', promo_codes: ['JANE20'] })
    const signup = await call('POST', '/v1/signups', {
      token: keys.secret,
      body: { customer_id: 'cus_secret_42', ref: aff.code, email: 'jane@example.com' },
    })
    expect(signup.status).toBe(201)
    const conv = await call('POST', '/v1/conversions', {
      token: keys.secret,
      body: { event_id: 'inv_self', customer_id: 'cus_secret_42', amount: 5000, currency: 'USD' },
    })
    expect(conv.body.conversion.commission.status).toBe('on_hold')
    const path = new URL(aff.portal_url).pathname
    const page = await fetchText(path)
    expect(page).toContain('20% of each payment')
    expect(page).toContain('Paid on the customer&#39;s first payment only.')
    expect(page).toContain('<code>JANE20</code>')
    expect(page).toContain('add ?sub=')
    const data = await fetchText(`${path}/data.json`)
    expect(JSON.parse(data).commissions[0]).toMatchObject({
      status: 'on_hold',
      note: 'on hold: under review',
    })
    expect(data).not.toContain('self_referral')
    expect(data).not.toContain('cus_secret_42')
  })
})

async function fetchText(path: string): Promise<string> {
  const { createExecutionContext, env } = await import('cloudflare:test')
  const worker = (await import('../index')).default
  const res = await worker.fetch(new Request(`http://collector.test${path}`), env, createExecutionContext())
  expect(res.status).toBe(200)
  return res.text()
}
