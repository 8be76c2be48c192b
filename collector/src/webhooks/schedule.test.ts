import { describe, expect, it } from 'vitest'
import { GIVE_UP_AFTER_MS, nextAttemptAt, RETRY_DELAYS_MS, retryScale } from './schedule'

describe('webhook retry schedule', () => {
  const t0 = Date.UTC(2026, 11, 1)

  it('retries the first failure within 10 s', () => {
    const next = nextAttemptAt(1, t0, t0) as number
    expect(next - t0).toBeLessThanOrEqual(10_000)
    expect(next - t0).toBeGreaterThan(0)
  })

  it('backs off with growing delays, the last ones hours apart', () => {
    for (let i = 1; i < RETRY_DELAYS_MS.length; i++) {
      expect(RETRY_DELAYS_MS[i]).toBeGreaterThan(RETRY_DELAYS_MS[i - 1] as number)
    }
    expect(RETRY_DELAYS_MS.at(-1)).toBeGreaterThanOrEqual(6 * 3_600_000)
  })

  it('gives up after ten attempts, all within 24 h of the first', () => {
    let now = t0
    let attempts = 0
    const times = [now]
    for (;;) {
      attempts++
      const next = nextAttemptAt(attempts, t0, now)
      if (next === null) break
      now = next
      times.push(now)
    }
    expect(times).toHaveLength(10)
    expect(now - t0).toBeLessThanOrEqual(GIVE_UP_AFTER_MS)
    expect(now - t0).toBeGreaterThan(20 * 3_600_000)
  })

  it('gives up early when slow attempts have used up the 24 h window', () => {
    expect(nextAttemptAt(3, t0, t0 + GIVE_UP_AFTER_MS - 60_000)).toBeNull()
  })

  it('scales every delay and the window for tests', () => {
    expect(nextAttemptAt(1, t0, t0, 0.01)).toBe(t0 + 50)
    expect(retryScale('0.01')).toBe(0.01)
    expect(retryScale(undefined)).toBe(1)
    expect(retryScale('0')).toBe(1)
    expect(retryScale('5')).toBe(1)
  })
})
