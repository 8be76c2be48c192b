/**
 * The authorization matrix: every endpoint of the OpenAPI document × every credential an
 * outsider or a confused integration could present — none, the publishable key, another
 * program's secret key, the program's test key, a revoked key, an affiliate's portal token, the
 * founder's dashboard session and the admin token — with the expected answer of each in one
 * table (MATRIX). A route described in the document but missing from the table fails the run.
 * Every answer to a credential that is not the program's own live one is also searched for the
 * program's private values (affiliate emails, portal links, record ids): none may appear.
 *
 * Then the at-rest scan: after that traffic (clicks with IPs, signups with emails, keys, portal
 * links, live tokens, webhook and Stripe secrets), every D1 table and the hub's own storage are
 * read whole, and no raw IP, customer email, API key, portal token, session or live token may
 * be in them. Signing secrets must stay usable, so they are stored as given: the scan finds
 * each exactly where it is kept and nowhere else (docs/security.md, *Secrets at rest*).
 */
import { env, runInDurableObject } from 'cloudflare:test'
import { exports } from 'cloudflare:workers'
import { beforeAll, describe, expect, it } from 'vitest'
import type { ProgramHub } from '../src/hub/program-hub'
import { hubFor } from '../src/lib/env'
import { describedRoutes } from '../src/openapi/registry'
import { ADMIN, BROWSER_UA, call, clickId, createAffiliate, createProgram } from './helpers'
import { upgrade } from './live-socket'

const worker = (exports as unknown as { default: { fetch(r: Request): Promise<Response> } }).default

type Cred = 'none' | 'pk' | 'other' | 'test' | 'revoked' | 'portal' | 'session' | 'admin'
const CREDS: Cred[] = ['none', 'pk', 'other', 'test', 'revoked', 'portal', 'session', 'admin']
type Expect = Record<Cred, number>

interface Fixture {
  programId: string
  throwawayProgramId: string
  aff: string
  code: string
  commission: string
  conversionEvent: string
  endpoint: string
  payout: string
}

interface Row {
  route: string
  path: (f: Fixture) => string
  body?: (f: Fixture) => unknown
  /** How the endpoint takes its credential: a bearer header (default) or the click body's `key`. */
  via?: 'bearer' | 'key'
  /** Private values the request itself sends, which the answer may name back (a bulk call's ids). */
  echoes?: (f: Fixture) => string[]
  expect: Expect
}

/** A secret-key endpoint: only secret keys get past authentication. */
const SECRET = { none: 401, pk: 403, revoked: 401, portal: 401, session: 401, admin: 401 } as const
/** The admin token's endpoints. */
const ADMIN_ONLY = {
  none: 401,
  pk: 401,
  other: 401,
  test: 401,
  revoked: 401,
  portal: 401,
  session: 401,
} as const
const OPEN = (status: number): Expect => ({
  none: status,
  pk: status,
  other: status,
  test: status,
  revoked: status,
  portal: status,
  session: status,
  admin: status,
})

const hook = { url: 'https://hooks.example.com/refline' }

