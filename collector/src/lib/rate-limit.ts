/**
 * Rate limits on what an outsider can repeat: sign-in attempts, failed key auth, clicks and join-page
 * applications. Counting is Cloudflare's Rate Limiting binding (`ratelimits` in
 * wrangler.jsonc), which also runs in `wrangler dev` and the tests: a counter per key and
 * Cloudflare location, nothing stored by us. The binding only answers yes or no, so `Retry-After`
 * is the limit's whole period — an upper bound of the wait.
 *
 * The numbers live in wrangler.jsonc (the binding's `simple.limit` and `simple.period`); the
 * constants below repeat them for messages and docs; test/limits.test.ts fails when they disagree.
 */
import type { Context } from 'hono'
import type { Env } from './env'
import { ApiError } from './errors'

export interface LimitSpec {
  /** The binding in wrangler.jsonc. */
  binding: 'SIGN_IN_LIMITER' | 'AUTH_FAILURE_LIMITER' | 'CLICK_LIMITER' | 'JOIN_LIMITER'
  limit: number
  /** Seconds; the binding accepts 10 or 60. */
  period: 10 | 60
}

/** Dashboard sign-in attempts per client IP (right or wrong). */
export const SIGN_IN: LimitSpec = { binding: 'SIGN_IN_LIMITER', limit: 10, period: 60 }
/** Failed secret-key (and unknown publishable-key) authentications per client IP. */
export const AUTH_FAILURE: LimitSpec = { binding: 'AUTH_FAILURE_LIMITER', limit: 30, period: 60 }
/** Clicks per publishable key (or redirect link's program) and client IP. */
export const CLICKS: LimitSpec = { binding: 'CLICK_LIMITER', limit: 120, period: 60 }
/** Join-page applications (POST /join/:slug) per client IP. */
export const JOIN: LimitSpec = { binding: 'JOIN_LIMITER', limit: 5, period: 60 }

/**
 * The client's IP as Cloudflare reports it. Cloudflare sets `CF-Connecting-IP` itself, so a
 * client cannot choose it in production; `X-Forwarded-For` is never read.
 */
export function clientIp(c: Context): string {
  return c.req.header('cf-connecting-ip') ?? 'unknown'
}

/**
 * Counts one attempt under `key`; false once the key is over its limit. A deployment without the
 * binding (an old wrangler.jsonc) is not limited rather than broken.
 */
export async function withinLimit(env: Env, spec: LimitSpec, key: string): Promise<boolean> {
  const limiter = env[spec.binding]
  if (!limiter) return true
  const { success } = await limiter.limit({ key })
  return success
}

/** The `429 rate_limited` error with its `Retry-After` header. */
export function rateLimited(spec: LimitSpec, message: string): ApiError {
  const err = new ApiError('rate_limited', message)
  err.headers = { 'retry-after': String(spec.period) }
  return err
}

/** Counts one attempt and throws `429 rate_limited` when the key is over its limit. */
export async function enforceLimit(env: Env, spec: LimitSpec, key: string, message: string): Promise<void> {
  if (!(await withinLimit(env, spec, key))) throw rateLimited(spec, message)
}
