/**
 * Outgoing webhooks end to end: a real collector (wrangler dev, local D1, the real
 * WebhookDispatcher and its alarms) sends to a real HTTP receiver on 127.0.0.1. The retry delays
 * are scaled by WEBHOOKS_RETRY_SCALE so a schedule of hours takes about a second.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Webhook } from 'standardwebhooks'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { freePort, startCollector } from '../../scripts/local-collector.mjs'
import { verifyWebhook } from '../../sdk-node/src/webhook'
import type { Collector } from './support'

const SCALE = 0.01

interface Received {
  at: number
  url: string | undefined
  headers: IncomingHttpHeaders
  body: string
}

/** A webhook receiver that answers with the next status of `statuses` (the last one repeats; 0 = never). */
async function receiver(initial: number[], port = 0) {
  let statuses = initial
  const received: Received[] = []
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      received.push({
        at: Date.now(),
        url: req.url,
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      })
      const status = statuses[Math.min(received.length - 1, statuses.length - 1)] ?? 200
      if (status === 0) return // never answer
      const location = status >= 300 && status < 400 ? { location: '/elsewhere' } : {}
      res
        .writeHead(status, { 'content-type': 'text/plain', ...location })
        .end(status >= 300 ? 'nope '.repeat(1000) : 'ok')
    })
  })
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
  const actual = (server.address() as AddressInfo).port
  return {
    received,
    port: actual,
    url: `http://127.0.0.1:${actual}/hooks`,
    /** What to answer from now on. */
    answer: (next: number[]) => {
      statuses = next
      received.length = 0
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await check()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

let collector: Collector & { query(sql: string): Promise<unknown[]> }
let sk: string

beforeAll(async () => {
  collector = (await startCollector({
    vars: { WEBHOOKS_ALLOW_PRIVATE: 'true', WEBHOOKS_RETRY_SCALE: String(SCALE) },
  })) as typeof collector
  const created = await collector.createProgram({ name: 'Webhooks e2e' })
  sk = created.keys.secret as string
})
afterAll(async () => {
  await collector?.stop()
})

const endpoints: string[] = []
async function createEndpoint(url: string) {
  const res = await collector.api('POST', '/v1/webhook-endpoints', { token: sk, body: { url } })
  expect(res.status).toBe(201)
  endpoints.push(res.body.endpoint.id)
  return res.body.endpoint as { id: string; secret: string }
}

// Each test's endpoint goes with it, so later events never reach an earlier test's receiver.
afterEach(async () => {
  for (const id of endpoints.splice(0)) {
    await collector.api('DELETE', `/v1/webhook-endpoints/${id}`, { token: sk })
  }
})

let seq = 0
/**
 * Records a real signup through the API: the hub writes it and its `signup.created` delivery in
 * one D1 batch and wakes the dispatcher. Resolves to the endpoint's delivery of it.
 */
async function emit(endpointId: string, c = collector, key = sk) {
  seq++
  const customer = `cus_e2e_${seq}_${Date.now()}`
  const queuedAt = Date.now()
  const signup = await c.api('POST', '/v1/signups', { token: key, body: { customer_id: customer } })
  expect(signup.status).toBe(201)
  const found = await until('the delivery in the log', async () => {
    const log = await c.api('GET', `/v1/webhook-endpoints/${endpointId}/deliveries`, { token: key })
    return log.body.deliveries.find((d: { type: string }) => d.type === 'signup.created')
  })
  return { id: found.event_id as string, deliveryId: found.id as string, queuedAt, customer }
}

async function delivery(endpointId: string, id: string, c = collector, key = sk) {
  const log = await c.api('GET', `/v1/webhook-endpoints/${endpointId}/deliveries`, { token: key })
  return log.body.deliveries.find((d: { id: string }) => d.id === id)
}

describe('webhook deliveries to a real receiver', () => {
  it('retries a receiver that fails twice, then delivers the same signed body', async () => {
    const r = await receiver([500, 503, 200])
    try {
      const ep = await createEndpoint(r.url)
      const { id, deliveryId, queuedAt, customer } = await emit(ep.id)
      const done = await until('delivered', async () => {
        const d = await delivery(ep.id, deliveryId)
        return d.status === 'delivered' ? d : undefined
      })
      expect(done).toMatchObject({ attempts: 3, response_code: 200, last_error: null, next_attempt_at: null })
      expect(r.received).toHaveLength(3)
      const wh = new Webhook(ep.secret)
      for (const got of r.received) {
        expect(got.body).toBe(r.received[0]?.body)
        expect(got.headers['content-type']).toBe('application/json')
        expect(got.headers['webhook-id']).toBe(id)
        expect(got.headers['webhook-timestamp']).toMatch(/^\d{10}$/)
        expect(Math.abs(Number(got.headers['webhook-timestamp']) - got.at / 1000)).toBeLessThan(5)
        expect(got.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/)
        const headers = {
          'webhook-id': String(got.headers['webhook-id']),
          'webhook-timestamp': String(got.headers['webhook-timestamp']),
          'webhook-signature': String(got.headers['webhook-signature']),
        }
        // Two independent verifiers: the standardwebhooks library and the Node SDK.
        expect(wh.verify(got.body, headers)).toMatchObject({ id, type: 'signup.created' })
        await expect(verifyWebhook(got.body, headers, ep.secret)).resolves.toMatchObject({ id })
      }
      expect(JSON.parse(r.received[0]?.body ?? '')).toEqual({
        id,
        type: 'signup.created',
        created_at: expect.any(String),
        data: { id: expect.any(String), customer_id: customer, affiliate: null },
      })
      // The kick wakes the dispatcher at once: no waiting for an alarm or the cron.
      const firstMs = (r.received[0]?.at ?? 0) - queuedAt
      console.log(`first attempt ${firstMs} ms after POST /v1/signups was sent`)
      expect(firstMs).toBeLessThan(2_000)
      // The first retry comes within 10 s (here scaled: 5 s × 0.01), the second later than the first.
      const gaps = r.received.slice(1).map((g, i) => g.at - (r.received[i]?.at ?? 0))
      expect(gaps[0]).toBeLessThan(10_000 * SCALE + 1_000)
      expect(gaps[1]).toBeGreaterThanOrEqual(30_000 * SCALE - 50)
    } finally {
      await r.close()
    }
  })

  it('keeps retrying a receiver that is down, delivers when it comes back, and tells it the endpoint was failing', async () => {
    const port = (await freePort()) as number
    const ep = await createEndpoint(`http://127.0.0.1:${port}/hooks`)
    const { id, deliveryId } = await emit(ep.id)
    // Three failures in a row meet the default webhook_failing threshold: the program raises an
    // alert, and alert.raised goes to every endpoint, this one included.
    const failing = await until('three failed attempts', async () => {
      const d = await delivery(ep.id, deliveryId)
      return d.attempts >= 3 ? d : undefined
    })
    expect(failing).toMatchObject({ status: 'pending', response_code: null })
    expect(failing.last_error).toMatch(/network error/i)
    expect(failing.next_attempt_at).toEqual(expect.any(String))
    const r = await receiver([200], port)
    const body = (g: Received) =>
      JSON.parse(g.body) as { id: string; type: string; data: Record<string, unknown> }
    const alerts = () => r.received.filter((g) => g.headers['webhook-id'] !== id)
    try {
      const done = await until('delivered', async () => {
        const d = await delivery(ep.id, deliveryId)
        return d.status === 'delivered' ? d : undefined
      })
      await until('the alert', async () => (alerts().length ? true : undefined))
      // Deliveries are at least once (docs/webhooks.md): an attempt whose answer is lost, as on
      // a machine too busy to read it in time, is sent again. What must hold is that every
      // request of this delivery was a recorded attempt: more requests than attempts since the
      // receiver came up would mean one attempt was sent twice.
      const ours = r.received.filter((g) => g.headers['webhook-id'] === id)
      expect(ours.length).toBeGreaterThanOrEqual(1)
      if (ours.length > 1) console.log(`received ${ours.length} times:`, done)
      expect(ours.length).toBeLessThanOrEqual(done.attempts - failing.attempts)
      expect(done.attempts).toBeGreaterThanOrEqual(4)
      expect(done.response_code).toBe(200)
      // Everything else it got is the one alert about this endpoint (once a day per endpoint).
      expect(new Set(alerts().map((g) => g.headers['webhook-id'])).size).toBe(1)
      for (const g of alerts()) {
        expect(body(g)).toMatchObject({
          type: 'alert.raised',
          data: { type: 'webhook_failing', data: { endpoint_id: ep.id, disabled: false } },
        })
      }
    } finally {
      await r.close()
    }
  })

  it('disables an endpoint that answers 410 and sends it nothing more', async () => {
    const r = await receiver([410])
    try {
      const ep = await createEndpoint(r.url)
      const first = await emit(ep.id)
      const gone = await until('failed', async () => {
        const d = await delivery(ep.id, first.deliveryId)
        return d.status === 'failed' && d.attempts > 0 ? d : undefined
      })
      expect(gone).toMatchObject({ attempts: 1, response_code: 410, next_attempt_at: null })
      // At most 1 KB of the answer was read into the log.
      expect(gone.last_error.length).toBeLessThan(400)
      const endpoint = await collector.api('GET', `/v1/webhook-endpoints/${ep.id}`, { token: sk })
      expect(endpoint.body.endpoint).toMatchObject({ status: 'disabled', disabled_reason: 'gone' })
      const again = await collector.api(
        'POST',
        `/v1/webhook-endpoints/${ep.id}/deliveries/${first.deliveryId}/resend`,
        { token: sk },
      )
      expect(again.status).toBe(409)
      await new Promise((resolve) => setTimeout(resolve, 1_000))
      expect(r.received).toHaveLength(1)
    } finally {
      await r.close()
    }
  })

  it('does not follow a redirect: a 3xx is a failed attempt, retried at the same URL', async () => {
    const r = await receiver([307, 200])
    try {
      const ep = await createEndpoint(r.url)
      const { deliveryId } = await emit(ep.id)
      const done = await until('delivered', async () => {
        const d = await delivery(ep.id, deliveryId)
        return d.status === 'delivered' ? d : undefined
      })
      expect(done.attempts).toBe(2)
      expect(r.received.map((g) => g.url)).toEqual(['/hooks', '/hooks'])
    } finally {
      await r.close()
    }
  })

  it('gives up on an attempt with no answer in 15 s and retries it', async () => {
    const r = await receiver([0, 200])
    try {
      const ep = await createEndpoint(r.url)
      const { deliveryId } = await emit(ep.id)
      const done = await until(
        'delivered',
        async () => {
          const d = await delivery(ep.id, deliveryId)
          return d.status === 'delivered' ? d : undefined
        },
        40_000,
      )
      // The first attempt was abandoned after 15 s without an answer, then retried at once.
      expect(r.received).toHaveLength(2)
      const gap = (r.received[1]?.at ?? 0) - (r.received[0]?.at ?? 0)
      expect(gap).toBeGreaterThanOrEqual(15_000 - 100)
      expect(gap).toBeLessThan(15_000 + 5_000)
      expect(done.attempts).toBe(2)
    } finally {
      await r.close()
    }
  }, 60_000)

  it('survives a restart of the collector: the pending delivery goes out after it', async () => {
    const persistTo = mkdtempSync(join(tmpdir(), 'refline-webhooks-restart-'))
    // Scaled so that even a delivery caught mid-send by the stop (held under its lease) is due
    // again 30 s later.
    const vars = { WEBHOOKS_ALLOW_PRIVATE: 'true', WEBHOOKS_RETRY_SCALE: '0.05' }
    const r = await receiver([500])
    let c = (await startCollector({ persistTo, vars })) as typeof collector
    try {
      const { keys } = await c.createProgram({ name: 'Restart' })
      const key = keys.secret as string
      const res = await c.api('POST', '/v1/webhook-endpoints', { token: key, body: { url: r.url } })
      const ep = res.body.endpoint
      const { deliveryId } = await emit(ep.id, c, key)
      await until('a failed attempt', async () =>
        (await delivery(ep.id, deliveryId, c, key)).attempts >= 1 ? true : undefined,
      )
      await c.stop()
      r.answer([200])
      // Nothing but the dispatcher's durable alarm and the D1 outbox carry the delivery over.
      c = (await startCollector({ persistTo, vars })) as typeof collector
      const done = await until(
        'delivered after the restart',
        async () => {
          const d = await delivery(ep.id, deliveryId, c, key)
          return d.status === 'delivered' ? d : undefined
        },
        75_000,
      )
      expect(done.response_code).toBe(200)
      expect(r.received.length).toBeGreaterThanOrEqual(1)
    } finally {
      await c.stop()
      await r.close()
      rmSync(persistTo, { recursive: true, force: true })
    }
  }, 180_000)
})