// biome-ignore format: one line per endpoint reads as the table it is
const MATRIX: Row[] = [
  { route: 'GET /healthz', path: () => '/healthz', expect: OPEN(200) },
  { route: 'GET /v1/openapi.json', path: () => '/v1/openapi.json', expect: OPEN(200) },
  { route: 'POST /v1/programs', path: () => '/v1/programs', body: () => ({ name: 'Matrix made' }), expect: { ...ADMIN_ONLY, admin: 201 } },
  { route: 'GET /v1/programs', path: () => '/v1/programs', expect: { ...ADMIN_ONLY, admin: 200 } },
  { route: 'POST /v1/programs/:id/keys/roll', path: (f) => `/v1/programs/${f.throwawayProgramId}/keys/roll`, expect: { ...ADMIN_ONLY, admin: 201 } },
  { route: 'GET /v1/program', path: () => '/v1/program', expect: { ...SECRET, other: 200, test: 200 } },
  { route: 'PATCH /v1/program', path: () => '/v1/program', body: () => ({ cookie_days: 31 }), expect: { ...SECRET, other: 200, test: 403 } },
  // The click takes its key in the body: a secret key there is 403 (it would leak from the page).
  { route: 'POST /v1/clicks', path: () => '/v1/clicks', via: 'key', body: (f) => ({ ref: f.code, url: 'https://saas.example/', click_id: clickId() }), expect: { none: 400, pk: 202, other: 403, test: 403, revoked: 401, portal: 401, session: 400, admin: 401 } },
  { route: 'GET /go/:code', path: (f) => `/go/${f.code}`, expect: OPEN(302) },
  { route: 'GET /go/:code/:sub', path: (f) => `/go/${f.code}/matrix`, expect: OPEN(302) },
  { route: 'POST /v1/signups', path: () => '/v1/signups', body: (f) => ({ customer_id: `cus_${crypto.randomUUID()}`, ref: f.code, email: 'matrix-buyer@example.com' }), expect: { ...SECRET, other: 201, test: 201 } },
  { route: 'POST /v1/conversions', path: () => '/v1/conversions', body: (f) => ({ event_id: `evt_${crypto.randomUUID()}`, ref: f.code, amount: 1000, currency: 'USD' }), expect: { ...SECRET, other: 201, test: 201 } },
  { route: 'POST /v1/refunds', path: () => '/v1/refunds', body: (f) => ({ event_id: `rf_${crypto.randomUUID()}`, conversion_event_id: f.conversionEvent, amount: 1 }), expect: { ...SECRET, other: 404, test: 404 } },
  { route: 'POST /v1/affiliates', path: () => '/v1/affiliates', body: () => ({ name: 'Matrix', email: 'matrix-aff@example.com' }), expect: { ...SECRET, other: 201, test: 201 } },
  { route: 'GET /v1/affiliates', path: () => '/v1/affiliates', expect: { ...SECRET, other: 200, test: 200 } },
  { route: 'GET /v1/affiliates/:id', path: (f) => `/v1/affiliates/${f.aff}`, expect: { ...SECRET, other: 404, test: 200 } },
  { route: 'PATCH /v1/affiliates/:id', path: (f) => `/v1/affiliates/${f.aff}`, body: () => ({ name: 'Taken over' }), expect: { ...SECRET, other: 404, test: 403 } },
  { route: 'POST /v1/affiliates/:id/portal-link', path: (f) => `/v1/affiliates/${f.aff}/portal-link`, expect: { ...SECRET, other: 404, test: 403 } },
  { route: 'GET /v1/conversions', path: () => '/v1/conversions', expect: { ...SECRET, other: 200, test: 200 } },
  { route: 'GET /v1/commissions', path: () => '/v1/commissions', expect: { ...SECRET, other: 200, test: 200 } },
  { route: 'GET /v1/commissions/:id', path: (f) => `/v1/commissions/${f.commission}`, expect: { ...SECRET, other: 404, test: 404 } },
  // Bulk changes answer per id: the victim's id comes back as not found, and the commission stays as it was.
  { route: 'POST /v1/commissions/approve', path: () => '/v1/commissions/approve', body: (f) => ({ ids: [f.commission] }), echoes: (f) => [f.commission], expect: { ...SECRET, other: 200, test: 200 } },
  { route: 'POST /v1/commissions/reject', path: () => '/v1/commissions/reject', body: (f) => ({ ids: [f.commission], reason: 'matrix' }), echoes: (f) => [f.commission], expect: { ...SECRET, other: 200, test: 200 } },
  { route: 'POST /v1/commissions/approve-due', path: () => '/v1/commissions/approve-due', body: () => ({ include_pending: true }), expect: { ...SECRET, other: 200, test: 200 } },
  { route: 'POST /v1/commissions/:id/approve', path: (f) => `/v1/commissions/${f.commission}/approve`, expect: { ...SECRET, other: 404, test: 404 } },
  { route: 'POST /v1/commissions/:id/reject', path: (f) => `/v1/commissions/${f.commission}/reject`, expect: { ...SECRET, other: 404, test: 404 } },
  { route: 'GET /v1/stats', path: () => '/v1/stats', expect: { ...SECRET, other: 200, test: 200 } },
  // A test key may follow a live affiliate, in test mode (test events may credit live affiliates).
  { route: 'POST /v1/live/tokens', path: () => '/v1/live/tokens', body: (f) => ({ affiliate_id: f.aff }), expect: { ...SECRET, other: 400, test: 201 } },
  { route: 'POST /v1/webhook-endpoints', path: () => '/v1/webhook-endpoints', body: () => hook, expect: { ...SECRET, other: 201, test: 201 } },
  { route: 'GET /v1/webhook-endpoints', path: () => '/v1/webhook-endpoints', expect: { ...SECRET, other: 200, test: 200 } },
  { route: 'GET /v1/webhook-endpoints/:id', path: (f) => `/v1/webhook-endpoints/${f.endpoint}`, expect: { ...SECRET, other: 404, test: 404 } },
  { route: 'PATCH /v1/webhook-endpoints/:id', path: (f) => `/v1/webhook-endpoints/${f.endpoint}`, body: () => ({ enabled: false }), expect: { ...SECRET, other: 404, test: 404 } },
  { route: 'GET /v1/webhook-endpoints/:id/deliveries', path: (f) => `/v1/webhook-endpoints/${f.endpoint}/deliveries`, expect: { ...SECRET, other: 404, test: 404 } },
  { route: 'POST /v1/webhook-endpoints/:id/deliveries/:delivery_id/resend', path: (f) => `/v1/webhook-endpoints/${f.endpoint}/deliveries/dlv_x/resend`, expect: { ...SECRET, other: 404, test: 404 } },
  { route: 'DELETE /v1/webhook-endpoints/:id', path: (f) => `/v1/webhook-endpoints/${f.endpoint}`, expect: { ...SECRET, other: 404, test: 404 } },
  { route: 'PUT /v1/integrations/stripe', path: () => '/v1/integrations/stripe', body: () => ({ webhook_secret: `whsec_${'m'.repeat(32)}` }), expect: { ...SECRET, other: 200, test: 403 } },
  { route: 'GET /v1/integrations/stripe', path: () => '/v1/integrations/stripe', expect: { ...SECRET, other: 200, test: 403 } },
  { route: 'DELETE /v1/integrations/stripe', path: () => '/v1/integrations/stripe', expect: { ...SECRET, other: 200, test: 403 } },
  // No restricted key is stored for the other program, nor for the victim's test mode: nothing reaches Stripe.
  { route: 'GET /v1/reconciliation', path: () => '/v1/reconciliation', expect: { ...SECRET, other: 409, test: 409 } },
  // Stripe's own credential is the signature: no key of ours stands in for it.
  { route: 'POST /v1/integrations/stripe/:program_id', path: (f) => `/v1/integrations/stripe/${f.programId}`, body: () => ({ id: 'evt_x', type: 'invoice.paid', livemode: true }), expect: OPEN(400) },
  // Their own data only: the test key's commissions (approve-due above approved them) make a test payout;
  // the other program has none (its conversions with the victim's code were unattributed).
  { route: 'POST /v1/payouts', path: () => '/v1/payouts', body: () => ({}), expect: { ...SECRET, other: 200, test: 201 } },
  { route: 'GET /v1/payouts', path: () => '/v1/payouts', expect: { ...SECRET, other: 200, test: 200 } },
  { route: 'GET /v1/payouts/:id', path: (f) => `/v1/payouts/${f.payout}`, expect: { ...SECRET, other: 404, test: 404 } },
  { route: 'POST /v1/payouts/:id/paid', path: (f) => `/v1/payouts/${f.payout}/paid`, expect: { ...SECRET, other: 404, test: 404 } },
  { route: 'GET /v1/payouts/:id/paypal.csv', path: (f) => `/v1/payouts/${f.payout}/paypal.csv`, expect: { ...SECRET, other: 404, test: 404 } },
  { route: 'GET /v1/payouts/:id/export.csv', path: (f) => `/v1/payouts/${f.payout}/export.csv`, expect: { ...SECRET, other: 404, test: 404 } },
  { route: 'GET /v1/admin/programs/:id/audit', path: (f) => `/v1/admin/programs/${f.programId}/audit`, expect: { ...ADMIN_ONLY, admin: 200 } },
  { route: 'GET /v1/admin/programs/:id/health', path: (f) => `/v1/admin/programs/${f.programId}/health`, expect: { ...ADMIN_ONLY, admin: 200 } },
  { route: 'POST /v1/admin/programs/:id/rebuild', path: (f) => `/v1/admin/programs/${f.throwawayProgramId}/rebuild`, expect: { ...ADMIN_ONLY, admin: 200 } },
  { route: 'POST /v1/affiliates/:id/approve', path: (f) => `/v1/affiliates/${f.aff}/approve`, expect: { ...SECRET, other: 404, test: 403 } },
  { route: 'POST /v1/affiliates/:id/reject', path: (f) => `/v1/affiliates/${f.aff}/reject`, expect: { ...SECRET, other: 404, test: 403 } },
  { route: 'GET /v1/alerts', path: () => '/v1/alerts', expect: { ...SECRET, other: 200, test: 200 } },
  { route: 'GET /v1/health', path: () => '/v1/health', expect: { ...SECRET, other: 200, test: 200 } },
  { route: 'GET /v1/customers/:id/journey', path: () => '/v1/customers/cus_victim/journey', echoes: () => ['cus_victim'], expect: { ...SECRET, other: 404, test: 404 } },
  { route: 'DELETE /v1/customers/:id', path: () => '/v1/customers/cus_victim', echoes: () => ['cus_victim'], expect: { ...SECRET, other: 404, test: 404 } },
  // Last of the secret-key rows: the test key purges the test data the rows above made; a live key may not.
  { route: 'DELETE /v1/test-data', path: () => '/v1/test-data', expect: { ...SECRET, other: 403, test: 200 } },
  // Without an upgrade; the WebSocket itself has its own table below.
  { route: 'GET /v1/live', path: (f) => `/v1/live?program=${f.programId}`, expect: { none: 401, pk: 401, other: 401, test: 401, revoked: 401, portal: 400, session: 400, admin: 401 } },
]

