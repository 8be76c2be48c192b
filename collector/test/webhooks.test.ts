/** Webhook endpoints API and the delivery outbox, in workerd with the real migrations and D1. */
import { env } from 'cloudflare:test'
import { beforeAll, describe, expect, it } from 'vitest'
import { stmt } from '../src/hub/types'
import type { ProgramCreated } from '../src/shared'
import { webhookDeliveryD1, webhookDeliveryStmt } from '../src/webhooks/enqueue'
import { call, createProgram } from './helpers'

const URL_OK = 'https://hooks.example.com/refline'

async function createEndpoint(sk: string, body: Record<string, unknown> = { url: URL_OK }) {
  const res = await call('POST', '/v1/webhook-endpoints', { token: sk, body })
  if (res.status !== 201) throw new Error(`createEndpoint: ${res.status} ${JSON.stringify(res.body)}`)
  return res.body.endpoint as { id: string; url: string; events: string[]; secret: string }
}

const deliveriesOf = (endpointId: string) =>
  env.DB.prepare('SELECT * FROM webhook_deliveries WHERE endpoint_id = ? ORDER BY created_at')
    .bind(endpointId)
    .all<Record<string, unknown>>()
    .then((r) => r.results)

let p: ProgramCreated
beforeAll(async () => {
  p = await createProgram({ name: 'Hooks' })
})

describe('POST /v1/webhook-endpoints', () => {
  it('creates an endpoint and shows its whsec_ secret once', async () => {
    const res = await call('POST', '/v1/webhook-endpoints', {
      token: p.keys.secret,
      body: { url: URL_OK, events: ['conversion.created', 'refund.created'] },
    })
    expect(res.status).toBe(201)
    expect(res.body.endpoint).toMatchObject({
      url: URL_OK,
      events: ['conversion.created', 'refund.created'],
      status: 'enabled',
      mode: 'live',
    })
    expect(res.body.endpoint.id).toMatch(/^whe_/)
    expect(res.body.endpoint.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/)
    const list = await call('GET', '/v1/webhook-endpoints', { token: p.keys.secret })
    const listed = list.body.endpoints.find((e: { id: string }) => e.id === res.body.endpoint.id)
    expect(listed).toBeDefined()
    expect(listed).not.toHaveProperty('secret')
    const one = await call('GET', `/v1/webhook-endpoints/${res.body.endpoint.id}`, { token: p.keys.secret })
    expect(one.body.endpoint).not.toHaveProperty('secret')
  })

  it.each([
    [{ url: URL_OK, secret: 'whsec_mine' }, 'secret'],
    [{ url: URL_OK, events: ['conversion.made'] }, 'events.0'],
    [{ url: URL_OK, events: ['signup.created', 'signup.created'] }, 'events'],
    [{ url: URL_OK, events: 'signup.created' }, 'events'],
    [{}, 'url'],
    [{ url: 42 }, 'url'],
    [{ url: 'http://hooks.example.com/' }, 'url'],
    [{ url: 'https://127.0.0.1/hook' }, 'url'],
    [{ url: 'https://169.254.169.254/latest/meta-data' }, 'url'],
    [{ url: 'https://[::1]/hook' }, 'url'],
    [{ url: 'https://10.0.0.8/hook' }, 'url'],
    [{ url: 'https://localhost/hook' }, 'url'],
    [{ url: 'https://metadata.google.internal/' }, 'url'],
  ])('refuses %j with a 400 naming %s', async (body, field) => {
    const res = await call('POST', '/v1/webhook-endpoints', { token: p.keys.secret, body })
    expect(res.status).toBe(400)
    expect(res.body.error).toMatchObject({ code: 'invalid_request', field })
  })

  it('refuses a body that is not JSON, and a request without a secret key', async () => {
    const bad = await call('POST', '/v1/webhook-endpoints', { token: p.keys.secret, raw: '{"url":' })
    expect(bad.status).toBe(400)
    const anon = await call('POST', '/v1/webhook-endpoints', { body: { url: URL_OK } })
    expect(anon.status).toBe(401)
    const pk = await call('POST', '/v1/webhook-endpoints', {
      token: p.keys.publishable,
      body: { url: URL_OK },
    })
    expect(pk.status).toBe(403)
  })

  it('bounds the endpoints of a program and mode at 20', async () => {
    const q = await createProgram({ name: 'Many hooks' })
    for (let i = 0; i < 20; i++) await createEndpoint(q.keys.secret, { url: `${URL_OK}/${i}` })
    const res = await call('POST', '/v1/webhook-endpoints', { token: q.keys.secret, body: { url: URL_OK } })
    expect(res.status).toBe(400)
    expect(res.body.error.field).toBe('url')
    // The other mode has its own 20.
    expect((await createEndpoint(q.keys.test_secret)).url).toBe(URL_OK)
  })
})

