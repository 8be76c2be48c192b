/**
 * Static assets of the dashboard and portal (stylesheet, client scripts with uPlot bundled in),
 * served from a generated module (scripts/build-assets.mjs). Names carry a content hash, so each
 * is cached for a year and a deploy changes the names.
 */
import { Hono } from 'hono'
import { ASSETS } from '../generated/assets'
import type { Env } from '../lib/env'

export const assetRoutes = new Hono<{ Bindings: Env }>()

assetRoutes.get('/assets/:file', (c) => {
  const asset = ASSETS[c.req.path]
  if (!asset) return c.text('Not found', 404)
  return c.body(asset.body, 200, {
    'Content-Type': asset.type,
    'Cache-Control': 'public, max-age=31536000, immutable',
    'X-Content-Type-Options': 'nosniff',
  })
})
