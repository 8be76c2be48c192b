/**
 * Tracking-health alerts and the fraud thresholds through the real collector: the settings that
 * tune them, the IP blocklist, and each rule raising its alert once (docs/alerts.md).
 */
import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import type { ProgramHub } from '../src/hub/program-hub'
import { call, clickId, createAffiliate, createProgram, hub, sendClick } from './helpers'
import { connectStripe, deliver, LIVE_SECRET, promotionCodeCreated } from './stripe-support'

const HOUR = 3_600_000
/** The hub's own storage (its `ctx` is protected; tests reach it inside the object). */
const storageOf = (h: ProgramHub) => (h as unknown as { ctx: DurableObjectState }).ctx.storage

async function alertTypes(sk: string): Promise<string[]> {
  const res = await call('GET', '/v1/alerts', { token: sk })
  expect(res.status).toBe(200)
  return res.body.alerts.map((a: { type: string }) => a.type)
}

async function patchFraud(sk: string, fraud: Record<string, unknown>) {
  return call('PATCH', '/v1/program', { token: sk, body: { fraud } })
}

describe('fraud and health thresholds in program settings', () => {
  it('answers every threshold with its default, and a patch of one part keeps the others', async () => {
    const { keys } = await createProgram()
    const before = await call('GET', '/v1/program', { token: keys.secret })
    expect(before.body.program.fraud).toEqual({
      click_flood: { max_clicks: 30, window_minutes: 60 },
      amount_outlier: { factor: 10, min_samples: 5 },
      conversion_burst: { max_conversions: 10, window_minutes: 10 },
      ip_blocklist: [],
      tracking_gap: { hours: 24, min_clicks_7d: 50 },
      unattributed_share: { max_share: 0.9, min_conversions: 20, window_hours: 24 },
      refund_spike: { min_refunds: 5, max_share: 0.3, window_hours: 24 },
      webhook_failing: { failures: 3 },
    })
    const patched = await patchFraud(keys.secret, {
      tracking_gap: { hours: 6 },
      ip_blocklist: ['198.51.100.0/24', '2001:db8::/32'],
    })
    expect(patched.status).toBe(200)
    expect(patched.body.program.fraud.tracking_gap).toEqual({ hours: 6, min_clicks_7d: 50 })
    expect(patched.body.program.fraud.click_flood).toEqual({ max_clicks: 30, window_minutes: 60 })
    expect(patched.body.program.fraud.ip_blocklist).toEqual(['198.51.100.0/24', '2001:db8::/32'])
    const again = await patchFraud(keys.secret, { refund_spike: { max_share: 0.5 } })
    expect(again.body.program.fraud.tracking_gap).toEqual({ hours: 6, min_clicks_7d: 50 })
    expect(again.body.program.fraud.refund_spike).toEqual({
      min_refunds: 5,
      max_share: 0.5,
      window_hours: 24,
    })
  })

  it('refuses a misspelt threshold, a bad range and a share above 1, naming the field, changing nothing', async () => {
    const { keys } = await createProgram()
    for (const [fraud, field] of [
      [{ tracking_gap: { hourz: 3 } }, 'fraud.tracking_gap.hourz'],
      [{ ip_blocklist: ['10.0.0.0/33'] }, 'fraud.ip_blocklist.0'],
      [{ ip_blocklist: ['not-an-ip'] }, 'fraud.ip_blocklist.0'],
      [{ unattributed_share: { max_share: 1.5 } }, 'fraud.unattributed_share.max_share'],
      [{ webhook_failing: { failures: 0 } }, 'fraud.webhook_failing.failures'],
      [{ alerts: {} }, 'fraud.alerts'],
    ] as const) {
      const res = await patchFraud(keys.secret, fraud)
      expect(res.status, JSON.stringify(fraud)).toBe(400)
      expect(res.body.error.field).toBe(field)
    }
    const after = await call('GET', '/v1/program', { token: keys.secret })
    expect(after.body.program.fraud.ip_blocklist).toEqual([])
    expect(after.body.program.fraud.tracking_gap.hours).toBe(24)
  })
})

