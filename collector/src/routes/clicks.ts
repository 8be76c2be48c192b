/**
 * `POST /v1/clicks`: the browser script's beacon. It sends `text/plain` (no CORS preflight) with
 * the publishable key in the body. Answers 202 as soon as the hub has decided the click.
 */
import { Hono } from 'hono'
import { cors } from 'hono/cors'
import { authFailure, resolveKey } from '../lib/auth'
import { recordClick } from '../lib/clicks'
import type { AppEnv } from '../lib/env'
import { ApiError } from '../lib/errors'
import { clickCookies, cookieDays, sameSiteRequest, servedFromCookieDomain } from '../lib/first-party-cookies'
import { CLICKS, clientIp, enforceLimit } from '../lib/rate-limit'
import { clickInput } from '../lib/schemas'
import { parseBody } from '../lib/validate'

export const clickRoutes = new Hono<AppEnv>()

clickRoutes.use(
  '/v1/clicks',
  cors({ origin: '*', allowMethods: ['POST', 'OPTIONS'], allowHeaders: ['content-type'], maxAge: 86_400 }),
)

clickRoutes.post('/v1/clicks', async (c) => {
  // The script sends text/plain (a simple request: no CORS preflight); JSON and no type are fine too.
  const body = await parseBody(c, clickInput, { contentTypes: ['text/plain', 'application/json', ''] })
  if (body.key.startsWith('sk_')) {
    throw new ApiError(
      'forbidden',
      'Never put a secret key in a page; clicks take the publishable key (pk_…)',
      'key',
    )
  }
  // Counted before the key is looked up, so a flood costs no D1 read. The script never retries a refused click.
  await enforceLimit(c.env, CLICKS, `key:${body.key}:${clientIp(c)}`, 'Too many clicks from this address')
  const key = await resolveKey(c.env, body.key)
  if (key?.kind !== 'publishable')
    return authFailure(c, new ApiError('unauthorized', 'Unknown or revoked publishable key', 'key'))
  const result = await recordClick(c, {
    programId: key.programId,
    mode: key.mode,
    ref: body.ref,
    clickId: body.click_id,
    prevClickId: body.prev_click_id,
    url: body.url,
    referrer: body.referrer,
    sub: body.sub,
    source: 'script',
  })
  // Served from the founder's own domain, to a page on it: the cookies are set by the server too
  // (first-party, not capped at 7 days like the script's own; see docs/deploy.md).
  const domain = servedFromCookieDomain(c.env, c.req.url)
  if (domain && sameSiteRequest(c.req.raw, domain)) {
    const days = await cookieDays(c.env, key.programId)
    const secure = new URL(c.req.url).protocol === 'https:'
    for (const cookie of clickCookies(domain, result.click_id, body.ref, days, secure))
      c.header('set-cookie', cookie, { append: true })
  }
  return c.json(result, 202)
})
