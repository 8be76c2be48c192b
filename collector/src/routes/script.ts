/**
 * `GET /r.js`: the browser tracking script. A Worker cannot read sdk-browser/dist at run time, so
 * the sdk-browser build writes the script into src/generated (committed; a test checks it is
 * current).
 *
 * The URL carries no version, so the cache is a day, refreshed in the background for a week
 * after that, and revalidated by ETag: a new deployment reaches every visitor within a day while
 * almost every page view is served from the browser cache. Any site may load it: CORS and CORP
 * are open (pages with Cross-Origin-Embedder-Policy need the latter).
 */
import { Hono } from 'hono'
import { REFLINE_SCRIPT, REFLINE_SCRIPT_SHA256 } from '../generated/refline-script'
import type { AppEnv } from '../lib/env'

const ETAG = `"${REFLINE_SCRIPT_SHA256.slice(0, 32)}"`

const HEADERS = {
  'content-type': 'application/javascript; charset=utf-8',
  'cache-control': 'public, max-age=86400, stale-while-revalidate=604800',
  etag: ETAG,
  'access-control-allow-origin': '*',
  'cross-origin-resource-policy': 'cross-origin',
  'x-content-type-options': 'nosniff',
}

/** Whether an If-None-Match header names the current script (weak or strong, or `*`). */
function matchesEtag(header: string | undefined): boolean {
  if (!header) return false
  return header.split(',').some((tag) => {
    const t = tag.trim()
    return t === '*' || t.replace(/^W\//, '') === ETAG
  })
}

export const scriptRoutes = new Hono<AppEnv>()

scriptRoutes.get('/r.js', (c) =>
  matchesEtag(c.req.header('if-none-match'))
    ? c.body(null, 304, HEADERS)
    : c.body(REFLINE_SCRIPT, 200, HEADERS),
)
