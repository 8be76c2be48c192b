/**
 * The SDK inside workerd, the Cloudflare Workers runtime: the global fetch, AbortController
 * timeouts, WebCrypto HMAC and the Fetch Request type all come from the runtime, not from Node.
 */
import { describe, expect, inject, it } from 'vitest'
import { Refline, ReflineTimeoutError, ReflineValidationError, signWebhook, verifyWebhook } from './index.js'

const baseUrl = inject('fakeCollectorUrl')

describe('@refline/node in the Workers runtime', () => {
  it('runs inside workerd, not Node', () => {
    const { navigator } = globalThis as { navigator?: { userAgent: string } }
    expect(navigator?.userAgent).toBe('Cloudflare-Workers')
  })

  it('records a conversion with the global fetch, retrying a 503 with the same event id', async () => {
    const refline = new Refline({ secretKey: 'sk_test_workerd', baseUrl })
    const result = await refline.trackConversion({ customerId: 'cus_1', amount: 4900, currency: 'USD' })
    expect(result.conversion.id).toBe('cv_1')

    const seen = (await (
      await fetch(`${baseUrl}/seen?event_id=${encodeURIComponent(result.eventId)}`)
    ).json()) as {
      attempts: number
      headers: Record<string, string>
      bodies: Array<{ event_id: string }>
    }
    expect(seen.attempts).toBe(2)
    expect(seen.bodies.map((b) => b.event_id)).toEqual([result.eventId, result.eventId])
    expect(seen.headers.authorization).toBe('Bearer sk_test_workerd')
    expect(seen.headers['refline-client']).toMatch(/^node\/\d+\.\d+\.\d+/)
  })

  it('surfaces a validation error with its field and request id', async () => {
    const refline = new Refline({ secretKey: 'sk_test_workerd', baseUrl })
    const error = await refline.trackSignup({ customerId: 'cus_1', email: 'nope' }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ReflineValidationError)
    expect(error).toMatchObject({ field: 'email', status: 400, requestId: 'req_workerd' })
  })

  it('times out a stalled request with AbortController', async () => {
    const refline = new Refline({ secretKey: 'sk_test_workerd', baseUrl, timeoutMs: 200, maxRetries: 0 })
    const started = Date.now()
    const error = await refline
      .trackConversion({ eventId: 'stall', amount: 13, currency: 'USD' })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ReflineTimeoutError)
    expect(Date.now() - started).toBeLessThan(5_000)
  })

  it('signs and verifies webhooks with the runtime WebCrypto', async () => {
    const body = '{"id":"evt_1","type":"commission.updated"}'
    const headers = await signWebhook(body, 'whsec_c2VjcmV0LWtleQ==', { id: 'evt_1' })
    await expect(verifyWebhook(body, new Headers(headers), 'whsec_c2VjcmV0LWtleQ==')).resolves.toEqual({
      id: 'evt_1',
      type: 'commission.updated',
    })
    await expect(verifyWebhook(body, headers, 'whsec_b3RoZXIta2V5')).rejects.toThrow()
  })

  it('reads the click id from a workerd Request', () => {
    const request = new Request('https://app.test/signup', {
      headers: { cookie: 'rl_click=clk_workerd_0001' },
    })
    expect(Refline.clickIdFrom(request)).toBe('clk_workerd_0001')
  })
})
