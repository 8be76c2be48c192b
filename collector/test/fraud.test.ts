/** The fraud rules through the real collector: the commission's reason, the alert row, who hears of it. */
import { createExecutionContext, env } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import worker from '../src/index'
import { BROWSER_UA, call, clickId, createAffiliate, createProgram, hub, sendClick } from './helpers'
import { openSocket, settle } from './live-socket'

async function liveToken(sk: string, body?: Record<string, unknown>): Promise<string> {
  const res = await call('POST', '/v1/live/tokens', { token: sk, ...(body ? { body } : {}) })
  expect(res.status).toBe(201)
  return res.body.token as string
}

async function commissionReason(id: string): Promise<{ status: string; reason: string | null } | null> {
  return env.DB.prepare('SELECT status, reason FROM commissions WHERE id = ?')
    .bind(id)
    .first<{ status: string; reason: string | null }>()
}

describe('click flood', () => {
  it('flags clicks beyond the limit, keeps them out of unique clicks, and alerts founders once', async () => {
    const { program, keys } = await createProgram()
    const patch = await call('PATCH', '/v1/program', {
      token: keys.secret,
      body: { fraud: { click_flood: { max_clicks: 3, window_minutes: 60 } } },
    })
    expect(patch.status).toBe(200)
    const jane = await createAffiliate(keys.secret)
    const founder = await openSocket(`/v1/live?token=${await liveToken(keys.secret)}`)
    const affiliate = await openSocket(
      `/v1/live?token=${await liveToken(keys.secret, { affiliate_id: jane.id })}`,
    )
    await Promise.all([founder.waitFor(1), affiliate.waitFor(1)])

    // One visitor (same IP and browser): the first click is unique, the 4th and 5th flood.
    for (let i = 0; i < 5; i++) {
      expect((await sendClick(keys.publishable, { ref: jane.code, click_id: clickId() })).status).toBe(202)
    }
    await founder.waitFor(7)
    await settle()
    const totals = hub(program.id).totals('live', jane.id)
    expect(await totals).toMatchObject({ clicks: 5, unique_clicks: 1 })

    const alerts = await call('GET', '/v1/alerts', { token: keys.secret })
    expect(alerts.status).toBe(200)
    const floods = alerts.body.alerts.filter((a: { type: string }) => a.type === 'click_flood')
    expect(floods).toHaveLength(1)
    expect(floods[0]).toMatchObject({ affiliate: { id: jane.id, code: jane.code }, severity: 'warning' })

    const founderAlerts = founder.messages.filter((m) => m.type === 'alert')
    expect(founderAlerts).toHaveLength(1)
    expect(founderAlerts[0]).toMatchObject({ alert: { id: floods[0].id, type: 'click_flood' } })
    expect(affiliate.messages.some((m) => m.type === 'alert')).toBe(false)
    expect(JSON.stringify(affiliate.messages)).not.toMatch(/flood|alert/i)

    expect(await hub(program.id).audit()).toEqual([])
    const flagged = await env.DB.prepare(
      "SELECT COUNT(*) AS n FROM clicks WHERE program_id = ? AND flag LIKE '%click_flood%'",
    )
      .bind(program.id)
      .first<{ n: number }>()
    expect(flagged?.n).toBe(2)
  })

  it('does not flag a visitor under the limit', async () => {
    const { program, keys } = await createProgram()
    const jane = await createAffiliate(keys.secret)
    for (let i = 0; i < 3; i++) await sendClick(keys.publishable, { ref: jane.code, click_id: clickId() })
    const alerts = await call('GET', '/v1/alerts', { token: keys.secret })
    expect(alerts.body.alerts).toEqual([])
    expect(await hub(program.id).audit()).toEqual([])
  })
})