/** The WebSocket `/v1/live`, with an upgrade: only the portal token and the session open it. */
const LIVE_SOCKET: Expect = {
  none: 401,
  pk: 401,
  other: 401,
  test: 401,
  revoked: 401,
  portal: 101,
  session: 101,
  admin: 401,
}

let ipSeq = 0
/** A fresh client address per request, so failed-auth limits never blur the table. */
const freshIp = () => `198.51.${Math.floor(ipSeq / 250) % 250}.${(ipSeq++ % 250) + 1}`

let fx: Fixture
let cred: Record<Cred, string>
/** Values of the victim program that no other credential may ever see. */
let secrets: string[]
let portalToken: string
/** The publishable key of a program whose keys were rolled. */
let revokedPk: string
let victimSk: string
let sessionCookie: string
const allKeys: string[] = []
const liveTokens: string[] = []

function cookieOf(headers: Headers, name: string): string {
  const all = (headers as unknown as { getAll(name: string): string[] }).getAll('set-cookie')
  return all.find((c) => c.startsWith(`${name}=`))?.split(';')[0] ?? ''
}

async function page(path: string, init: RequestInit = {}) {
  const res = await worker.fetch(new Request(`http://collector.test${path}`, { redirect: 'manual', ...init }))
  return { status: res.status, headers: res.headers, text: await res.text() }
}

