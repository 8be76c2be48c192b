/**
 * Real traffic through Stoplight Prism (`prism proxy --errors`, contract/setup.mjs) in front of a
 * real collector: a founder's whole day (program, affiliates, clicks, signups, conversions and
 * their replays, refunds, commissions, stats, webhooks, Stripe settings, live tokens, key
 * rolling), then requests generated from the document itself. Prism checks each request and
 * each answer against the document; any violation comes back as `application/problem+json`, and
 * every test fails on one, or on any 5xx.
 */

import { readFileSync } from 'node:fs'
import Ajv2020 from 'ajv/dist/2020.js'
import jsf from 'json-schema-faker'
import { beforeAll, describe, expect, inject, it } from 'vitest'

// biome-ignore lint/suspicious/noExplicitAny: JSON answers and the document, read as they come
type Json = any

const { prismUrl, adminToken, docPath } = inject('contract')
const doc = JSON.parse(readFileSync(docPath, 'utf8')) as Json

interface Sent {
  status: number
  headers: Headers
  body: Json
}

/** Sends through Prism; fails the test on a contract violation or a 5xx. */
async function via(
  method: string,
  path: string,
  opts: { token?: string; body?: unknown; raw?: string; type?: string } = {},
): Promise<Sent> {
  const headers: Record<string, string> = {}
  if (opts.token) headers.authorization = `Bearer ${opts.token}`
  const body = opts.raw ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body))
  if (body !== undefined) headers['content-type'] = opts.type ?? 'application/json'
  const res = await fetch(`${prismUrl}${path}`, { method, headers, body, redirect: 'manual' })
  const text = await res.text()
  const type = res.headers.get('content-type') ?? ''
  const what = `${method} ${path} → ${res.status} ${text.slice(0, 600)}`
  expect(
    type.includes('problem+json') || res.headers.has('sl-violations'),
    `contract violation: ${what}`,
  ).toBe(false)
  expect(res.status, `5xx: ${what}`).toBeLessThan(500)
  return {
    status: res.status,
    headers: res.headers,
    body: text && type.includes('json') ? JSON.parse(text) : text,
  }
}

let keys: Record<string, string>
let programId: string

beforeAll(async () => {
  const res = await via('POST', '/v1/programs', {
    token: adminToken,
    body: { name: 'Contract', landing_url: 'https://saas.example/', hold_days: 0 },
  })
  expect(res.status).toBe(201)
  keys = res.body.keys
  programId = res.body.program.id
})