describe('commission holds', () => {
  it('holds a disposable-email customer’s commission with the reason and alerts', async () => {
    const { program, keys } = await createProgram()
    const jane = await createAffiliate(keys.secret)
    const signup = await call('POST', '/v1/signups', {
      token: keys.secret,
      body: { customer_id: 'cus_tmp', ref: jane.code, email: 'someone@mailinator.com' },
    })
    expect(signup.status).toBe(201)
    const conv = await call('POST', '/v1/conversions', {
      token: keys.secret,
      body: { event_id: 'inv_tmp', customer_id: 'cus_tmp', amount: 4900, currency: 'USD' },
    })
    expect(conv.status).toBe(201)
    expect(conv.body.conversion.commission.status).toBe('on_hold')
    expect(await commissionReason(conv.body.conversion.commission.id)).toEqual({
      status: 'on_hold',
      reason: 'disposable_email',
    })
    const alerts = await call('GET', '/v1/alerts', { token: keys.secret })
    expect(alerts.body.alerts.map((a: { type: string }) => a.type)).toContain('fraud_flag')
    expect(await hub(program.id).audit()).toEqual([])
  })

  it('holds a customer who came through a click from the affiliate’s own portal browser', async () => {
    const { program, keys } = await createProgram()
    const jane = await createAffiliate(keys.secret)
    const ip = { 'cf-connecting-ip': '198.51.100.23', 'user-agent': BROWSER_UA }
    const portal = await worker.fetch(
      new Request(`http://collector.test${new URL(jane.portal_url).pathname}`, { headers: ip }),
      env,
      createExecutionContext(),
    )
    expect(portal.status).toBe(200)
    await portal.text()
    const click = clickId()
    await sendClick(keys.publishable, { ref: jane.code, click_id: click }, ip)
    await call('POST', '/v1/signups', {
      token: keys.secret,
      body: { customer_id: 'cus_self', click_id: click },
    })
    const conv = await call('POST', '/v1/conversions', {
      token: keys.secret,
      body: { event_id: 'inv_self', customer_id: 'cus_self', amount: 4900, currency: 'USD' },
    })
    expect(await commissionReason(conv.body.conversion.commission.id)).toEqual({
      status: 'on_hold',
      reason: 'self_referral',
    })
    // Another visitor's click through the same affiliate earns as usual.
    const other = clickId()
    await sendClick(
      keys.publishable,
      { ref: jane.code, click_id: other },
      { 'cf-connecting-ip': '192.0.2.80' },
    )
    await call('POST', '/v1/signups', {
      token: keys.secret,
      body: { customer_id: 'cus_other', click_id: other },
    })
    const ok = await call('POST', '/v1/conversions', {
      token: keys.secret,
      body: { event_id: 'inv_other', customer_id: 'cus_other', amount: 4900, currency: 'USD' },
    })
    expect(ok.body.conversion.commission.status).toBe('pending')
    expect(await hub(program.id).audit()).toEqual([])
  })

  it('holds a one-time commission of a second customer with the same email', async () => {
    const { program, keys } = await createProgram({ recurring_months: 0 })
    const jane = await createAffiliate(keys.secret)
    const email = 'repeat@example.org'
    await call('POST', '/v1/signups', {
      token: keys.secret,
      body: { customer_id: 'cus_a', ref: jane.code, email },
    })
    await call('POST', '/v1/signups', {
      token: keys.secret,
      body: { customer_id: 'cus_b', ref: jane.code, email },
    })
    const first = await call('POST', '/v1/conversions', {
      token: keys.secret,
      body: { event_id: 'inv_a', customer_id: 'cus_a', amount: 4900, currency: 'USD' },
    })
    const second = await call('POST', '/v1/conversions', {
      token: keys.secret,
      body: { event_id: 'inv_b', customer_id: 'cus_b', amount: 4900, currency: 'USD' },
    })
    expect(first.body.conversion.commission.status).toBe('pending')
    expect(await commissionReason(second.body.conversion.commission.id)).toEqual({
      status: 'on_hold',
      reason: 'duplicate_customer',
    })
    expect(await hub(program.id).audit()).toEqual([])
  })

  it('holds commissions of paid-ad clicks when the program forbids paid traffic', async () => {
    const { program, keys } = await createProgram()
    expect(
      (await call('PATCH', '/v1/program', { token: keys.secret, body: { paid_traffic: 'forbidden' } }))
        .status,
    ).toBe(200)
    const jane = await createAffiliate(keys.secret)
    const click = clickId()
    await sendClick(keys.publishable, {
      ref: jane.code,
      click_id: click,
      url: 'https://saas.example/?ref=x&gclid=abc',
    })
    const conv = await call('POST', '/v1/conversions', {
      token: keys.secret,
      body: { event_id: 'inv_ad', click_id: click, amount: 4900, currency: 'USD' },
    })
    expect(await commissionReason(conv.body.conversion.commission.id)).toEqual({
      status: 'on_hold',
      reason: 'paid_traffic',
    })
    expect(await hub(program.id).audit()).toEqual([])
  })
})

describe('conversion alerts', () => {
  it('alerts on a conversion far above the running median', async () => {
    const { program, keys } = await createProgram()
    for (let i = 0; i < 5; i++) {
      await call('POST', '/v1/conversions', {
        token: keys.secret,
        body: { event_id: `inv_usual_${i}`, amount: 4900, currency: 'USD' },
      })
    }
    await call('POST', '/v1/conversions', {
      token: keys.secret,
      body: { event_id: 'inv_huge', amount: 4900 * 11, currency: 'USD' },
    })
    const alerts = await call('GET', '/v1/alerts', { token: keys.secret })
    expect(alerts.body.alerts.map((a: { type: string }) => a.type)).toEqual(['conversion_outlier'])
    expect(await hub(program.id).audit()).toEqual([])
  })
})