describe('IP blocklist', () => {
  it('answers a listed address like any click but does not count it; others still count', async () => {
    const { program, keys } = await createProgram()
    const jane = await createAffiliate(keys.secret)
    expect((await patchFraud(keys.secret, { ip_blocklist: ['203.0.113.0/24'] })).status).toBe(200)
    // sendClick comes from 203.0.113.7 unless told otherwise.
    expect((await sendClick(keys.publishable, { ref: jane.code, click_id: clickId() })).status).toBe(202)
    const v6 = { 'cf-connecting-ip': '2001:db8::1' }
    expect((await sendClick(keys.publishable, { ref: jane.code, click_id: clickId() }, v6)).status).toBe(202)
    expect(await hub(program.id).totals('live', jane.id)).toMatchObject({ clicks: 1 })
    expect((await hub(program.id).trackingHealth('live')).blocked_clicks).toBe(1)

    expect((await patchFraud(keys.secret, { ip_blocklist: ['2001:db8::/32'] })).status).toBe(200)
    expect((await sendClick(keys.publishable, { ref: jane.code, click_id: clickId() }, v6)).status).toBe(202)
    expect((await sendClick(keys.publishable, { ref: jane.code, click_id: clickId() })).status).toBe(202)
    expect(await hub(program.id).totals('live', jane.id)).toMatchObject({ clicks: 2 })
    expect((await hub(program.id).trackingHealth('live')).blocked_clicks).toBe(2)
    expect(await hub(program.id).audit()).toEqual([])
  })
})