describe('a founder’s day through Prism', () => {
  it('keeps to the document on every endpoint it touches', async () => {
    const sk = keys.secret!
    expect((await via('GET', '/healthz')).status).toBe(200)
    expect((await via('GET', '/v1/programs', { token: adminToken })).status).toBe(200)
    expect((await via('GET', '/v1/program', { token: sk })).status).toBe(200)
    expect((await via('PATCH', '/v1/program', { token: sk, body: { cookie_days: 60 } })).status).toBe(200)
    expect(
      (await via('PATCH', '/v1/program', { token: keys.test_secret, body: { cookie_days: 9 } })).status,
    ).toBe(403)

    const jane = await via('POST', '/v1/affiliates', {
      token: sk,
      body: { name: 'Jane', email: 'jane@example.com', code: 'ctjane', promo_codes: ['CTJANE20'] },
    })
    expect(jane.status).toBe(201)
    const omar = await via('POST', '/v1/affiliates', {
      token: sk,
      body: { name: 'Omar', email: 'omar@example.com' },
    })
    expect(omar.status).toBe(201)
    expect(
      (
        await via('POST', '/v1/affiliates', {
          token: sk,
          body: { name: 'X', email: 'x@example.com', code: 'ctjane' },
        })
      ).status,
    ).toBe(409)
    expect((await via('GET', '/v1/affiliates', { token: sk })).body.affiliates).toHaveLength(2)
    expect(
      (await via('GET', '/v1/affiliates', { token: keys.test_secret })).body.affiliates[0].email,
    ).toBeNull()
    expect((await via('GET', '/v1/affiliates/ctjane', { token: sk })).status).toBe(200)
    expect((await via('GET', '/v1/affiliates/nobody', { token: sk })).status).toBe(404)
    expect(
      (
        await via('PATCH', `/v1/affiliates/${omar.body.affiliate.id}`, {
          token: sk,
          body: { name: 'Omar K' },
        })
      ).status,
    ).toBe(200)
    expect(
      (await via('PATCH', '/v1/affiliates/ctjane', { token: keys.test_secret, body: { name: 'no' } })).status,
    ).toBe(403)
    expect((await via('POST', '/v1/affiliates/ctjane/portal-link', { token: sk })).status).toBe(201)

    const click = await via('POST', '/v1/clicks', {
      raw: JSON.stringify({ key: keys.publishable, ref: 'ctjane', url: 'https://saas.example/?ref=ctjane' }),
      type: 'text/plain',
    })
    expect(click.status).toBe(202)
    expect(click.body.attributed).toBe(true)
    const clickJson = await via('POST', '/v1/clicks', {
      body: { key: keys.publishable, ref: 'unknown-code', url: '' },
    })
    expect(clickJson.body.attributed).toBe(false)
    expect(
      (await via('POST', '/v1/clicks', { body: { key: 'pk_live_AAAAAAAAAAAAAAAAAAAA', ref: 'x' } })).status,
    ).toBe(401)

    const signup = { customer_id: 'cus_ct1', click_id: click.body.click_id, email: 'buyer@example.com' }
    expect((await via('POST', '/v1/signups', { token: sk, body: signup })).status).toBe(201)
    const replay = await via('POST', '/v1/signups', { token: sk, body: signup })
    expect(replay.status).toBe(200)
    expect(replay.headers.get('idempotent-replayed')).toBe('true')

    const conversion = { event_id: 'inv_ct1', customer_id: 'cus_ct1', amount: 4900, currency: 'usd' }
    const conv = await via('POST', '/v1/conversions', { token: sk, body: conversion })
    expect(conv.status).toBe(201)
    expect((await via('POST', '/v1/conversions', { token: sk, body: conversion })).status).toBe(200)
    expect(
      (await via('POST', '/v1/conversions', { token: sk, body: { ...conversion, amount: 1 } })).status,
    ).toBe(409)
    const second = await via('POST', '/v1/conversions', {
      token: sk,
      body: { event_id: 'inv_ct2', ref: 'ctjane', amount: 1000, currency: 'EUR', metadata: { plan: 'pro' } },
    })
    expect(second.status).toBe(201)
    expect(
      (
        await via('POST', '/v1/refunds', {
          token: sk,
          body: { event_id: 'ref_ct1', conversion_event_id: 'inv_ct1', amount: 900 },
        })
      ).status,
    ).toBe(201)
    expect(
      (
        await via('POST', '/v1/refunds', {
          token: sk,
          body: { event_id: 'ref_ct2', conversion_event_id: 'inv_none' },
        })
      ).status,
    ).toBe(404)

    const list = await via('GET', '/v1/commissions?status=pending,approved&limit=50', { token: sk })
    expect(list.body.commissions.length).toBeGreaterThan(0)
    const id = second.body.conversion.commission.id
    expect((await via('POST', `/v1/commissions/${id}/reject`, { token: sk })).status).toBe(200)
    expect((await via('POST', `/v1/commissions/${id}/approve`, { token: sk })).status).toBe(409)
    expect((await via('GET', '/v1/commissions?limit=0', { token: sk })).status).toBe(400)
    expect((await via('GET', '/v1/stats?interval=hour&affiliate=ctjane', { token: sk })).status).toBe(200)
    expect((await via('GET', '/v1/stats?from=yesterday', { token: sk })).status).toBe(400)

    const token = await via('POST', '/v1/live/tokens', { token: sk, body: { affiliate_id: 'ctjane' } })
    expect(token.status).toBe(201)
    expect((await via('POST', '/v1/live/tokens', { token: sk })).status).toBe(201)
    expect((await via('GET', `/v1/live?token=${encodeURIComponent(token.body.token)}`)).status).toBe(400)

    const secret = `whsec_${'a'.repeat(32)}`
    expect((await via('GET', '/v1/integrations/stripe', { token: sk })).body.stripe.connected).toBe(false)
    expect(
      (await via('PUT', '/v1/integrations/stripe', { token: sk, body: { webhook_secret: secret } })).status,
    ).toBe(200)
    expect(
      (
        await via('PUT', '/v1/integrations/stripe', {
          token: keys.test_secret,
          body: { webhook_secret: secret },
        })
      ).status,
    ).toBe(403)
    const unsigned = await fetch(`${prismUrl}/v1/integrations/stripe/${programId}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'stripe-signature': 't=1,v1=00' },
      body: JSON.stringify({ id: 'evt_1', type: 'invoice.paid', livemode: true }),
    })
    expect(unsigned.status).toBe(400)
    expect(unsigned.headers.get('content-type')).not.toMatch(/problem/)
    expect((await via('DELETE', '/v1/integrations/stripe', { token: sk })).status).toBe(200)
  })

  it('keeps to the document for webhook endpoints and key rolling', async () => {
    // Test mode, after every event: nothing is ever queued for this endpoint.
    const sk = keys.test_secret!
    const created = await via('POST', '/v1/webhook-endpoints', {
      token: sk,
      body: { url: 'https://hooks.example.com/refline', events: ['conversion.created'] },
    })
    expect(created.status).toBe(201)
    expect(created.body.endpoint.secret).toMatch(/^whsec_/)
    const id = created.body.endpoint.id
    expect(
      (await via('GET', '/v1/webhook-endpoints', { token: sk })).body.endpoints[0].secret,
    ).toBeUndefined()
    expect((await via('GET', `/v1/webhook-endpoints/${id}`, { token: sk })).status).toBe(200)
    expect(
      (await via('PATCH', `/v1/webhook-endpoints/${id}`, { token: sk, body: { enabled: false } })).status,
    ).toBe(200)
    expect(
      (await via('GET', `/v1/webhook-endpoints/${id}/deliveries?status=failed`, { token: sk })).status,
    ).toBe(200)
    expect(
      (await via('POST', `/v1/webhook-endpoints/${id}/deliveries/dlv_none/resend`, { token: sk })).status,
    ).toBe(409)
    expect((await via('DELETE', `/v1/webhook-endpoints/${id}`, { token: sk })).status).toBe(200)
    expect((await via('GET', `/v1/webhook-endpoints/${id}`, { token: sk })).status).toBe(404)

    const rolled = await via('POST', `/v1/programs/${programId}/keys/roll`, { token: adminToken })
    expect(rolled.status).toBe(201)
    expect((await via('GET', '/v1/program', { token: keys.secret })).status).toBe(401)
    keys = rolled.body.keys
    expect((await via('GET', '/v1/program', { token: keys.secret })).status).toBe(200)
  })
})

/** Deterministic pseudo-random numbers (mulberry32), so a failing generated request can be re-run. */
function seeded(seed: number): () => number {
  let a = seed
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}

const PER_OPERATION = 3

describe('requests generated from the document', () => {
  it('answers every generated body with a documented answer and never a 5xx', async () => {
    jsf.option({
      random: seeded(20261201),
      alwaysFakeOptionals: false,
      failOnInvalidTypes: false,
      maxItems: 3,
    })
    const token: Record<string, string | undefined> = {
      secret: keys.secret,
      live_secret: keys.secret,
      test_secret: keys.test_secret,
      admin: adminToken,
    }
    // json-schema-faker sometimes makes a body that breaks its own schema (a key pattern, an email
    // Prism's validator refuses, say): such a body says nothing about the collector, so only bodies
    // the schema accepts are sent. Emails are checked with the pattern Prism's ajv-formats uses.
    const ajv = new Ajv2020({ strict: false, allErrors: false, validateFormats: true })
    ajv.addFormat('uri', (value: string) => /^[a-z][a-z0-9+.-]*:/i.test(value) && URL.canParse(value))
    ajv.addFormat(
      'email',
      /^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*@(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/i,
    )
    let sent = 0
    let discarded = 0
    const statuses = new Map<number, number>()
    for (const [path, ops] of Object.entries(doc.paths as Record<string, Record<string, Json>>)) {
      for (const [method, op] of Object.entries(ops)) {
        const media = op.requestBody?.content?.['application/json']
        if (!media || path.startsWith('/v1/integrations/stripe/')) continue
        for (let i = 0; i < PER_OPERATION; i++) {
          const valid = ajv.compile(structuredClone(media.schema))
          let body: unknown
          for (let attempt = 0; attempt < 5 && body === undefined; attempt++) {
            const candidate = jsf.generate(structuredClone(media.schema))
            if (valid(candidate)) body = candidate
          }
          if (body === undefined) {
            discarded++
            continue
          }
          const concrete = path.replace(/\{[^}]+\}/g, () => `gen${i}`)
          const res = await via(method.toUpperCase(), concrete, {
            token: token[op['x-refline-credential']],
            body,
          })
          expect(Object.keys(op.responses), `${method} ${path}: undocumented ${res.status}`).toContain(
            String(res.status),
          )
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1)
          sent++
        }
      }
    }
    expect(sent).toBeGreaterThan(30)
    console.log(
      `generated requests: ${sent} (${discarded} generated bodies broke their own schema), statuses ${JSON.stringify(Object.fromEntries(statuses))}`,
    )
  })
})
