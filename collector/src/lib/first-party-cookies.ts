/**
 * Server-set first-party cookies, an option of `GET /go/:code` and `POST /v1/clicks`.
 *
 * Safari caps cookies written by a script (`document.cookie`) at 7 days, whatever their Max-Age.
 * A cookie set by a `Set-Cookie` answer from the site's own origin is not capped, so a founder who
 * serves the collector from a path or subdomain of their own site (see docs/deploy.md) sets
 * `COOKIE_DOMAIN` (e.g. `acme.com`) and the collector sets `rl_click` and `rl_ref` itself, for the
 * program's whole cookie window. The cookies are the same ones the browser script writes (same
 * names, `Path=/`, `SameSite=Lax`, `Secure` on https), readable by the script (not HttpOnly):
 * the script adopts them as it adopts its own.
 *
 * They are only set where they are first-party: the collector is being reached at a host inside
 * COOKIE_DOMAIN (a browser refuses a Domain attribute the host is not inside anyway), and, for a
 * click, the page that sent it is on that domain too (same-site; a click from any other site
 * gets no cookie).
 */
import type { Env } from './env'

const CODE = /^[A-Za-z0-9_-]{1,64}$/
const CLICK_ID = /^[A-Za-z0-9_-]{16,64}$/

/** `COOKIE_DOMAIN` without a leading dot, lower case; null when unset or malformed. */
export function cookieDomain(env: Env): string | null {
  const raw = env.COOKIE_DOMAIN?.trim().toLowerCase().replace(/^\./, '')
  return raw && /^[a-z0-9.-]+\.[a-z]{2,}$/.test(raw) ? raw : null
}

function within(host: string, domain: string): boolean {
  const h = host.toLowerCase()
  return h === domain || h.endsWith(`.${domain}`)
}

/** The cookie domain when this request reached the collector at a host inside it, else null. */
export function servedFromCookieDomain(env: Env, requestUrl: string): string | null {
  const domain = cookieDomain(env)
  return domain && within(new URL(requestUrl).hostname, domain) ? domain : null
}

/**
 * Whether a click request comes from a page on `domain`: its `Origin` is inside the domain and,
 * when the browser says so, `Sec-Fetch-Site` is same-origin or same-site.
 */
export function sameSiteRequest(req: Request, domain: string): boolean {
  const site = req.headers.get('sec-fetch-site')
  if (site && site !== 'same-origin' && site !== 'same-site') return false
  const origin = req.headers.get('origin')
  if (!origin) return false
  try {
    return within(new URL(origin).hostname, domain)
  } catch {
    return false
  }
}

/** The `Set-Cookie` values for a click: `rl_click` always, `rl_ref` when the code is a plain one. */
export function clickCookies(
  domain: string,
  clickId: string,
  ref: string,
  cookieDays: number,
  secure: boolean,
): string[] {
  if (!CLICK_ID.test(clickId)) return []
  const attributes = `Domain=${domain}; Path=/; Max-Age=${cookieDays * 86_400}; SameSite=Lax${secure ? '; Secure' : ''}`
  const out = [`rl_click=${clickId}; ${attributes}`]
  if (CODE.test(ref)) out.push(`rl_ref=${ref}; ${attributes}`)
  return out
}

/**
 * A program's cookie window, for the click endpoint (the redirect link reads it with its target).
 * Kept a minute per isolate: a changed window reaches every isolate within the minute, and a busy
 * program costs one D1 read a minute, only on deployments that set COOKIE_DOMAIN.
 */
const windows = new Map<string, { days: number; expires: number }>()
const WINDOW_TTL_MS = 60_000
const MAX_WINDOWS = 1_000

export async function cookieDays(env: Env, programId: string): Promise<number> {
  const now = Date.now()
  const hit = windows.get(programId)
  if (hit && hit.expires > now) return hit.days
  const row = await env.DB.prepare('SELECT cookie_days FROM programs WHERE id = ?')
    .bind(programId)
    .first<{ cookie_days: number }>()
  const days = row?.cookie_days ?? 30
  if (windows.size >= MAX_WINDOWS) windows.clear()
  windows.set(programId, { days, expires: now + WINDOW_TTL_MS })
  return days
}
