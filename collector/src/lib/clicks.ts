/**
 * Recording a click, shared by `POST /v1/clicks` (the browser script) and `GET /go/:code`
 * (redirect links): hash the visitor, tell bots and prefetches apart, and hand it to the hub.
 */
import type { Context } from 'hono'
import { isbot } from 'isbot'
import type { HubResult } from '../hub/types'
import type { ClickResult, Mode } from '../shared'
import { randomToken } from './crypto'
import { type AppEnv, hubFor } from './env'
import { ApiError } from './errors'
import { isBlockedAddress } from './ip-blocklist'
import { hashIp } from './ip-hash'

export interface RecordClickOptions {
  programId: string
  mode: Mode
  ref: string
  /** Generated server-side when absent (redirect links). */
  clickId?: string | undefined
  prevClickId?: string | undefined
  url?: string | undefined
  referrer?: string | undefined
  sub?: string | undefined
  source: 'script' | 'link'
}

/** ≥ 96 random bits, URL-safe: 22 base62 characters carry ~131. */
export function newClickId(): string {
  return randomToken(22)
}

/** Bots, HEAD requests and browser prefetches are kept for tracking health but not counted. */
export function isCountable(req: Request): boolean {
  if (req.method === 'HEAD') return false
  const purpose =
    req.headers.get('sec-purpose') ?? req.headers.get('purpose') ?? req.headers.get('x-moz') ?? ''
  if (/prefetch|prerender/i.test(purpose)) return false
  return !isbot(req.headers.get('user-agent') ?? '')
}

export async function recordClick(c: Context<AppEnv>, o: RecordClickOptions): Promise<ClickResult> {
  const now = Date.now()
  const ip = c.req.header('cf-connecting-ip') ?? c.req.header('x-real-ip') ?? '0.0.0.0'
  const ua = c.req.header('user-agent') ?? ''
  const [ipHash, blocked] = await Promise.all([
    hashIp(c.env, o.programId, ip, ua, now),
    isBlockedAddress(c.env, o.programId, ip),
  ])
  const result = (await hubFor(c.env, o.programId).recordClick(o.programId, {
    mode: o.mode,
    clickId: o.clickId ?? newClickId(),
    prevClickId: o.prevClickId,
    ref: o.ref,
    url: o.url ?? '',
    referrer: o.referrer,
    sub: o.sub,
    ipHash,
    countable: isCountable(c.req.raw),
    blocked,
    country: countryOf(c.req.raw),
    source: o.source,
    at: now,
  })) as HubResult
  if (!result.ok) throw new ApiError(result.code, result.message, result.field)
  return result.body as ClickResult
}

/** The visitor's country as Cloudflare saw it (`request.cf.country`: two letters, `T1` for Tor), or null. */
export function countryOf(req: Request): string | null {
  const country = (req as Request & { cf?: { country?: unknown } }).cf?.country
  return typeof country === 'string' && /^[A-Z][A-Z0-9]$/.test(country) ? country : null
}
