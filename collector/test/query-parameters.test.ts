/**
 * Unknown query parameters on every `GET /v1` endpoint: refused with a 400 naming the parameter,
 * as unknown body fields are, so a misspelt filter (`?affilate=jane`) never reads as "no filter".
 * The endpoints and the parameters each takes are pinned here and must match the OpenAPI
 * document, so a new endpoint, or a parameter the document lists but the route refuses, fails
 * this file.
 */
import { createExecutionContext, env } from 'cloudflare:test'
import { beforeAll, describe, expect, it } from 'vitest'
import worker from '../src/index'
import { ADMIN, BROWSER_UA, call, createAffiliate, createProgram } from './helpers'

/** Every `GET /v1` path of the document, with the query parameters it takes. */
const TAKES: Record<string, string[]> = {
  '/v1/admin/programs/{id}/audit': [],
  '/v1/admin/programs/{id}/health': [],
  '/v1/affiliates': ['status', 'format'],
  '/v1/affiliates/{id}': [],
  '/v1/alerts': ['limit', 'before', 'type'],
  '/v1/commissions': ['status', 'affiliate', 'from', 'to', 'limit', 'format'],
  '/v1/commissions/{id}': [],
  '/v1/conversions': ['from', 'to', 'affiliate', 'customer', 'limit', 'format'],
  '/v1/customers/{id}/journey': [],
  '/v1/health': [],
  '/v1/integrations/stripe': [],
  '/v1/live': ['token', 'program', 'mode'],
  '/v1/openapi.json': [],
  '/v1/payouts': ['limit'],
  '/v1/payouts/{id}': [],
  '/v1/payouts/{id}/export.csv': [],
  '/v1/payouts/{id}/paypal.csv': ['currency'],
  '/v1/program': [],
  '/v1/programs': [],
  '/v1/reconciliation': ['from', 'to'],
  '/v1/stats': ['from', 'to', 'affiliate', 'sub', 'interval', 'tz'],
  '/v1/webhook-endpoints': [],
  '/v1/webhook-endpoints/{id}': [],
  '/v1/webhook-endpoints/{id}/deliveries': ['status', 'limit'],
}

interface Target {
  path: string
  token?: string
  /** Parameters the request needs anyway (the live channel's token). */
  base?: Record<string, string>
}

let targets: Record<string, Target>
let documented: Record<string, string[]>

async function get(target: Target, extra: Record<string, string>) {
  const query = new URLSearchParams({ ...target.base, ...extra }).toString()
  const headers: Record<string, string> = { 'user-agent': BROWSER_UA }
  if (target.token) headers.authorization = `Bearer ${target.token}`
  const req = new Request(`http://collector.test${target.path}${query ? `?${query}` : ''}`, { headers })
  const res = await worker.fetch(req, env, createExecutionContext())
  const text = await res.text()
  const json = (res.headers.get('content-type') ?? '').includes('application/json') && text
  return { status: res.status, error: json ? JSON.parse(text).error : undefined }
}

beforeAll(async () => {
  const { program, keys } = await createProgram({ name: 'Query Co', hold_days: 0 })
  const sk = keys.secret
  const aff = await createAffiliate(sk)
  const conversion = await call('POST', '/v1/conversions', {
    token: sk,
    body: { event_id: 'inv_query', customer_id: 'cus_query', ref: aff.code, amount: 10_000, currency: 'USD' },
  })
  expect(conversion.status).toBe(201)
  const commission = conversion.body.conversion.commission.id as string
  expect((await call('POST', `/v1/commissions/${commission}/approve`, { token: sk })).status).toBe(200)
  const payout = await call('POST', '/v1/payouts', { token: sk })
  expect(payout.status, JSON.stringify(payout.body)).toBe(201)
  const endpoint = await call('POST', '/v1/webhook-endpoints', {
    token: sk,
    body: { url: 'https://hooks.example.com/query' },
  })
  expect(endpoint.status).toBe(201)
  const live = await call('POST', '/v1/live/tokens', { token: sk })
  expect(live.status).toBe(201)

  const ids: Record<string, string> = {
    '/v1/admin/programs/{id}': program.id,
    '/v1/affiliates/{id}': aff.id,
    '/v1/commissions/{id}': commission,
    '/v1/customers/{id}': 'cus_query',
    '/v1/payouts/{id}': payout.body.payout.id,
    '/v1/webhook-endpoints/{id}': endpoint.body.endpoint.id,
  }
  targets = {}
  for (const path of Object.keys(TAKES)) {
    // `/v1/payouts/{id}/paypal.csv` takes the id of `/v1/payouts/{id}`.
    const owner = path.slice(0, path.indexOf('{id}') + '{id}'.length)
    const filled = path.includes('{id}') ? path.replace('{id}', ids[owner] ?? '') : path
    if (path.startsWith('/v1/admin/')) targets[path] = { path: filled, token: ADMIN }
    else if (path === '/v1/programs') targets[path] = { path: filled, token: ADMIN }
    else if (path === '/v1/openapi.json') targets[path] = { path: filled }
    else if (path === '/v1/live') targets[path] = { path: filled, base: { token: live.body.token } }
    else targets[path] = { path: filled, token: sk }
  }

  const doc = (await call('GET', '/v1/openapi.json')).body
  documented = {}
  for (const [path, item] of Object.entries(doc.paths as Record<string, Record<string, unknown>>)) {
    const op = item.get as { parameters?: Array<{ in: string; name: string }> } | undefined
    if (!op || !path.startsWith('/v1/')) continue
    documented[path] = (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name)
  }
})

describe('unknown query parameters on GET /v1', () => {
  it('pins every GET /v1 endpoint and its parameters as the OpenAPI document lists them', () => {
    expect(Object.keys(documented).sort()).toEqual(Object.keys(TAKES).sort())
    for (const [path, names] of Object.entries(TAKES))
      expect([...(documented[path] ?? [])].sort(), path).toEqual([...names].sort())
  })

  it.each(Object.keys(TAKES))('%s refuses an unknown parameter with a 400 naming it', async (path) => {
    const target = targets[path] as Target
    const res = await get(target, { utm_source: 'newsletter' })
    expect(res.status, `${path}: ${JSON.stringify(res.error)}`).toBe(400)
    expect(res.error).toMatchObject({ code: 'invalid_request', field: 'utm_source' })
    expect(res.error.message).toMatch(/^Unknown (query parameter|field)\b.*utm_source/)
  })

  it('answers a misspelt filter as docs/api.md shows', async () => {
    const res = await get(targets['/v1/stats'] as Target, { affilate: 'jane' })
    expect(res).toEqual({
      status: 400,
      error: { code: 'invalid_request', message: 'Unknown query parameter affilate', field: 'affilate' },
    })
  })

  it.each(Object.keys(TAKES))('%s takes every parameter it lists', async (path) => {
    const target = targets[path] as Target
    for (const name of TAKES[path] ?? []) {
      const res = await get(target, { [name]: '' })
      expect(res.error?.message ?? '', `${path}?${name}=`).not.toMatch(/^Unknown/)
    }
  })
})
