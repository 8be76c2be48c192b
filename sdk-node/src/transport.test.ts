import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { apiError, json, type Step, scriptedFetch } from '../test/fake-fetch.js'
import { Refline } from './client.js'
import {
  ReflineAbortError,
  ReflineApiError,
  ReflineAuthenticationError,
  ReflineConflictError,
  ReflineConnectionError,
  ReflineRateLimitError,
  ReflineTimeoutError,
  ReflineValidationError,
} from './errors.js'

const conversionOk = json(201, {
  conversion: { id: 'cv_1', event_id: 'inv_1', affiliate: null, commission: null },
})
const conversion = { eventId: 'inv_1', customerId: 'cus_1', amount: 4900, currency: 'USD' }

function client(steps: Step[], options: { maxRetries?: number; timeoutMs?: number } = {}) {
  const fetch = scriptedFetch(steps)
  const refline = new Refline({ secretKey: 'sk_test_x', baseUrl: 'http://collector.test', fetch, ...options })
  return { refline, fetch }
}

/** Runs a call to completion while fake timers drive every backoff and timeout. */
async function settle<T>(promise: Promise<T>): Promise<{ value?: T; error?: unknown }> {
  const outcome = promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  )
  await vi.runAllTimersAsync()
  return outcome
}

beforeEach(() => {
  vi.useFakeTimers()
})
afterEach(() => {
  vi.useRealTimers()
  vi.restoreAllMocks()
})