async function signIn(): Promise<string> {
  const ip = freshIp()
  const form = await page('/dashboard/sign-in', { headers: { 'cf-connecting-ip': ip } })
  const csrf = /name="_csrf" value="([^"]+)"/.exec(form.text)?.[1] ?? ''
  const res = await page('/dashboard/sign-in', {
    method: 'POST',
    headers: {
      cookie: cookieOf(form.headers, 'rl_signin'),
      'cf-connecting-ip': ip,
      'content-type': 'application/x-www-form-urlencoded',
      'sec-fetch-site': 'same-origin',
    },
    body: new URLSearchParams({ _csrf: csrf, token: ADMIN }).toString(),
  })
  expect(res.status).toBe(303)
  return cookieOf(res.headers, 'rl_session')
}

/** Sends `row` with credential `c`, the way a caller holding only that credential would. */
async function send(row: Row, c: Cred) {
  const [method] = row.route.split(' ') as [string]
  const headers: Record<string, string> = { 'cf-connecting-ip': freshIp() }
  if (c === 'session') headers.cookie = sessionCookie
  let body = row.body?.(fx) as Record<string, unknown> | undefined
  let path = row.path(fx)
  if (row.via === 'key') {
    if (c !== 'none' && c !== 'session') body = { ...body, key: c === 'revoked' ? revokedPk : cred[c] }
  } else if (path.startsWith('/v1/live?')) {
    if (c !== 'none' && c !== 'session') path += `&token=${encodeURIComponent(cred[c])}`
  } else if (c !== 'none' && c !== 'session') {
    headers.authorization = `Bearer ${cred[c]}`
  }
  const init: RequestInit = { method, headers: { 'user-agent': BROWSER_UA, ...headers } }
  if (body !== undefined) {
    init.body = JSON.stringify(body)
    ;(init.headers as Record<string, string>)['content-type'] = 'application/json'
  }
  if (path.startsWith('/v1/integrations/stripe/'))
    (init.headers as Record<string, string>)['stripe-signature'] = 't=1,v1=00'
  return page(path, init)
}

