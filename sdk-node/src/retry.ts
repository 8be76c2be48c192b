/**
 * When to retry and how long to wait: pure functions, so the policy is tested without a network.
 *
 * Backoff is exponential with "full jitter" (a random wait between 0 and the exponential cap):
 * when the collector hiccups, thousands of servers retrying on the same schedule would hit it
 * again in lockstep; spreading them out uniformly avoids that thundering herd.
 */

/** First retry waits up to this long; each later one doubles it. */
export const BASE_DELAY_MS = 500
/** No backoff wait is longer than this. */
export const MAX_DELAY_MS = 8_000
/** A `Retry-After` longer than this is cut to it, so one call never stalls a request for minutes. */
export const MAX_RETRY_AFTER_MS = 20_000

/** 408 (timeout), 429 (rate limited) and every 5xx may succeed on a later attempt. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500
}

/**
 * Reads `Retry-After` as delta-seconds (`"3"`) or an HTTP date, in milliseconds from `now`.
 * Unreadable values are ignored (undefined), dates in the past mean "now" (0).
 */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (value == null) return undefined
  const trimmed = value.trim()
  if (trimmed === '') return undefined
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000)
  const at = Date.parse(trimmed)
  if (Number.isNaN(at)) return undefined
  return Math.max(0, at - now)
}

/**
 * How long to wait before retry number `retry` (0 for the first retry). A `Retry-After` from the
 * collector wins over the backoff, capped at {@link MAX_RETRY_AFTER_MS}.
 */
export function retryDelayMs(
  retry: number,
  retryAfterMs?: number,
  random: () => number = Math.random,
): number {
  if (retryAfterMs !== undefined) return Math.min(retryAfterMs, MAX_RETRY_AFTER_MS)
  const cap = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** retry)
  return Math.floor(random() * cap)
}
