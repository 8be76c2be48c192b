/**
 * Redirect links: `GET /go/:code`, `/go/:code/:sub` (or `?sub=`), the link every affiliate
 * shares. The click is recorded here, server-side, before the visitor goes on to the program's
 * `landing_url` with `ref` and `rl_click` added; the browser script on the landing page adopts
 * that click id instead of recording the click again.
 *
 * `?to=` picks another destination, but only a path on the landing site or a URL on one of the
 * program's `allowed_origins`: anything else falls back to `landing_url`, so a Refline link can
 * never be used to send people to an arbitrary site.
 *
 * Bots, HEAD and prefetch requests are recorded as not countable and get no `rl_click`: when the
 * visitor (or a prefetched page the visitor later opens) runs the script, it records a real click
 * of its own. A failure to record never strands the visitor either: they are sent on without
 * `rl_click`, and the script records the click.
 */
import { type Context, Hono } from 'hono'
import { isCountable, newClickId, recordClick } from '../lib/clicks'
import type { AppEnv, Env } from '../lib/env'
import { errorResponse } from '../lib/errors'
import { clickCookies, servedFromCookieDomain } from '../lib/first-party-cookies'
import { CLICKS, clientIp, withinLimit } from '../lib/rate-limit'
import type { Mode } from '../shared'

interface LinkTarget {
  programId: string
  code: string
  mode: Mode
  landingUrl: string | null
  allowedOrigins: string[]
  cookieDays: number
}

/**
 * Links are hit far more often than programs change: keep what a code resolves to for a minute
 * per isolate, so a busy link costs no D1 read. Unknown codes are not kept (a new affiliate's link
 * works at once); a changed landing_url reaches every isolate within the minute.
 */
const targets = new Map<string, { value: LinkTarget; expires: number }>()
const TARGET_TTL_MS = 60_000
const MAX_TARGETS = 1_000
/** `?to=` longer than this is cut before it is parsed (URLs are clipped to 2,048 when stored). */
const MAX_TO = 2_048

async function linkTarget(env: Env, rawCode: string): Promise<LinkTarget | null> {
  const code = rawCode.trim().toLowerCase()
  const now = Date.now()
  const hit = targets.get(code)
  if (hit && hit.expires > now) return hit.value
  // Codes are unique across the deployment, so the code alone finds the program.
  const row = await env.DB.prepare(
    `SELECT a.program_id, a.code, a.mode, p.landing_url, p.allowed_origins, p.cookie_days
       FROM affiliates a JOIN programs p ON p.id = a.program_id
      WHERE a.code = ?`,
  )
    .bind(code)
    .first<{
      program_id: string
      code: string
      mode: Mode
      landing_url: string | null
      allowed_origins: string
      cookie_days: number
    }>()
  if (!row) return null
  const value: LinkTarget = {
    programId: row.program_id,
    code: row.code,
    mode: row.mode,
    landingUrl: row.landing_url,
    allowedOrigins: JSON.parse(row.allowed_origins) as string[],
    cookieDays: row.cookie_days,
  }
  if (targets.size >= MAX_TARGETS) targets.clear()
  targets.set(code, { value, expires: now + TARGET_TTL_MS })
  return value
}

/**
 * Where a link sends the visitor: `to` when it is a path (resolved on the landing site) or an
 * http(s) URL whose origin the program allows, else the landing URL; null when there is neither.
 */
export function destinationFor(target: LinkTarget, to: string | undefined): URL | null {
  const landing = target.landingUrl ? new URL(target.landingUrl) : null
  const allowed = new Set(target.allowedOrigins)
  if (landing) allowed.add(landing.origin)
  if (to) {
    try {
      if (to.startsWith('/')) {
        const site = landing?.origin ?? target.allowedOrigins[0]
        // Resolving, then comparing origins, also catches `//evil.example` and `/\evil.example`.
        const url = site ? new URL(to, site) : null
        if (url && url.origin === new URL(site!).origin) return url
      } else {
        const url = new URL(to)
        if ((url.protocol === 'https:' || url.protocol === 'http:') && allowed.has(url.origin)) return url
      }
    } catch {
      // Not a URL: fall back to the landing page.
    }
  }
  return landing
}

/**
 * What the visitor is sent to never carries what `to` smuggled in: no userinfo
 * (`https://evil.example@acme.example/` shows "evil.example" to a reader, and a login prompt in
 * some browsers) and no click id of someone else's (only this visit's own `rl_click` is added).
 */
function cleanDestination(url: URL): URL {
  url.username = ''
  url.password = ''
  url.searchParams.delete('rl_click')
  return url
}

async function followLink(c: Context<AppEnv>) {
  const target = await linkTarget(c.env, c.req.param('code') ?? '')
  if (!target) return errorResponse(c, 'not_found', 'This referral link does not exist')
  const found = destinationFor(target, c.req.query('to')?.slice(0, MAX_TO))
  const destination = found && cleanDestination(found)
  if (!destination) {
    return errorResponse(c, 'not_found', 'This program has no landing_url for its referral links')
  }
  const sub = (c.req.param('sub') ?? c.req.query('sub'))?.trim().slice(0, 128) || undefined
  const countable = isCountable(c.req.raw)
  const clickId = newClickId()
  let recorded = false
  try {
    // Over the click limit the visitor still goes on; only the click is not recorded here (no
    // rl_click), as when recording fails.
    if (await withinLimit(c.env, CLICKS, `link:${target.programId}:${target.mode}:${clientIp(c)}`)) {
      await recordClick(c, {
        programId: target.programId,
        mode: target.mode,
        ref: target.code,
        clickId,
        url: destination.href.slice(0, 2048),
        referrer: c.req.header('referer')?.slice(0, 2048),
        sub,
        source: 'link',
      })
      recorded = countable
    }
  } catch (err) {
    console.error('redirect link: could not record the click', target.programId, err)
  }
  destination.searchParams.set('ref', target.code)
  if (recorded) destination.searchParams.set('rl_click', clickId)
  else if (sub) destination.searchParams.set('sub', sub)
  // Served from the founder's own domain: the click's cookies are set here, first-party, for the
  // program's whole window (a script-set cookie is capped at 7 days by Safari; docs/deploy.md).
  const domain = recorded ? servedFromCookieDomain(c.env, c.req.url) : null
  if (domain) {
    const secure = new URL(c.req.url).protocol === 'https:'
    for (const cookie of clickCookies(domain, clickId, target.code, target.cookieDays, secure))
      c.header('set-cookie', cookie, { append: true })
  }
  return c.body(null, 302, {
    location: destination.href,
    // Every visit is a new click with a new id: nothing may cache this answer.
    'cache-control': 'no-store',
    'x-robots-tag': 'noindex',
  })
}

export const redirectRoutes = new Hono<AppEnv>()

redirectRoutes.get('/go/:code', followLink)
redirectRoutes.get('/go/:code/:sub', followLink)