// About forty requests of setup (60 s allowed): on a busy 2-core machine they took more than 10 s.
beforeAll(async () => {
  const victim = await createProgram({ name: 'Victim', landing_url: 'https://victim.example/' })
  const other = await createProgram({ name: 'Other', landing_url: 'https://other.example/' })
  const throwaway = await createProgram({ name: 'Throwaway' })
  const revoked = await createProgram({ name: 'Revoked' })
  allKeys.push(...[victim, other, throwaway, revoked].flatMap((p) => Object.values(p.keys)))
  const rolled = await call('POST', `/v1/programs/${revoked.program.id}/keys/roll`, { token: ADMIN })
  expect(rolled.status).toBe(201)
  allKeys.push(...Object.values(rolled.body.keys as Record<string, string>))
  revokedPk = revoked.keys.publishable

  const sk = victim.keys.secret
  victimSk = sk
  const aff = await createAffiliate(sk, { email: 'victim-aff@example.com' })
  portalToken = new URL(aff.portal_url).pathname.split('/').pop() ?? ''
  const signup = await call('POST', '/v1/signups', {
    token: sk,
    body: { customer_id: 'cus_victim', ref: aff.code, email: 'victim-buyer@example.com' },
  })
  expect(signup.status).toBe(201)
  const conversion = await call('POST', '/v1/conversions', {
    token: sk,
    body: { event_id: 'inv_victim', customer_id: 'cus_victim', amount: 9900, currency: 'USD' },
  })
  expect(conversion.status).toBe(201)
  // A real payout of the victim's: its first commission, approved by hand.
  const paid = await call('POST', '/v1/conversions', {
    token: sk,
    body: { event_id: 'inv_victim_paid', customer_id: 'cus_victim', amount: 5000, currency: 'USD' },
  })
  const approved = await call('POST', `/v1/commissions/${paid.body.conversion.commission.id}/approve`, {
    token: sk,
  })
  expect(approved.status).toBe(200)
  const payout = await call('POST', '/v1/payouts', { token: sk, body: {} })
  expect(payout.status).toBe(201)
  const endpoint = await call('POST', '/v1/webhook-endpoints', { token: sk, body: hook })
  expect(endpoint.status).toBe(201)
  const stripe = await call('PUT', '/v1/integrations/stripe', {
    token: sk,
    body: { webhook_secret: `whsec_${'v'.repeat(40)}`, test_webhook_secret: `whsec_${'t'.repeat(40)}` },
  })
  expect(stripe.status).toBe(200)
  sessionCookie = await signIn()

  fx = {
    programId: victim.program.id,
    throwawayProgramId: throwaway.program.id,
    aff: aff.id,
    code: aff.code,
    commission: conversion.body.conversion.commission.id,
    conversionEvent: 'inv_victim',
    endpoint: endpoint.body.endpoint.id,
    payout: payout.body.payout.id,
  }
  cred = {
    none: '',
    pk: victim.keys.publishable,
    other: other.keys.secret,
    test: victim.keys.test_secret,
    revoked: revoked.keys.secret,
    portal: portalToken,
    session: '',
    admin: ADMIN,
  }
  secrets = [
    'victim-aff@example.com',
    aff.portal_url,
    portalToken,
    conversion.body.conversion.id,
    fx.commission,
    fx.endpoint,
    fx.payout,
    'cus_victim',
    endpoint.body.endpoint.secret,
  ]
}, 60_000)

