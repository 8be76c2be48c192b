import { env } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { call, clickId, createAffiliate, createProgram, hub, sendClick } from './helpers'

describe('the tracked journey', () => {
  it('click → signup → conversion → replay → refund shows up in stats', async () => {
    const { program, keys } = await createProgram({ commission: { type: 'percent', percent: 30 } })
    const sk = keys.secret
    const jane = await createAffiliate(sk, { name: 'Jane', code: `jane-${program.id.slice(-6)}` })

    const cid = clickId()
    const click = await sendClick(keys.publishable, { ref: jane.code, click_id: cid })
    expect(click.status).toBe(202)
    expect(click.body).toEqual({ click_id: cid, attributed: true })

    const signup = await call('POST', '/v1/signups', {
      token: sk,
      body: { customer_id: 'cus_1', click_id: cid, email: 'bob@example.com' },
    })
    expect(signup.status).toBe(201)
    expect(signup.body.signup.affiliate).toEqual({ id: jane.id, code: jane.code })

    const conversion = { event_id: 'in_1', customer_id: 'cus_1', amount: 4900, currency: 'usd' }
    const conv = await call('POST', '/v1/conversions', { token: sk, body: conversion })
    expect(conv.status).toBe(201)
    expect(conv.body.conversion.affiliate).toEqual({ id: jane.id, code: jane.code })
    expect(conv.body.conversion.commission).toMatchObject({
      amount: 1470,
      currency: 'USD',
      status: 'pending',
    })

    const replay = await call('POST', '/v1/conversions', { token: sk, body: conversion })
    expect(replay.status).toBe(200)
    expect(replay.headers.get('idempotent-replayed')).toBe('true')
    expect(replay.body).toEqual(conv.body)

    const refund = await call('POST', '/v1/refunds', {
      token: sk,
      body: { event_id: 're_1', conversion_event_id: 'in_1' },
    })
    expect(refund.status).toBe(201)
    expect(refund.body.refund).toMatchObject({
      amount: 4900,
      commission: { id: conv.body.conversion.commission.id, amount: 0, status: 'reversed' },
    })

    await hub(program.id).flush()
    const stats = await call('GET', '/v1/stats', { token: sk })
    expect(stats.status).toBe(200)
    expect(stats.body.totals).toEqual({
      clicks: 1,
      unique_clicks: 1,
      signups: 1,
      conversions: 1,
      refunds: 1,
      revenue: { USD: 0 },
      commission: { USD: 0 },
    })
    const row = stats.body.affiliates.find((a: { id: string }) => a.id === jane.id)
    expect(row.totals).toMatchObject({ clicks: 1, signups: 1, conversions: 1 })
    const dueAt = await env.DB.prepare('SELECT due_at, status FROM commissions WHERE id = ?')
      .bind(conv.body.conversion.commission.id)
      .first<{ due_at: string; status: string }>()
    expect(dueAt?.status).toBe('reversed')
    const customer = await env.DB.prepare(
      'SELECT affiliate_id, click_id, signed_up_at, first_conversion_at, email_hash FROM customers WHERE program_id = ?',
    )
      .bind(program.id)
      .first<Record<string, string | null>>()
    expect(customer).toMatchObject({ affiliate_id: jane.id, click_id: cid })
    expect(customer?.signed_up_at).toBeTruthy()
    expect(customer?.first_conversion_at).toBeTruthy()
    expect(customer?.email_hash).toMatch(/^[0-9a-f]{64}$/)
  })

  it('keeps a signed-up customer with its affiliate for later conversions without a click', async () => {
    const { keys } = await createProgram()
    const sk = keys.secret
    const omar = await createAffiliate(sk)
    await call('POST', '/v1/signups', { token: sk, body: { customer_id: 'cus_r', ref: omar.code } })
    const first = await call('POST', '/v1/conversions', {
      token: sk,
      body: { event_id: 'm1', customer_id: 'cus_r', amount: 1000, currency: 'EUR' },
    })
    const second = await call('POST', '/v1/conversions', {
      token: sk,
      body: { event_id: 'm2', customer_id: 'cus_r', amount: 1000, currency: 'EUR' },
    })
    expect(first.body.conversion.commission).toMatchObject({ amount: 300, currency: 'EUR' })
    expect(second.body.conversion.affiliate.id).toBe(omar.id)
    expect(second.body.conversion.commission.amount).toBe(300)
  })

  it('pays only the first conversion when recurring_months is 0', async () => {
    const { keys } = await createProgram({ recurring_months: 0 })
    const aff = await createAffiliate(keys.secret)
    await call('POST', '/v1/signups', { token: keys.secret, body: { customer_id: 'c', ref: aff.code } })
    const a = await call('POST', '/v1/conversions', {
      token: keys.secret,
      body: { event_id: 'a', customer_id: 'c', amount: 100, currency: 'USD' },
    })
    const b = await call('POST', '/v1/conversions', {
      token: keys.secret,
      body: { event_id: 'b', customer_id: 'c', amount: 100, currency: 'USD' },
    })
    expect(a.body.conversion.commission).not.toBeNull()
    expect(b.body.conversion.affiliate.id).toBe(aff.id)
    expect(b.body.conversion.commission).toBeNull()
  })

  it('uses the per-affiliate commission override', async () => {
    const { keys } = await createProgram()
    const vip = await createAffiliate(keys.secret, {
      commission: { type: 'flat', amount: 2500, currency: 'USD' },
    })
    const conv = await call('POST', '/v1/conversions', {
      token: keys.secret,
      body: { event_id: 'x', ref: vip.code, amount: 100, currency: 'USD' },
    })
    expect(conv.body.conversion.commission).toMatchObject({ amount: 2500, currency: 'USD' })
  })

  it('credits the first click of the visitor under first-click attribution', async () => {
    const { keys } = await createProgram({ attribution: 'first_click' })
    const a = await createAffiliate(keys.secret)
    const b = await createAffiliate(keys.secret)
    const first = clickId()
    const second = clickId()
    await sendClick(keys.publishable, { ref: a.code, click_id: first })
    await sendClick(keys.publishable, { ref: b.code, click_id: second, prev_click_id: first })
    const signup = await call('POST', '/v1/signups', {
      token: keys.secret,
      body: { customer_id: 'v', click_id: second },
    })
    expect(signup.body.signup.affiliate.id).toBe(a.id)
  })

  it('credits the last click under last-click attribution', async () => {
    const { keys } = await createProgram()
    const a = await createAffiliate(keys.secret)
    const b = await createAffiliate(keys.secret)
    const first = clickId()
    const second = clickId()
    await sendClick(keys.publishable, { ref: a.code, click_id: first })
    await sendClick(keys.publishable, { ref: b.code, click_id: second, prev_click_id: first })
    const signup = await call('POST', '/v1/signups', {
      token: keys.secret,
      body: { customer_id: 'v', click_id: second },
    })
    expect(signup.body.signup.affiliate.id).toBe(b.id)
  })

  it('reduces the commission pro rata on a partial refund and refuses refunding more than is left', async () => {
    const { keys } = await createProgram()
    const aff = await createAffiliate(keys.secret)
    await call('POST', '/v1/conversions', {
      token: keys.secret,
      body: { event_id: 'p', ref: aff.code, amount: 4900, currency: 'USD' },
    })
    const half = await call('POST', '/v1/refunds', {
      token: keys.secret,
      body: { event_id: 'r1', conversion_event_id: 'p', amount: 2450 },
    })
    expect(half.body.refund.commission).toMatchObject({ amount: 735, status: 'pending' })
    const tooMuch = await call('POST', '/v1/refunds', {
      token: keys.secret,
      body: { event_id: 'r2', conversion_event_id: 'p', amount: 2451 },
    })
    expect(tooMuch.status).toBe(400)
    expect(tooMuch.body.error.field).toBe('amount')
    const unknown = await call('POST', '/v1/refunds', {
      token: keys.secret,
      body: { event_id: 'r3', conversion_event_id: 'nope' },
    })
    expect(unknown.status).toBe(404)
    expect(unknown.body.error.field).toBe('conversion_event_id')
  })

  it('claws back a commission that was already paid', async () => {
    const { keys, program } = await createProgram()
    const aff = await createAffiliate(keys.secret)
    const conv = await call('POST', '/v1/conversions', {
      token: keys.secret,
      body: { event_id: 'pd', ref: aff.code, amount: 4900, currency: 'USD' },
    })
    await env.DB.prepare("UPDATE commissions SET status = 'paid' WHERE id = ?")
      .bind(conv.body.conversion.commission.id)
      .run()
    const refund = await call('POST', '/v1/refunds', {
      token: keys.secret,
      body: { event_id: 'rp', conversion_event_id: 'pd' },
    })
    expect(refund.body.refund.commission).toMatchObject({ amount: -1470, status: 'approved' })
    const rows = await env.DB.prepare(
      'SELECT kind, amount, status FROM commissions WHERE program_id = ? ORDER BY kind DESC',
    )
      .bind(program.id)
      .all()
    expect(rows.results).toEqual([
      { kind: 'conversion', amount: 1470, status: 'paid' },
      { kind: 'clawback', amount: -1470, status: 'approved' },
    ])
  })

  it('keeps totals per currency without converting', async () => {
    const { keys, program } = await createProgram()
    const aff = await createAffiliate(keys.secret)
    await call('POST', '/v1/conversions', {
      token: keys.secret,
      body: { event_id: 'u', ref: aff.code, amount: 1000, currency: 'USD' },
    })
    await call('POST', '/v1/conversions', {
      token: keys.secret,
      body: { event_id: 'e', ref: aff.code, amount: 2000, currency: 'eur' },
    })
    const stats = await call('GET', '/v1/stats', { token: keys.secret })
    expect(stats.body.totals.revenue).toEqual({ USD: 1000, EUR: 2000 })
    expect(stats.body.totals.commission).toEqual({ USD: 300, EUR: 600 })
    await expect(hub(program.id).totals('live')).resolves.toMatchObject({ revenue: { USD: 1000, EUR: 2000 } })
  })

  it('holds the commission of a self-referral for a person to decide', async () => {
    const { keys } = await createProgram()
    const aff = await createAffiliate(keys.secret, { email: 'sneaky@example.com' })
    await call('POST', '/v1/signups', {
      token: keys.secret,
      body: { customer_id: 's', ref: aff.code, email: 'Sneaky@Example.com' },
    })
    const conv = await call('POST', '/v1/conversions', {
      token: keys.secret,
      body: { event_id: 's1', customer_id: 's', amount: 1000, currency: 'USD' },
    })
    expect(conv.body.conversion.commission.status).toBe('on_hold')
  })

  it('never stores a customer email in clear', async () => {
    const { keys, program } = await createProgram()
    await call('POST', '/v1/signups', {
      token: keys.secret,
      body: { customer_id: 'pii', email: 'secret.person@example.com' },
    })
    const row = await env.DB.prepare('SELECT * FROM customers WHERE program_id = ?').bind(program.id).first()
    expect(JSON.stringify(row)).not.toContain('secret.person')
    expect(row?.email_hash).toMatch(/^[0-9a-f]{64}$/)
  })
})
