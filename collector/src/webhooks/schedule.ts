/**
 * The retry schedule of outgoing webhooks: the first retry 5 s after a failed attempt, then
 * backing off to 12 h between attempts, ten attempts in about 22.7 h; no attempt is made more
 * than 24 h after the first one. Pure, so it is tested without a runtime; `scale` shrinks every
 * delay for tests (`WEBHOOKS_RETRY_SCALE`), never set in production.
 */

/** Delay before retry n (index 0 = after the first failed attempt). */
export const RETRY_DELAYS_MS = [
  5_000,
  30_000,
  2 * 60_000,
  10 * 60_000,
  30 * 60_000,
  60 * 60_000,
  3 * 3_600_000,
  6 * 3_600_000,
  12 * 3_600_000,
] as const

export const GIVE_UP_AFTER_MS = 24 * 3_600_000

/**
 * When to try again after `attempts` failed attempts, the last one at `now`, in a retry window
 * that opened at `windowStartedAt`; null = give up.
 */
export function nextAttemptAt(
  attempts: number,
  windowStartedAt: number,
  now: number,
  scale = 1,
): number | null {
  const delay = RETRY_DELAYS_MS[attempts - 1]
  if (delay === undefined) return null
  const next = now + Math.round(delay * scale)
  if (next - windowStartedAt > GIVE_UP_AFTER_MS * scale) return null
  return next
}

/** `WEBHOOKS_RETRY_SCALE` as a number in (0, 1], else 1. */
export function retryScale(value: string | undefined): number {
  const n = Number(value)
  return Number.isFinite(n) && n > 0 && n <= 1 ? n : 1
}
