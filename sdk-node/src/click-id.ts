/**
 * Reads the `rl_click` cookie that the browser script sets, from whatever shape of request a
 * framework hands you: a Fetch `Request` (Workers, Hono, Next.js route handlers, Bun, Deno), a
 * `Headers` object, a Node `IncomingMessage` (node:http, Express, Fastify's `raw`) or a raw
 * `Cookie` header string.
 */

export const CLICK_COOKIE = 'rl_click'

/** Anything `clickIdFrom()` can read a Cookie header from. */
export type CookieSource =
  | string
  | null
  | undefined
  | { get(name: string): string | null }
  | { headers: { get(name: string): string | null } }
  | { headers: Record<string, string | string[] | undefined> }

/**
 * The click id of a cookie source, or `undefined` when there is none or it looks tampered with.
 *
 * @example
 * ```ts
 * import { clickIdFrom } from '@refline/node'
 * const clickId = clickIdFrom(request) // same as Refline.clickIdFrom(request)
 * ```
 */
export function clickIdFrom(source: CookieSource): string | undefined {
  return readCookie(cookieHeader(source), CLICK_COOKIE)
}

function cookieHeader(source: CookieSource): string | undefined {
  if (source == null) return undefined
  if (typeof source === 'string') return source
  if ('get' in source && typeof source.get === 'function') return source.get('cookie') ?? undefined
  if ('headers' in source && source.headers != null) {
    const headers = source.headers
    if (typeof headers.get === 'function') return (headers.get('cookie') as string | null) ?? undefined
    const value = (headers as Record<string, string | string[] | undefined>).cookie
    return Array.isArray(value) ? value.join('; ') : value
  }
  return undefined
}

// The collector accepts 16–64 URL-safe characters; anything else in the cookie was tampered with
// and would only turn the signup into a 400, so it is treated as absent.
const CLICK_ID_PATTERN = /^[A-Za-z0-9_-]{16,64}$/

function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined
  for (const pair of header.split(';')) {
    const eq = pair.indexOf('=')
    if (eq === -1 || pair.slice(0, eq).trim() !== name) continue
    let value = pair.slice(eq + 1).trim()
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1)
    try {
      value = decodeURIComponent(value)
    } catch {
      continue
    }
    if (CLICK_ID_PATTERN.test(value)) return value
  }
  return undefined
}