describe('modes', () => {
  it('keeps test endpoints and live endpoints apart', async () => {
    const q = await createProgram({ name: 'Modes' })
    const live = await createEndpoint(q.keys.secret, { url: `${URL_OK}/live` })
    const test = await createEndpoint(q.keys.test_secret, { url: `${URL_OK}/test` })
    const asTest = await call('GET', '/v1/webhook-endpoints', { token: q.keys.test_secret })
    expect(asTest.body.endpoints.map((e: { id: string }) => e.id)).toEqual([test.id])
    const asLive = await call('GET', '/v1/webhook-endpoints', { token: q.keys.secret })
    expect(asLive.body.endpoints.map((e: { id: string }) => e.id)).toEqual([live.id])
    for (const [method, path] of [
      ['GET', `/v1/webhook-endpoints/${live.id}`],
      ['DELETE', `/v1/webhook-endpoints/${live.id}`],
      ['GET', `/v1/webhook-endpoints/${live.id}/deliveries`],
    ] as const) {
      const res = await call(method, path, { token: q.keys.test_secret })
      expect(res.status, `${method} ${path}`).toBe(404)
    }
    // Another program's key sees nothing of this one.
    const other = await call('GET', `/v1/webhook-endpoints/${live.id}`, { token: p.keys.secret })
    expect(other.status).toBe(404)
  })

  it('enqueues a test event for test endpoints only', async () => {
    const q = await createProgram({ name: 'Mode events' })
    const live = await createEndpoint(q.keys.secret)
    const test = await createEndpoint(q.keys.test_secret)
    const createdAt = new Date().toISOString()
    const n = await webhookDeliveryD1(env.DB, {
      programId: q.program.id,
      mode: 'test',
      type: 'signup.created',
      id: 'evt_mode_1',
      createdAt,
      data: {},
    })
    expect(n).toBe(1)
    expect(await deliveriesOf(live.id)).toHaveLength(0)
    expect(await deliveriesOf(test.id)).toHaveLength(1)
  })
})

describe('webhookDeliveryStmt', () => {
  it('fixes the body at insert and enqueues one delivery per subscribed, enabled endpoint', async () => {
    const q = await createProgram({ name: 'Fan-out' })
    const all = await createEndpoint(q.keys.secret, { url: `${URL_OK}/all` })
    const conv = await createEndpoint(q.keys.secret, { url: `${URL_OK}/c`, events: ['conversion.created'] })
    const refunds = await createEndpoint(q.keys.secret, { url: `${URL_OK}/r`, events: ['refund.created'] })
    const off = await createEndpoint(q.keys.secret, { url: `${URL_OK}/off` })
    const patched = await call('PATCH', `/v1/webhook-endpoints/${off.id}`, {
      token: q.keys.secret,
      body: { enabled: false },
    })
    expect(patched.body.endpoint).toMatchObject({
      status: 'disabled',
      disabled_reason: 'disabled_by_founder',
    })
    const createdAt = '2026-12-01T08:00:00.000Z'
    const data = { conversion: { id: 'cnv_1', amount: 4900, currency: 'USD', note: 'é ✓' } }
    const event = {
      programId: q.program.id,
      mode: 'live' as const,
      type: 'conversion.created' as const,
      id: 'evt_fan_1',
      createdAt,
      data,
    }
    expect(await webhookDeliveryD1(env.DB, event)).toBe(2)
    const [a] = await deliveriesOf(all.id)
    const [c] = await deliveriesOf(conv.id)
    expect(await deliveriesOf(refunds.id)).toHaveLength(0)
    expect(await deliveriesOf(off.id)).toHaveLength(0)
    const body = JSON.stringify({ id: 'evt_fan_1', type: 'conversion.created', created_at: createdAt, data })
    for (const row of [a, c]) {
      expect(row).toMatchObject({
        event_id: 'evt_fan_1',
        type: 'conversion.created',
        status: 'pending',
        attempts: 0,
        mode: 'live',
        payload: body,
        next_attempt_at: Date.parse(createdAt),
      })
      expect(row?.id).toMatch(/^whd_[0-9a-f]{20}$/)
    }
    // Replayed (a hub recovering from a crash): nothing twice.
    expect(await webhookDeliveryD1(env.DB, event)).toBe(0)
    expect(await deliveriesOf(all.id)).toHaveLength(1)
  })

  it('commits with its event or not at all: a failing batch leaves no delivery behind', async () => {
    const q = await createProgram({ name: 'Atomic' })
    const ep = await createEndpoint(q.keys.secret)
    const s = webhookDeliveryStmt({
      programId: q.program.id,
      mode: 'live',
      type: 'signup.created',
      id: 'evt_atomic',
      createdAt: new Date().toISOString(),
      data: {},
    })
    const failing = stmt('INSERT INTO salts (day, salt, created_at) VALUES (NULL, NULL, NULL)')
    await expect(
      env.DB.batch([s, failing].map((x) => env.DB.prepare(x.sql).bind(...x.params))),
    ).rejects.toThrow()
    expect(await deliveriesOf(ep.id)).toHaveLength(0)
  })

  it('refuses a createdAt that is not a time', () => {
    expect(() =>
      webhookDeliveryStmt({
        programId: 'p',
        mode: 'live',
        type: 'signup.created',
        id: 'e',
        createdAt: 'soon',
        data: {},
      }),
    ).toThrow(/createdAt/)
  })
})

