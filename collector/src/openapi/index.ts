/**
 * `GET /v1/openapi.json` (no auth): the OpenAPI 3.1 document of v1, built from the registry
 * (registry.ts) once per isolate, on first request, after every route module has described its
 * endpoints. A route module outside this folder describes its own with `describeRoute`.
 */
import { Hono } from 'hono'
import { type AppEnv, publicOrigin } from '../lib/env'
import { assertKnownQuery } from '../lib/query'
import './describe-alerts'
import './describe-core'
import './describe-customers'
import './describe-integrations'
import './describe-operations'
import './describe-payouts'
import { buildDocument } from './registry'

export { describeRoute } from './registry'

export const openapiRoutes = new Hono<AppEnv>()

let cached: { origin: string; body: string } | null = null

openapiRoutes.get('/v1/openapi.json', (c) => {
  assertKnownQuery(c.req.query(), [])
  const origin = publicOrigin(c.env, c.req.url)
  if (cached?.origin !== origin)
    cached = { origin, body: JSON.stringify(buildDocument({ serverUrl: origin })) }
  return c.body(cached.body, 200, {
    'content-type': 'application/json; charset=UTF-8',
    'access-control-allow-origin': '*',
    'cache-control': 'public, max-age=300',
  })
})