describe('retries', () => {
  it('retries a 500 and returns the later success', async () => {
    const { refline, fetch } = client([apiError(500, 'internal', 'boom'), conversionOk])
    const { value } = await settle(refline.trackConversion(conversion))
    expect(fetch.calls).toHaveLength(2)
    expect(value?.conversion.id).toBe('cv_1')
  })

  it('retries a 503 until it succeeds', async () => {
    const { refline, fetch } = client([
      apiError(503, 'internal', 'busy'),
      apiError(503, 'internal', 'busy'),
      conversionOk,
    ])
    const { value } = await settle(refline.trackConversion(conversion))
    expect(fetch.calls).toHaveLength(3)
    expect(value?.replayed).toBe(false)
  })

  it('retries a 408 request timeout', async () => {
    const { refline, fetch } = client([{ status: 408 }, conversionOk])
    await settle(refline.trackConversion(conversion))
    expect(fetch.calls).toHaveLength(2)
  })

  it('waits exactly the Retry-After seconds of a 429 before retrying', async () => {
    const { refline, fetch } = client([
      { ...apiError(429, 'rate_limited', 'slow down'), headers: { 'retry-after': '3' } },
      conversionOk,
    ])
    const done = refline.trackConversion(conversion)
    await vi.advanceTimersByTimeAsync(2_999)
    expect(fetch.calls).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(1)
    expect(fetch.calls).toHaveLength(2)
    await expect(done).resolves.toMatchObject({ conversion: { id: 'cv_1' } })
  })

  it('honours a Retry-After given as an HTTP date', async () => {
    vi.setSystemTime(new Date('2026-05-01T12:00:00Z'))
    const { refline, fetch } = client([
      { status: 429, headers: { 'retry-after': 'Fri, 01 May 2026 12:00:05 GMT' } },
      conversionOk,
    ])
    const done = refline.trackConversion(conversion)
    await vi.advanceTimersByTimeAsync(4_999)
    expect(fetch.calls).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(1)
    expect(fetch.calls).toHaveLength(2)
    await done
  })

  it('caps a very long Retry-After at 20 s', async () => {
    const { refline, fetch } = client([{ status: 429, headers: { 'retry-after': '3600' } }, conversionOk])
    const done = refline.trackConversion(conversion)
    await vi.advanceTimersByTimeAsync(20_000)
    expect(fetch.calls).toHaveLength(2)
    await done
  })

  it('retries a network error', async () => {
    const { refline, fetch } = client([{ networkError: 'fetch failed' }, conversionOk])
    const { value } = await settle(refline.trackConversion(conversion))
    expect(fetch.calls).toHaveLength(2)
    expect(value?.conversion.id).toBe('cv_1')
  })

  it('backs off exponentially with full jitter', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.5)
    const { refline, fetch } = client([
      apiError(500, 'internal', 'x'),
      apiError(500, 'internal', 'x'),
      apiError(500, 'internal', 'x'),
      conversionOk,
    ])
    const done = refline.trackConversion(conversion)
    const attemptTimes: number[] = []
    for (let i = 0; i < 20_000 && fetch.calls.length < 4; i += 1) {
      const before = fetch.calls.length
      await vi.advanceTimersByTimeAsync(1)
      if (fetch.calls.length > before) attemptTimes.push(i + 1)
    }
    // random() * cap, the cap doubling from 500 ms: half of 500, 1000 and 2000 ms.
    expect(attemptTimes).toEqual([250, 250 + 500, 250 + 500 + 1000])
    await done
  })

  it('gives up after maxRetries and throws the last error', async () => {
    const { refline, fetch } = client([apiError(503, 'internal', 'still down')], { maxRetries: 2 })
    const { error } = await settle(refline.trackConversion(conversion))
    expect(fetch.calls).toHaveLength(3)
    expect(error).toBeInstanceOf(ReflineApiError)
    expect(error).toMatchObject({ status: 503, code: 'internal', message: 'still down' })
  })

  it('throws a rate-limit error carrying Retry-After once retries run out', async () => {
    const { refline } = client(
      [{ ...apiError(429, 'rate_limited', 'slow'), headers: { 'retry-after': '7' } }],
      {
        maxRetries: 0,
      },
    )
    const { error } = await settle(refline.trackConversion(conversion))
    expect(error).toBeInstanceOf(ReflineRateLimitError)
    expect(error).toMatchObject({ status: 429, code: 'rate_limited', retryAfterMs: 7000 })
  })

  it('throws a connection error with the cause once retries run out', async () => {
    const { refline, fetch } = client([{ networkError: 'connect ECONNREFUSED' }], { maxRetries: 1 })
    const { error } = await settle(refline.trackConversion(conversion))
    expect(fetch.calls).toHaveLength(2)
    expect(error).toBeInstanceOf(ReflineConnectionError)
    expect(error).toMatchObject({ code: 'connection_error', status: undefined })
    expect((error as Error).cause).toBeInstanceOf(TypeError)
    expect((error as Error).message).toContain('ECONNREFUSED')
  })

  it.each([
    [400, 'invalid_request', ReflineValidationError],
    [401, 'unauthorized', ReflineAuthenticationError],
    [409, 'conflict', ReflineConflictError],
  ])('never retries a %i', async (status, code, ErrorClass) => {
    const { refline, fetch } = client([apiError(status, code, 'no'), conversionOk])
    const { error } = await settle(refline.trackConversion(conversion))
    expect(fetch.calls).toHaveLength(1)
    expect(error).toBeInstanceOf(ErrorClass)
  })

  it('sends the same event id and the same body on every attempt', async () => {
    const { refline, fetch } = client([
      { networkError: 'reset' },
      apiError(502, 'internal', 'bad gateway'),
      { status: 429, headers: { 'retry-after': '1' } },
      conversionOk,
    ])
    const { value } = await settle(
      refline.trackConversion({ customerId: 'cus_1', amount: 4900, currency: 'USD' }),
    )
    expect(fetch.calls).toHaveLength(4)
    const first = fetch.calls[0]!.body as { event_id: string }
    expect(first.event_id).toMatch(/^conversion:[0-9a-f-]{36}$/)
    for (const call of fetch.calls) expect(call.body).toEqual(first)
    expect(value?.eventId).toBe(first.event_id)
  })

  it('generates a different event id for each call', async () => {
    const { refline, fetch } = client([conversionOk])
    await settle(refline.trackConversion({ customerId: 'cus_1', amount: 100, currency: 'USD' }))
    await settle(refline.trackConversion({ customerId: 'cus_1', amount: 100, currency: 'USD' }))
    const ids = fetch.calls.map((c) => (c.body as { event_id: string }).event_id)
    expect(new Set(ids).size).toBe(2)
  })

  it('respects a per-call maxRetries of 0', async () => {
    const { refline, fetch } = client([apiError(500, 'internal', 'x'), conversionOk])
    const { error } = await settle(refline.trackConversion(conversion, { maxRetries: 0 }))
    expect(fetch.calls).toHaveLength(1)
    expect(error).toBeInstanceOf(ReflineApiError)
  })
})