describe('delivery log, resend and delete', () => {
  it('lists deliveries with their status and resends a failed one as the same message', async () => {
    const q = await createProgram({ name: 'Log' })
    const ep = await createEndpoint(q.keys.secret)
    await webhookDeliveryD1(env.DB, {
      programId: q.program.id,
      mode: 'live',
      type: 'payout.paid',
      id: 'evt_log_1',
      createdAt: new Date().toISOString(),
      data: { payout: { id: 'po_1' } },
    })
    const log = await call('GET', `/v1/webhook-endpoints/${ep.id}/deliveries`, { token: q.keys.secret })
    expect(log.status).toBe(200)
    const [d] = log.body.deliveries
    expect(d).toMatchObject({ event_id: 'evt_log_1', type: 'payout.paid', status: 'pending', attempts: 0 })
    expect(typeof d.next_attempt_at).toBe('string')
    const path = `/v1/webhook-endpoints/${ep.id}/deliveries/${d.id}/resend`
    const early = await call('POST', path, { token: q.keys.secret })
    expect(early.status).toBe(409)
    await env.DB.prepare(
      "UPDATE webhook_deliveries SET status = 'failed', attempts = 10, last_status_code = 500, next_attempt_at = NULL WHERE id = ?",
    )
      .bind(d.id)
      .run()
    const failed = await call('GET', `/v1/webhook-endpoints/${ep.id}/deliveries?status=failed`, {
      token: q.keys.secret,
    })
    expect(failed.body.deliveries).toHaveLength(1)
    expect(failed.body.deliveries[0]).toMatchObject({ response_code: 500, next_attempt_at: null })
    const before = Date.now()
    const resent = await call('POST', path, { token: q.keys.secret })
    expect(resent.status).toBe(202)
    expect(resent.body.delivery).toMatchObject({
      id: d.id,
      event_id: 'evt_log_1',
      status: 'pending',
      attempts: 0,
    })
    const [row] = await deliveriesOf(ep.id)
    expect(row?.next_attempt_at).toBeGreaterThanOrEqual(before)
    expect(row?.payload).toBe(JSON.parse(JSON.stringify(row?.payload)))
    const missing = await call('POST', `/v1/webhook-endpoints/${ep.id}/deliveries/whd_nope/resend`, {
      token: q.keys.secret,
    })
    expect(missing.status).toBe(404)
    expect(missing.body.error.field).toBe('delivery_id')
  })

  it.each([
    ['status=lost', 'status'],
    ['limit=0', 'limit'],
    ['limit=101', 'limit'],
    ['limit=abc', 'limit'],
  ])('refuses the query %s with a 400 naming %s', async (query, field) => {
    const ep = await createEndpoint(p.keys.secret)
    const res = await call('GET', `/v1/webhook-endpoints/${ep.id}/deliveries?${query}`, {
      token: p.keys.secret,
    })
    expect(res.status).toBe(400)
    expect(res.body.error.field).toBe(field)
  })

  it('deletes an endpoint with its deliveries', async () => {
    const q = await createProgram({ name: 'Delete' })
    const ep = await createEndpoint(q.keys.secret)
    await webhookDeliveryD1(env.DB, {
      programId: q.program.id,
      mode: 'live',
      type: 'alert.raised',
      id: 'evt_del',
      createdAt: new Date().toISOString(),
      data: {},
    })
    const res = await call('DELETE', `/v1/webhook-endpoints/${ep.id}`, { token: q.keys.secret })
    expect(res.status).toBe(200)
    expect(res.body).toEqual({ deleted: true, id: ep.id })
    expect(await deliveriesOf(ep.id)).toHaveLength(0)
    expect((await call('GET', `/v1/webhook-endpoints/${ep.id}`, { token: q.keys.secret })).status).toBe(404)
  })

  it('changes the URL and the events with PATCH, with the same checks as create', async () => {
    const ep = await createEndpoint(p.keys.secret)
    const bad = await call('PATCH', `/v1/webhook-endpoints/${ep.id}`, {
      token: p.keys.secret,
      body: { url: 'https://192.168.0.1/' },
    })
    expect(bad.status).toBe(400)
    expect(bad.body.error.field).toBe('url')
    const unknown = await call('PATCH', `/v1/webhook-endpoints/${ep.id}`, {
      token: p.keys.secret,
      body: { status: 'enabled' },
    })
    expect(unknown.body.error.field).toBe('status')
    const ok = await call('PATCH', `/v1/webhook-endpoints/${ep.id}`, {
      token: p.keys.secret,
      body: { url: 'https://other.example.com/in', events: ['payout.paid'] },
    })
    expect(ok.body.endpoint).toMatchObject({ url: 'https://other.example.com/in', events: ['payout.paid'] })
  })
})