describe('tracking health alerts', () => {
  it('raises unattributed_share once per window when too many conversions are credited to nobody', async () => {
    const { program, keys } = await createProgram()
    const jane = await createAffiliate(keys.secret)
    await patchFraud(keys.secret, { unattributed_share: { max_share: 0.5, min_conversions: 4 } })
    const convert = (id: string, body: Record<string, unknown> = {}) =>
      call('POST', '/v1/conversions', {
        token: keys.secret,
        body: { event_id: id, amount: 1000, currency: 'USD', ...body },
      })
    await convert('inv_a', { ref: jane.code })
    await convert('inv_b')
    await convert('inv_c')
    expect(await alertTypes(keys.secret)).toEqual([]) // 2 of 3: under the 4 needed
    await convert('inv_d') // 3 of 4 unattributed: 75 % > 50 %
    expect(await alertTypes(keys.secret)).toEqual(['unattributed_share'])
    await convert('inv_e')
    await convert('inv_d') // a replay counts nothing
    expect(await alertTypes(keys.secret)).toEqual(['unattributed_share'])
    const [alert] = (await call('GET', '/v1/alerts', { token: keys.secret })).body.alerts
    expect(alert).toMatchObject({ severity: 'warning', affiliate: null, mode: 'live' })
    expect(alert.data).toMatchObject({ conversions: 4, unattributed: 3, window_hours: 24 })
    // Test-mode conversions are their own window and never raise live alerts.
    expect((await call('GET', '/v1/alerts', { token: keys.test_secret })).body.alerts).toEqual([])
    expect(await hub(program.id).audit()).toEqual([])
  })

  it('raises refund_spike when refunds pass their share of the window’s conversions', async () => {
    const { keys } = await createProgram()
    const jane = await createAffiliate(keys.secret)
    await patchFraud(keys.secret, { refund_spike: { min_refunds: 2, max_share: 0.6 } })
    for (const i of [1, 2, 3, 4]) {
      const res = await call('POST', '/v1/conversions', {
        token: keys.secret,
        body: { event_id: `inv_${i}`, amount: 1000, currency: 'USD', ref: jane.code },
      })
      expect(res.status).toBe(201)
    }
    const refund = (i: number) =>
      call('POST', '/v1/refunds', {
        token: keys.secret,
        body: { event_id: `re_${i}`, conversion_event_id: `inv_${i}`, amount: 1000 },
      })
    expect((await refund(1)).status).toBe(201)
    expect((await refund(2)).status).toBe(201) // 2 refunds: not more than 60 % of 4 conversions
    expect(await alertTypes(keys.secret)).toEqual([])
    expect((await refund(3)).status).toBe(201) // 3 > 2.4
    expect(await alertTypes(keys.secret)).toEqual(['refund_spike'])
    expect((await refund(4)).status).toBe(201)
    expect(await alertTypes(keys.secret)).toEqual(['refund_spike'])
  })

  it('raises tracking_gap from the hub’s alarm once a busy program’s clicks stop', async () => {
    const { program, keys } = await createProgram()
    const jane = await createAffiliate(keys.secret)
    await patchFraud(keys.secret, { tracking_gap: { hours: 2, min_clicks_7d: 3 } })
    for (let i = 0; i < 3; i++) {
      const ip = { 'cf-connecting-ip': `198.51.100.${i + 1}` }
      expect((await sendClick(keys.publishable, { ref: jane.code, click_id: clickId() }, ip)).status).toBe(
        202,
      )
    }
    const stub = hub(program.id)
    // The flush alarm runs, then leaves the next alarm at the gap's due time.
    await runDurableObjectAlarm(stub)
    const lastClick = await runInDurableObject(stub, (h: ProgramHub) => h.fraud.lastCountableClickAt('live'))
    expect(lastClick).not.toBeNull()
    expect(await runInDurableObject(stub, (h: ProgramHub) => storageOf(h).getAlarm())).toBe(
      (lastClick as number) + 2 * HOUR,
    )
    expect(await alertTypes(keys.secret)).toEqual([])

    // Three hours later (the clicks moved back in time instead), the alarm finds the gap, once.
    await runInDurableObject(stub, (h: ProgramHub) => {
      storageOf(h).sql.exec('UPDATE clicks SET at = at - ?', 3 * HOUR)
    })
    await runDurableObjectAlarm(stub)
    await runDurableObjectAlarm(stub)
    expect(await alertTypes(keys.secret)).toEqual(['tracking_gap'])
    const [alert] = (await call('GET', '/v1/alerts', { token: keys.secret })).body.alerts
    expect(alert).toMatchObject({ severity: 'critical', data: { clicks_week_before: 3, hours: 2 } })
  })

  it('stays quiet about a program that never was busy, and when the rule is off', async () => {
    const { program, keys } = await createProgram()
    const jane = await createAffiliate(keys.secret)
    await patchFraud(keys.secret, { tracking_gap: { hours: 1, min_clicks_7d: 5 } })
    await sendClick(keys.publishable, { ref: jane.code, click_id: clickId() })
    const stub = hub(program.id)
    await runDurableObjectAlarm(stub)
    await runInDurableObject(stub, (h: ProgramHub) => {
      storageOf(h).sql.exec('UPDATE clicks SET at = at - ?', 2 * HOUR)
    })
    await runDurableObjectAlarm(stub)
    expect(await alertTypes(keys.secret)).toEqual([])

    await patchFraud(keys.secret, { tracking_gap: { hours: 0, min_clicks_7d: 1 } })
    await runDurableObjectAlarm(stub)
    expect(await alertTypes(keys.secret)).toEqual([])
    expect(await runInDurableObject(stub, (h: ProgramHub) => storageOf(h).getAlarm())).toBeNull()
  })

  it('raises webhook_failing at the program’s threshold, once a day per endpoint', async () => {
    const { program, keys } = await createProgram()
    const stub = hub(program.id)
    const failure = (attempts: number, extra: Record<string, unknown> = {}) =>
      stub.noteWebhookFailure(program.id, 'live', {
        endpoint_id: 'whe_1',
        url: 'https://hooks.example.com/refline',
        attempts,
        status_code: 500,
        error: 'HTTP 500',
        given_up: false,
        disabled: false,
        ...extra,
      })
    await failure(1)
    await failure(2)
    expect(await alertTypes(keys.secret)).toEqual([])
    await failure(3)
    await failure(4)
    expect(await alertTypes(keys.secret)).toEqual(['webhook_failing'])
    // A 410 disables the endpoint: that is its own, critical alert.
    await failure(5, { status_code: 410, disabled: true, given_up: true })
    const alerts = (await call('GET', '/v1/alerts', { token: keys.secret })).body.alerts
    expect(alerts.map((a: { severity: string }) => a.severity)).toEqual(['critical', 'warning'])
    expect(alerts[0].message).toMatch(/410 Gone and was disabled/)
  })

  it('raises stripe_signature when a delivery does not verify, at most once an hour', async () => {
    const { program, keys } = await createProgram()
    await connectStripe(keys.secret)
    const forged = await deliver(program.id, promotionCodeCreated('promo_1', 'JANE'), 'whsec_wrong')
    expect(forged.status).toBe(400)
    expect(await deliver(program.id, promotionCodeCreated('promo_2', 'JANE'), 'whsec_wrong')).toMatchObject({
      status: 400,
    })
    expect(await alertTypes(keys.secret)).toEqual(['stripe_signature'])
    const [alert] = (await call('GET', '/v1/alerts', { token: keys.secret })).body.alerts
    expect(alert).toMatchObject({ severity: 'critical', mode: 'live' })
    // A correctly signed one is processed and raises nothing more.
    expect((await deliver(program.id, promotionCodeCreated('promo_3', 'JANE'), LIVE_SECRET)).status).toBe(200)
    expect(await alertTypes(keys.secret)).toEqual(['stripe_signature'])
  })
})
