import { describe, expect, it } from 'vitest'
import {
  isRetryableStatus,
  MAX_DELAY_MS,
  MAX_RETRY_AFTER_MS,
  parseRetryAfter,
  retryDelayMs,
} from './retry.js'

describe('retry policy', () => {
  it('retries 408, 429 and 5xx only', () => {
    expect([408, 429, 500, 502, 503, 504].every(isRetryableStatus)).toBe(true)
    expect([400, 401, 403, 404, 409, 413, 422].some(isRetryableStatus)).toBe(false)
  })

  it('reads Retry-After as seconds or an HTTP date', () => {
    const now = Date.parse('2026-05-01T12:00:00Z')
    expect(parseRetryAfter('2', now)).toBe(2000)
    expect(parseRetryAfter(' 0 ', now)).toBe(0)
    expect(parseRetryAfter('Fri, 01 May 2026 12:00:30 GMT', now)).toBe(30_000)
    expect(parseRetryAfter('Fri, 01 May 2026 11:00:00 GMT', now)).toBe(0)
    expect(parseRetryAfter('soon', now)).toBeUndefined()
    expect(parseRetryAfter(null, now)).toBeUndefined()
  })

  it('draws the backoff uniformly below a doubling cap that stops at 8 s', () => {
    expect(retryDelayMs(0, undefined, () => 0)).toBe(0)
    expect(retryDelayMs(0, undefined, () => 0.9999)).toBe(499)
    expect(retryDelayMs(3, undefined, () => 0.9999)).toBe(3999)
    expect(retryDelayMs(10, undefined, () => 0.9999)).toBe(MAX_DELAY_MS - 1)
  })

  it('lets Retry-After win over the backoff, up to its cap', () => {
    expect(retryDelayMs(0, 5_000, () => 0)).toBe(5_000)
    expect(retryDelayMs(0, 3_600_000)).toBe(MAX_RETRY_AFTER_MS)
  })
})