describe('the authorization matrix', () => {
  it('has a row for every endpoint of the document', () => {
    const rows = new Set(MATRIX.map((r) => r.route))
    expect(describedRoutes().filter((r) => !rows.has(r))).toEqual([])
  })

  for (const row of MATRIX) {
    it(`${row.route}: ${CREDS.map((c) => `${c} ${row.expect[c]}`).join(', ')}`, async () => {
      const got: Partial<Record<Cred, number>> = {}
      for (const c of CREDS) {
        const res = await send(row, c)
        got[c] = res.status
        expect(res.status, `${c}: ${res.text.slice(0, 300)}`).toBeLessThan(500)
        if (res.status >= 400)
          expect(JSON.parse(res.text).error.code, `${c} error shape`).toBeTypeOf('string')
        // Nothing of the victim's reaches a caller that is not its founder (its redirect link and
        // the document excepted: they print public codes).
        if (c !== 'admin' && c !== 'session' && !row.route.startsWith('GET /go')) {
          for (const s of secrets.filter((v) => !row.echoes?.(fx).includes(v)))
            expect(res.text.includes(s), `${c} sees ${s} in ${res.text.slice(0, 400)}`).toBe(false)
        }
        if (res.status === 201 && row.route === 'POST /v1/live/tokens')
          liveTokens.push(JSON.parse(res.text).token)
      }
      expect(got).toEqual(row.expect)
    })
  }

  it(`WebSocket /v1/live: ${CREDS.map((c) => `${c} ${LIVE_SOCKET[c]}`).join(', ')}`, async () => {
    const got: Partial<Record<Cred, number>> = {}
    for (const c of CREDS) {
      const token = c === 'none' || c === 'session' ? '' : `&token=${encodeURIComponent(cred[c])}`
      const res = await upgrade(`/v1/live?program=${fx.programId}${token}`, {
        'cf-connecting-ip': freshIp(),
        ...(c === 'session' ? { cookie: sessionCookie } : {}),
      })
      got[c] = res.status
      if (res.webSocket) {
        res.webSocket.accept()
        res.webSocket.close(1000, 'done')
      } else await res.text()
    }
    expect(got).toEqual(LIVE_SOCKET)
  })

  it('leaves the victim’s records as they were after every refused or foreign change', async () => {
    const sk = victimSk
    const commission = await call('GET', '/v1/commissions?limit=500', { token: sk })
    const mine = commission.body.commissions.find((c: { id: string }) => c.id === fx.commission)
    expect(mine?.status).toBe('pending')
    const aff = await call('GET', `/v1/affiliates/${fx.aff}`, { token: sk })
    expect(aff.body.affiliate.name).not.toBe('Taken over')
    const endpoint = await call('GET', `/v1/webhook-endpoints/${fx.endpoint}`, { token: sk })
    expect(endpoint.body.endpoint.status).toBe('enabled')
    const stripe = await call('GET', '/v1/integrations/stripe', { token: sk })
    expect(stripe.body.stripe.connected).toBe(true)
    expect((await call('GET', `/v1/payouts/${fx.payout}`, { token: sk })).body.payout.status).toBe('pending')
  })

  it('another program never attributes to the victim’s affiliate, even by its code', async () => {
    const res = await call('POST', '/v1/conversions', {
      token: cred.other,
      body: { event_id: 'evt_cross', ref: fx.code, amount: 5000, currency: 'USD' },
    })
    expect(res.status).toBe(201)
    expect(res.body.conversion.affiliate).toBeNull()
  })
})

/** Everything stored, as one string per table. */
async function d1Dump(): Promise<Map<string, string>> {
  const { results } = await env.DB.prepare(
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name NOT LIKE 'd1_%'",
  ).all<{ name: string }>()
  const out = new Map<string, string>()
  for (const { name } of results) {
    const rows = await env.DB.prepare(`SELECT * FROM "${name}"`).all()
    out.set(`d1.${name}`, JSON.stringify(rows.results))
  }
  return out
}