describe('createAffiliate (no event id)', () => {
  const created = json(201, { affiliate: { id: 'aff_1', code: 'jane' } })

  it('is not retried after a 500, which may have created the affiliate', async () => {
    const { refline, fetch } = client([apiError(500, 'internal', 'x'), created])
    const { error } = await settle(refline.createAffiliate({ name: 'Jane', email: 'jane@example.com' }))
    expect(fetch.calls).toHaveLength(1)
    expect(error).toBeInstanceOf(ReflineApiError)
  })

  it('is not retried after a network error', async () => {
    const { refline, fetch } = client([{ networkError: 'reset' }, created])
    const { error } = await settle(refline.createAffiliate({ name: 'Jane', email: 'jane@example.com' }))
    expect(fetch.calls).toHaveLength(1)
    expect(error).toBeInstanceOf(ReflineConnectionError)
  })

  it('is retried after a 429, which the collector answers before doing anything', async () => {
    const { refline, fetch } = client([{ status: 429, headers: { 'retry-after': '1' } }, created])
    const { value } = await settle(refline.createAffiliate({ name: 'Jane', email: 'jane@example.com' }))
    expect(fetch.calls).toHaveLength(2)
    expect(value?.affiliate.code).toBe('jane')
  })
})

describe('timeouts and cancellation', () => {
  it('aborts an attempt after timeoutMs and throws a timeout error', async () => {
    const { refline, fetch } = client([{ hang: true }], { timeoutMs: 1_000, maxRetries: 0 })
    const done = refline.trackConversion(conversion).catch((e: unknown) => e)
    await vi.advanceTimersByTimeAsync(999)
    expect(fetch.calls).toHaveLength(1)
    let settled = false
    void done.then(() => {
      settled = true
    })
    await vi.advanceTimersByTimeAsync(0)
    expect(settled).toBe(false)
    await vi.advanceTimersByTimeAsync(1)
    const error = await done
    expect(error).toBeInstanceOf(ReflineTimeoutError)
    expect(error).toBeInstanceOf(ReflineConnectionError)
    expect(error).toMatchObject({ code: 'timeout' })
  })

  it('retries after a timed-out attempt', async () => {
    const { refline, fetch } = client([{ hang: true }, conversionOk], { timeoutMs: 1_000 })
    const { value } = await settle(refline.trackConversion(conversion))
    expect(fetch.calls).toHaveLength(2)
    expect(value?.conversion.id).toBe('cv_1')
  })

  it('stops at once when the caller aborts, without retrying', async () => {
    const { refline, fetch } = client([{ hang: true }])
    const controller = new AbortController()
    const done = refline.trackConversion(conversion, { signal: controller.signal }).catch((e: unknown) => e)
    await vi.advanceTimersByTimeAsync(10)
    controller.abort()
    const error = await done
    expect(error).toBeInstanceOf(ReflineAbortError)
    await vi.runAllTimersAsync()
    expect(fetch.calls).toHaveLength(1)
  })

  it('stops waiting between retries when the caller aborts', async () => {
    const { refline, fetch } = client([{ status: 503, headers: { 'retry-after': '10' } }, conversionOk])
    const controller = new AbortController()
    const done = refline.trackConversion(conversion, { signal: controller.signal }).catch((e: unknown) => e)
    await vi.advanceTimersByTimeAsync(1_000)
    controller.abort()
    expect(await done).toBeInstanceOf(ReflineAbortError)
    await vi.runAllTimersAsync()
    expect(fetch.calls).toHaveLength(1)
  })
})
