/**
 * `GET /v1/customers/:id/journey`: a customer's clicks, the attribution decision and why, the
 * signup, conversions, refunds and commissions with their history, in the key's mode only.
 */
import { env } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { call, clickId, createAffiliate, createProgram, hub, sendClick } from '../../test/helpers'
import { explainAttribution } from './explain'

describe('GET /v1/customers/:id/journey', () => {
  it('tells which click won, that later payments kept the signup affiliate, and every commission step', async () => {
    const { program, keys } = await createProgram({ commission: { type: 'percent', percent: 20 } })
    const sk = keys.secret
    const jane = await createAffiliate(sk, { email: 'jane@partners.example' })
    const omar = await createAffiliate(sk, { email: 'omar@partners.example' })
    const first = clickId()
    const second = clickId()
    await sendClick(keys.publishable, {
      click_id: first,
      ref: jane.code,
      url: 'https://saas.example/pricing?ref=x',
    })
    await sendClick(
      keys.publishable,
      {
        click_id: second,
        prev_click_id: first,
        ref: omar.code,
        sub: 'newsletter',
        url: 'https://saas.example/blog/post',
      },
      {},
      { country: 'DE' },
    )
    await hub(program.id).flush()
    expect(
      (
        await call('POST', '/v1/signups', {
          token: sk,
          body: { customer_id: 'cus_j', click_id: second, email: 'buyer@example.com' },
        })
      ).status,
    ).toBe(201)
    for (const inv of ['inv_j1', 'inv_j2']) {
      const conv = await call('POST', '/v1/conversions', {
        token: sk,
        body: { event_id: inv, customer_id: 'cus_j', amount: 5_000, currency: 'USD' },
      })
      expect(conv.status, JSON.stringify(conv.body)).toBe(201)
    }
    expect(
      (
        await call('POST', '/v1/refunds', {
          token: sk,
          body: { event_id: 'rf_j', conversion_event_id: 'inv_j2', amount: 2_500 },
        })
      ).status,
    ).toBe(201)
    await hub(program.id).flush()

    const res = await call('GET', '/v1/customers/cus_j/journey', { token: sk })
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    const j = res.body.journey
    expect(j.customer_id).toBe('cus_j')
    expect(j.affiliate).toEqual({ id: omar.id, code: omar.code, name: expect.any(String) })
    expect(j.signup.attribution).toMatchObject({
      via: 'last_click',
      click_id: second,
      affiliate: { id: omar.id },
    })
    expect(j.clicks.map((c: { click_id: string }) => c.click_id)).toContain(second)
    const won = j.clicks.find((c: { click_id: string }) => c.click_id === second)
    expect(won).toMatchObject({
      credited: true,
      landing_path: '/blog/post',
      sub: 'newsletter',
      affiliate: { id: omar.id },
      country: 'DE',
      source: 'script',
    })
    // The first click came with no country from the edge: null, not a guess.
    expect(j.clicks.find((c: { click_id: string }) => c.click_id === first)).toMatchObject({ country: null })
    expect(j.conversions.map((c: { attribution: { via: string } }) => c.attribution.via)).toEqual([
      'kept_from_signup',
      'kept_from_signup',
    ])
    expect(j.refunds).toEqual([expect.objectContaining({ event_id: 'rf_j', amount: 2_500 })])
    expect(j.commissions).toHaveLength(2)
    const reduced = j.commissions.find((m: { earned_on: string }) => m.earned_on === j.conversions[1].id)
    expect(reduced).toMatchObject({ amount: 500, original_amount: 1_000, status: 'pending' })
    expect(j.conversions[1].commission_ids).toEqual([reduced.id])
    // Never an email: not the customer's, not the affiliates'.
    expect(JSON.stringify(res.body)).not.toContain('@')
  })

  it('says why nobody was credited: a ref code of no affiliate', async () => {
    const { program, keys } = await createProgram()
    const click = clickId()
    await sendClick(keys.publishable, { click_id: click, ref: 'nobody-here' })
    await hub(program.id).flush()
    await call('POST', '/v1/conversions', {
      token: keys.secret,
      body: { event_id: 'inv_u', customer_id: 'cus_u', click_id: click, amount: 1_000, currency: 'USD' },
    })
    const j = (await call('GET', '/v1/customers/cus_u/journey', { token: keys.secret })).body.journey
    expect(j.affiliate).toBeNull()
    expect(j.conversions[0].attribution).toMatchObject({ via: 'unknown_ref', affiliate: null })
    expect(j.commissions).toEqual([])
  })

  it('lists a click the hub has not yet sent to D1', async () => {
    const { program, keys } = await createProgram()
    const jane = await createAffiliate(keys.secret)
    const id = clickId()
    await sendClick(keys.publishable, { click_id: id, ref: jane.code, url: 'https://saas.example/' })
    await call('POST', '/v1/signups', {
      token: keys.secret,
      body: { customer_id: 'cus_fresh', click_id: id },
    })
    // No flush here: the click waits in the hub's outbox (it is sent within a second).
    const before = await env.DB.prepare('SELECT COUNT(*) AS n FROM clicks WHERE program_id = ?')
      .bind(program.id)
      .first<{ n: number }>()
    const res = await call('GET', '/v1/customers/cus_fresh/journey', { token: keys.secret })
    expect(res.status).toBe(200)
    expect(res.body.journey.clicks).toEqual([expect.objectContaining({ click_id: id, credited: true })])
    // Proof the click was still waiting when the journey was asked for (else this proves nothing).
    expect(before?.n).toBe(0)
  })

  it('keeps modes apart and refuses bad input with the field named', async () => {
    const { keys } = await createProgram()
    await call('POST', '/v1/signups', { token: keys.secret, body: { customer_id: 'cus_live' } })
    await call('POST', '/v1/signups', { token: keys.test_secret, body: { customer_id: 'cus_test' } })
    expect((await call('GET', '/v1/customers/cus_live/journey', { token: keys.secret })).status).toBe(200)
    expect((await call('GET', '/v1/customers/cus_live/journey', { token: keys.test_secret })).status).toBe(
      404,
    )
    expect((await call('GET', '/v1/customers/cus_test/journey', { token: keys.secret })).status).toBe(404)
    expect((await call('GET', '/v1/customers/cus_test/journey', { token: keys.test_secret })).status).toBe(
      200,
    )
    const missing = await call('GET', '/v1/customers/cus_none/journey', { token: keys.secret })
    expect(missing.body.error).toMatchObject({ code: 'not_found', field: 'id' })
    const extra = await call('GET', '/v1/customers/cus_live/journey?foo=1', { token: keys.secret })
    expect(extra.status).toBe(400)
    expect(extra.body.error.field).toBe('foo')
    const long = await call('GET', `/v1/customers/${'x'.repeat(256)}/journey`, { token: keys.secret })
    expect(long.body.error).toMatchObject({ code: 'invalid_request', field: 'id' })
    expect((await call('GET', '/v1/customers/cus_live/journey')).status).toBe(401)
  })
})

describe('explainAttribution', () => {
  const click = {
    programId: 'p',
    clickId: 'c1',
    mode: 'live' as const,
    affiliateId: 'aff_1',
    ref: 'jane',
    sub: null,
    url: null,
    referrer: null,
    ipHash: 'h',
    isUnique: 1,
    firstClickId: null,
    source: 'script' as const,
    flag: null,
    createdAt: '2026-01-01T00:00:00.000Z',
  }
  const base = {
    clicks: new Map([['c1', click]]),
    model: 'last_click' as const,
    cookieDays: 30,
    signupAffiliateId: null,
  }

  it('names an expired cookie window with the click age', () => {
    const e = explainAttribution({
      ...base,
      affiliateId: null,
      clickId: 'c1',
      at: '2026-03-01T00:00:00.000Z',
    })
    expect(e.via).toBe('window_expired')
    expect(e.reason).toContain('59 days')
  })

  it('names a code when the credited affiliate is not the click’s', () => {
    const e = explainAttribution({
      ...base,
      affiliateId: 'aff_2',
      clickId: 'c1',
      at: '2026-01-02T00:00:00.000Z',
    })
    expect(e.via).toBe('code')
  })
})