async function hubDump(programId: string): Promise<Map<string, string>> {
  const out = new Map<string, string>()
  await runInDurableObject(hubFor(env, programId), async (_hub: ProgramHub, state) => {
    const tables = state.storage.sql
      .exec<{ name: string }>(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '_cf_%' AND name NOT LIKE 'sqlite_%'",
      )
      .toArray()
    for (const { name } of tables) {
      out.set(`hub.${name}`, JSON.stringify(state.storage.sql.exec(`SELECT * FROM "${name}"`).toArray()))
    }
    out.set('hub.kv', JSON.stringify([...(await state.storage.list()).entries()]))
  })
  return out
}

describe('at rest', () => {
  it('no raw IP, customer email, key, portal token, session or live token is stored anywhere', async () => {
    // A click with a known address and a signup with a known email, on top of the matrix's traffic.
    const ip = '203.0.113.99'
    const click = await call('POST', '/v1/clicks', {
      raw: JSON.stringify({
        key: cred.pk,
        ref: fx.code,
        url: 'https://victim.example/',
        click_id: clickId(),
      }),
      headers: { 'content-type': 'text/plain', 'cf-connecting-ip': ip },
    })
    expect(click.status).toBe(202)
    const live = await call('POST', '/v1/live/tokens', { token: cred.test, body: {} })
    liveTokens.push(live.body.token)
    const signup = await call('POST', '/v1/signups', {
      token: allKeys[1],
      body: { customer_id: 'cus_rest', click_id: click.body.click_id, email: 'Rest.Buyer@Example.com' },
    })
    expect(signup.status).toBe(201)
    // Let the hub flush its buffered clicks to D1.
    await new Promise((r) => setTimeout(r, 1_500))

    const stored = new Map([...(await d1Dump()), ...(await hubDump(fx.programId))])
    expect(stored.get('d1.clicks')).toContain(click.body.click_id)
    const sessionId = sessionCookie.split('=')[1] ?? ''
    const forbidden: Record<string, string[]> = {
      'raw IP': [ip, '198.51.'],
      'customer email': [
        'rest.buyer@example.com',
        'Rest.Buyer@Example.com',
        'victim-buyer@example.com',
        'matrix-buyer@example.com',
      ],
      'API key': allKeys,
      'portal token': [portalToken],
      session: [sessionId, decodeURIComponent(sessionId)],
      'live token': liveTokens,
      'admin token': [ADMIN],
    }
    for (const [what, values] of Object.entries(forbidden)) {
      for (const value of values) {
        if (!value) continue
        const where = [...stored].filter(([, text]) => text.includes(value)).map(([t]) => t)
        expect(where, `${what} ${value.slice(0, 12)}… stored in`).toEqual([])
      }
    }
  })

  it('signing secrets are kept where they are used, and only there', async () => {
    // The restricted read-only Stripe keys too: stored as given (reconciliation calls Stripe with them), never shown.
    const restricted = [`rk_live_${'r'.repeat(40)}`, `rk_test_${'q'.repeat(40)}`]
    const put = await call('PUT', '/v1/integrations/stripe', {
      token: victimSk,
      body: {
        webhook_secret: `whsec_${'v'.repeat(40)}`,
        test_webhook_secret: `whsec_${'t'.repeat(40)}`,
        restricted_key: restricted[0],
        test_restricted_key: restricted[1],
      },
    })
    expect(put.status).toBe(200)
    expect(put.body.stripe.restricted_key).toEqual({ set: true, last4: 'rrrr' })
    const shown = JSON.stringify((await call('GET', '/v1/integrations/stripe', { token: victimSk })).body)
    for (const key of restricted) expect(JSON.stringify(put.body) + shown).not.toContain(key)
    const stored = new Map([...(await d1Dump()), ...(await hubDump(fx.programId))])
    const endpointSecret = secrets.at(-1) ?? ''
    const places = (value: string) => [...stored].filter(([, text]) => text.includes(value)).map(([t]) => t)
    expect(places(endpointSecret)).toEqual(['d1.webhook_endpoints'])
    expect(places(`whsec_${'v'.repeat(40)}`)).toEqual(['d1.stripe_integrations'])
    expect(places(`whsec_${'t'.repeat(40)}`)).toEqual(['d1.stripe_integrations'])
    for (const key of restricted) expect(places(key)).toEqual(['d1.stripe_integrations'])
    // Affiliates' own emails are their payout addresses (PayPal export): kept, in one place.
    expect(places('victim-aff@example.com')).toEqual(['d1.affiliates'])
  })
})
