/**
 * The OpenAPI document: served without auth, and complete — every route the app mounts under
 * /v1 (and the public /go links) is in it, so an endpoint added without describing it fails here.
 */
import { describe, expect, it } from 'vitest'
import { app } from '../src/index'
import { describedRoutes, duplicateRoutes, openApiPath } from '../src/openapi/registry'
import { call } from './helpers'

/** The app's own routes (Hono's `app.routes`), middleware left out, as `METHOD /path`. */
function mountedRoutes(): string[] {
  const seen = new Set<string>()
  for (const route of app.routes) {
    if (route.method === 'ALL') continue
    if (!/^\/(v1|go)\//.test(route.path) && route.path !== '/healthz') continue
    seen.add(`${route.method} ${openApiPath(route.path)}`)
  }
  return [...seen].sort()
}

describe('GET /v1/openapi.json', () => {
  it('answers the OpenAPI 3.1 document with no credential', async () => {
    const res = await call('GET', '/v1/openapi.json')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^application\/json/)
    expect(res.body.openapi).toBe('3.1.0')
    expect(res.body.components.securitySchemes.secretKey).toMatchObject({ type: 'http', scheme: 'bearer' })
    expect(res.body.components.schemas.Error.properties.error.required).toEqual(['code', 'message'])
  })

  it('describes every v1 route the app mounts, and nothing it does not', async () => {
    const doc = (await call('GET', '/v1/openapi.json')).body
    const documented = Object.entries(doc.paths as Record<string, Record<string, unknown>>)
      .flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`))
      .sort()
    const mounted = mountedRoutes()
    expect(mounted.length).toBeGreaterThan(30)
    expect(mounted.filter((r) => !documented.includes(r))).toEqual([])
    expect(documented.filter((r) => !mounted.includes(r))).toEqual([])
    expect(describedRoutes().length).toBe(documented.length)
    expect(duplicateRoutes()).toEqual([])
  })

  it('takes request bodies from the validators: unknown fields refused, required fields listed', async () => {
    const doc = (await call('GET', '/v1/openapi.json')).body
    const conversion = doc.paths['/v1/conversions'].post
    const schema = conversion.requestBody.content['application/json'].schema
    expect(schema.additionalProperties).toBe(false)
    expect(schema.required).toEqual(expect.arrayContaining(['event_id', 'amount', 'currency']))
    expect(schema.properties.amount).toMatchObject({ type: 'integer', exclusiveMinimum: 0 })
    expect(conversion.responses['200'].headers['Idempotent-Replayed']).toBeDefined()
    expect(conversion.responses['429'].headers['Retry-After']).toBeDefined()
    expect(conversion.responses['400'].content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/Error',
    })
    expect(conversion.security).toEqual([{ secretKey: [] }])
    const click = doc.paths['/v1/clicks'].post
    expect(Object.keys(click.requestBody.content)).toEqual(['text/plain', 'application/json'])
    expect(click.security).toEqual([])
    expect(doc.paths['/v1/programs'].post.security).toEqual([{ adminToken: [] }])
  })
})
