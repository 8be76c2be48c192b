import { describe, expect, it } from 'vitest'
import { attribute, mergeCustomer, type Touch, withinWindow } from './attribution'

const DAY = 86_400_000
const T0 = Date.UTC(2026, 0, 1)
const touch = (clickId: string, affiliateId: string | null, at: number): Touch => ({
  clickId,
  affiliateId,
  at,
})

describe('withinWindow', () => {
  it('includes an event exactly at the end of the cookie window', () => {
    expect(withinWindow(T0, T0 + 30 * DAY, 30)).toBe(true)
  })
  it('excludes an event one millisecond past the window', () => {
    expect(withinWindow(T0, T0 + 30 * DAY + 1, 30)).toBe(false)
  })
  it('tolerates a minute of clock skew before the click but not more', () => {
    expect(withinWindow(T0, T0 - 59_000, 30)).toBe(true)
    expect(withinWindow(T0, T0 - 61_000, 30)).toBe(false)
  })
})

describe('attribute', () => {
  const base = { model: 'last_click' as const, cookieDays: 30 }

  it('credits the affiliate of the click inside the window', () => {
    const r = attribute({ ...base, at: T0 + DAY, click: { last: touch('c1', 'jane', T0), first: null } })
    expect(r).toMatchObject({ affiliateId: 'jane', clickId: 'c1', via: 'click' })
  })

  it('credits nobody when the click is past the window and there is no ref', () => {
    const r = attribute({ ...base, at: T0 + 31 * DAY, click: { last: touch('c1', 'jane', T0), first: null } })
    expect(r).toMatchObject({ affiliateId: null, clickId: 'c1', via: 'none' })
  })

  it('uses the last click under last-click attribution', () => {
    const r = attribute({
      ...base,
      at: T0 + 2 * DAY,
      click: { last: touch('c2', 'omar', T0 + DAY), first: touch('c1', 'jane', T0) },
    })
    expect(r.affiliateId).toBe('omar')
  })

  it('uses the first click under first-click attribution while it is inside the window', () => {
    const r = attribute({
      ...base,
      model: 'first_click',
      at: T0 + 2 * DAY,
      click: { last: touch('c2', 'omar', T0 + DAY), first: touch('c1', 'jane', T0) },
    })
    expect(r).toMatchObject({ affiliateId: 'jane', clickId: 'c1' })
  })

  it('falls back to the last click when the first click has left the window', () => {
    const r = attribute({
      ...base,
      model: 'first_click',
      at: T0 + 31 * DAY,
      click: { last: touch('c2', 'omar', T0 + 20 * DAY), first: touch('c1', 'jane', T0) },
    })
    expect(r.affiliateId).toBe('omar')
  })

  it('keeps a signed-up customer with its affiliate even when a later click names another', () => {
    const r = attribute({
      ...base,
      at: T0 + 300 * DAY,
      customer: { affiliateId: 'jane', clickAt: T0 },
      click: { last: touch('c9', 'omar', T0 + 299 * DAY), first: null },
    })
    expect(r).toMatchObject({ affiliateId: 'jane', via: 'customer' })
  })

  it('credits a ref code when there is no usable click', () => {
    const r = attribute({ ...base, at: T0, refAffiliateId: 'jane' })
    expect(r).toMatchObject({ affiliateId: 'jane', via: 'ref', clickAt: null })
  })

  it('prefers a click inside the window over a ref code', () => {
    const r = attribute({
      ...base,
      at: T0 + DAY,
      click: { last: touch('c1', 'omar', T0), first: null },
      refAffiliateId: 'jane',
    })
    expect(r.affiliateId).toBe('omar')
  })

  it('credits a promotion code over a ref code when there is no usable click', () => {
    const r = attribute({ ...base, at: T0, promoAffiliateId: 'omar', refAffiliateId: 'jane' })
    expect(r).toMatchObject({ affiliateId: 'omar', via: 'promo_code', clickAt: null })
  })

  it('prefers a click inside the window over a promotion code', () => {
    const r = attribute({
      ...base,
      at: T0 + DAY,
      click: { last: touch('c1', 'jane', T0), first: null },
      promoAffiliateId: 'omar',
    })
    expect(r).toMatchObject({ affiliateId: 'jane', via: 'click' })
  })

  it('credits a promotion code when the click is outside the window', () => {
    const r = attribute({
      ...base,
      at: T0 + 31 * DAY,
      click: { last: touch('c1', 'jane', T0), first: null },
      promoAffiliateId: 'omar',
    })
    expect(r).toMatchObject({ affiliateId: 'omar', clickId: 'c1', via: 'promo_code' })
  })

  it('credits nobody for an unattributed click', () => {
    const r = attribute({ ...base, at: T0 + DAY, click: { last: touch('c1', null, T0), first: null } })
    expect(r.affiliateId).toBeNull()
  })
})

describe('mergeCustomer (first attribution wins)', () => {
  const first = {
    affiliate_id: 'aff_a',
    click_id: 'clk_a',
    click_at: 1,
    sub: 'yt',
    email_hash: 'h1',
    first_conversion_at: null,
    signup_event_id: 'signup:c',
  }
  it('keeps the first affiliate, click and sub, and fills only what is unknown', () => {
    const merged = mergeCustomer(first, {
      affiliate_id: 'aff_b',
      click_id: 'clk_b',
      click_at: 2,
      sub: 'blog',
      email_hash: null,
      first_conversion_at: 5,
      signup_event_id: null,
    })
    expect(merged).toEqual({ ...first, first_conversion_at: 5 })
  })
  it('takes a newer email hash', () => {
    expect(mergeCustomer(first, { ...first, email_hash: 'h2' }).email_hash).toBe('h2')
  })
  it('takes everything for a new customer', () => {
    expect(mergeCustomer(null, first)).toEqual(first)
  })
})
