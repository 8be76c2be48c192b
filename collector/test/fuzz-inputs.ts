/**
 * fast-check generators for the generated-input test (fuzz.test.ts): one request to any route
 * of the collector, built from a valid request of that route and then bent: fields of the wrong
 * type, huge and negative and fractional numbers, empty and long and unicode strings, absurd
 * dates, unknown fields, missing fields, nested junk, bodies that are not JSON or not objects or
 * over 32 KB, wrong content types and credentials, arbitrary query strings and headers.
 */
import fc from 'fast-check'
import chargeRefunded from '../src/stripe/fixtures/charge-refunded.json'
import checkoutGuest from '../src/stripe/fixtures/checkout-session-guest-promo.json'
import checkoutSub from '../src/stripe/fixtures/checkout-session-subscription.json'
import disputeCreated from '../src/stripe/fixtures/dispute-created.json'
import invoicePaid from '../src/stripe/fixtures/invoice-paid-basil.json'
import invoicePaidLegacy from '../src/stripe/fixtures/invoice-paid-legacy.json'
import invoicePaymentPaid from '../src/stripe/fixtures/invoice-payment-paid.json'
import promotionCode from '../src/stripe/fixtures/promotion-code-created.json'
import subscriptionDeleted from '../src/stripe/fixtures/subscription-deleted.json'

/** What the generators draw real ids and credentials from (made once, before the run). */
export interface Fixtures {
  admin: string
  sk: string
  testSk: string
  pk: string
  testPk: string
  programId: string
  /** A second program whose settings may be deleted or replaced without breaking the run. */
  spareProgramId: string
  spareSk: string
  /** A third program, whose keys may be rolled (revoking its keys) without breaking the run. */
  rollProgramId: string
  /** The main program's Stripe signing secret: generated Stripe events are signed with it. */
  stripeSecret: string
  /**
   * A webhook endpoint of the spare program. Every webhook route acts on the spare program, which
   * gets no events, so nothing is ever delivered anywhere during the run.
   */
  spareEndpointId: string
  affiliateId: string
  affiliateCode: string
  portalToken: string
  commissionId: string
  conversionEventId: string
  clickId: string
  session: { cookie: string; csrf: string }
  /** Signed in separately, for the sign-out route (signing out the run's own session would end it). */
  spareSession: { cookie: string; csrf: string }
}

export interface FuzzRequest {
  /** Which route this request was generated for (for the tally). */
  route: string
  method: string
  path: string
  headers: Record<string, string>
  body?: string | Uint8Array
  /** Sign the body as Stripe does (`Stripe-Signature`) before sending. */
  stripeSign?: boolean
}

// ---------------------------------------------------------------- values

const longString = fc.integer({ min: 65, max: 40_000 }).map((n) => 'x'.repeat(n))
const specialString = fc.constantFrom(
  '',
  ' ',
  '\u0000',
  '\t\r\n',
  'null',
  'undefined',
  '__proto__',
  'constructor',
  'toString',
  '𝓤𝓷𝓲𝓬𝓸𝓭𝓮',
  'e\u0301\u0301\u0301',
  '\uD800',
  '\uFEFF',
  '%00%ff',
  '../../etc/passwd',
  "'; DROP TABLE programs; --",
  '<script>alert(1)</script>',
  '=HYPERLINK("http://x")',
  'NaN',
  '-1',
  '1e999',
  'aff_',
  'USD',
  'usd',
)
export const anyString = fc.oneof(
  fc.string({ maxLength: 24 }),
  fc.string({ unit: 'grapheme', maxLength: 24 }),
  fc.string({ unit: 'binary', maxLength: 24 }),
  specialString,
  longString,
)
const edgeNumber = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.constantFrom(
    0,
    -0,
    -1,
    1,
    0.5,
    49.99,
    4900.000001,
    1e21,
    -1e21,
    Number.MAX_SAFE_INTEGER,
    Number.MAX_SAFE_INTEGER + 2,
    1e308,
    5e-324,
    100_000_000_000,
    100_000_000_001,
    401,
    2 ** 31,
    2 ** 53,
  ),
)
const listedDate = fc.constantFrom(
  '-271821-04-20T00:00:00Z',
  '+275760-09-13T00:00:00Z',
  '+010000-01-01T00:00:00Z',
  '0000-01-01T00:00:00Z',
  '0001-01-01',
  '1969-12-31T23:59:59Z',
  '1999-12-31T23:59:59.999Z',
  '2000-01-01',
  '9999-12-31',
  '9999-12-31T23:59:59Z',
  '10000-01-01',
  '2024-02-29',
  '2023-02-29',
  '2024-02-30',
  '2025-13-01T00:00:00Z',
  '2025-01-01T24:00:00Z',
  '2025-01-01T23:60:00Z',
  '2025-01-01T00:00:00+99:99',
  '2025-01-01T00:00:00-23:59',
  '2025-06-01T12:00:00.123456789+02:00',
  '2025-06-01T12:00:00',
  '2025-06-01',
  '2025-06-01T12:00:00Z',
  '2099-01-01T00:00:00Z',
  'yesterday',
  'March 7, 2025',
  '1',
  '1733011200000',
)
/** Dates and date-times: the listed traps, or any instant a Date can hold (years -271821 to 275760). */
export const absurdDate = fc.oneof(
  { weight: 3, arbitrary: listedDate },
  { weight: 1, arbitrary: fc.date({ noInvalidDate: true }).map((d) => d.toISOString()) },
  {
    weight: 1,
    arbitrary: fc.date({ noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)),
  },
)
const currencyLike = fc.constantFrom(
  'USD',
  'usd',
  'Usd',
  'EUR',
  'JPY',
  'XXX',
  'XXQ',
  'EURO',
  'US',
  '€',
  ' USD',
  '840',
)

/** Any JSON value, from scalars to small nested structures. */
export const jsonJunk: fc.Arbitrary<unknown> = fc.oneof(
  { depthSize: 'small' },
  anyString,
  edgeNumber,
  absurdDate,
  fc.boolean(),
  fc.constant(null),
  fc.jsonValue({ maxDepth: 3 }),
  fc.array(fc.oneof(anyString, edgeNumber), { maxLength: 5 }),
  fc.dictionary(anyString, fc.oneof(anyString, edgeNumber, fc.constant(null)), { maxKeys: 5 }),
)

/** A value for a field: mostly plausible for that field's kind, often not. */
const fieldValue = fc.oneof(
  { weight: 3, arbitrary: jsonJunk },
  { weight: 1, arbitrary: currencyLike },
  { weight: 1, arbitrary: absurdDate },
  { weight: 1, arbitrary: edgeNumber },
)

// ---------------------------------------------------------------- bodies

/** A valid body, then 1–3 edits: a field set to something else, removed, or an unknown field added. */
function bentObject(base: Record<string, unknown>): fc.Arbitrary<Record<string, unknown>> {
  const known = Object.keys(base)
  const key = fc.oneof(
    { weight: 4, arbitrary: known.length ? fc.constantFrom(...known) : anyString },
    { weight: 1, arbitrary: anyString },
    {
      weight: 1,
      arbitrary: fc.constantFrom('promo_codes', 'promo_code', 'status', 'extra', '__proto__', 'id'),
    },
  )
  const edit = fc.oneof(
    fc.record({ op: fc.constant('set' as const), key, value: fieldValue }),
    fc.record({ op: fc.constant('delete' as const), key }),
  )
  return fc.array(edit, { minLength: 0, maxLength: 3 }).map((edits) => {
    const out: Record<string, unknown> = { ...base }
    for (const e of edits) {
      if (e.op === 'delete') delete out[e.key]
      else
        Object.defineProperty(out, e.key, {
          value: e.value,
          enumerable: true,
          writable: true,
          configurable: true,
        })
    }
    return out
  })
}

const encoder = new TextEncoder()

function defined(o: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(o).filter((e): e is [string, string] => e[1] !== undefined))
}

/** A body as sent: JSON of a bent object usually, else raw junk of many kinds. */
function body(base: Record<string, unknown>): fc.Arbitrary<string | Uint8Array> {
  return fc.oneof(
    { weight: 12, arbitrary: bentObject(base).map((o) => JSON.stringify(o)) },
    { weight: 2, arbitrary: jsonJunk.map((v) => JSON.stringify(v) ?? 'null') },
    { weight: 1, arbitrary: anyString },
    {
      weight: 1,
      arbitrary: fc.integer({ min: 1, max: 20_000 }).map((n) => `${'['.repeat(n)}${']'.repeat(n)}`),
    },
    {
      weight: 1,
      arbitrary: fc.integer({ min: 1, max: 3_000 }).map((n) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`),
    },
    {
      weight: 1,
      arbitrary: fc
        .integer({ min: 32 * 1024 - 64, max: 40 * 1024 })
        .map((n) => JSON.stringify({ ...base, pad: 'p'.repeat(n) })),
    },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        '',
        '{',
        '{"a":1,}',
        '\uFEFF{}',
        '{"__proto__":{"admin":true}}',
        '{"constructor":{"prototype":{}}}',
        'null',
        '[]',
        '{}',
      ),
    },
    { weight: 1, arbitrary: fc.constant(new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d])) },
  )
}

/** A form body (`application/x-www-form-urlencoded`): the right fields or junk. */
function formBody(fields: Record<string, fc.Arbitrary<string>>): fc.Arbitrary<string> {
  return fc.oneof(
    {
      weight: 4,
      arbitrary: fc
        .record(fields, { requiredKeys: [] })
        .map((f) => new URLSearchParams(defined(f)).toString()),
    },
    { weight: 1, arbitrary: anyString },
  )
}

// ---------------------------------------------------------------- queries and headers

const queryValue = fc.oneof(
  { weight: 2, arbitrary: anyString },
  { weight: 2, arbitrary: absurdDate },
  { weight: 1, arbitrary: edgeNumber.map(String) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      'hour',
      'day',
      'week',
      'UTC',
      'Europe/Paris',
      'Mars/Olympus',
      '+01:00',
      'live',
      'test',
    ),
  },
)
const QUERY_KEYS = [
  'from',
  'to',
  'tz',
  'interval',
  'affiliate',
  'sub',
  'status',
  'limit',
  'format',
  'program',
  'mode',
  'token',
  'customer',
  'currency',
]

/** A query string: parameters the routes read, with arbitrary values, plus arbitrary extras. */
function query(extra: Record<string, fc.Arbitrary<string>> = {}): fc.Arbitrary<string> {
  const pair = fc.tuple(
    fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...QUERY_KEYS) }, anyString),
    queryValue,
  )
  return fc
    .tuple(fc.record(extra, { requiredKeys: [] }), fc.array(pair, { maxLength: 4 }), fc.boolean())
    .map(([fixed, pairs, raw]) => {
      const params = new URLSearchParams(defined(fixed))
      for (const [k, v] of pairs) params.append(k, v)
      // Now and then a query string that was never URL-encoded at all.
      const text = raw && pairs[0] ? `${pairs[0][0]}=${pairs[0][1]}` : params.toString()
      return text ? `?${text}` : ''
    })
}

/** A path segment: the real id, a near miss of it, or junk (URL-encoded so the URL stays a URL). */
function segment(real: string[]): fc.Arbitrary<string> {
  return fc
    .oneof(
      { weight: 3, arbitrary: fc.constantFrom(...real) },
      { weight: 1, arbitrary: fc.constantFrom(...real).map((r) => `${r}x`) },
      { weight: 1, arbitrary: fc.constantFrom(...real).map((r) => r.toUpperCase()) },
      { weight: 2, arbitrary: anyString.filter((s) => s.length > 0 && s.length < 3000) },
    )
    .map((s) => encodeURIComponent(wellFormed(s)))
}

/** A lone surrogate cannot be URL-encoded: it becomes U+FFFD, as a browser would send it. */
function wellFormed(s: string): string {
  return s.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD')
}

const contentType = (right: string) =>
  fc.oneof(
    { weight: 8, arbitrary: fc.constant(right) },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        'application/json',
        'application/json; charset=utf-8',
        'APPLICATION/JSON',
        'text/plain',
        'text/plain;charset=UTF-8',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x',
        'application/xml',
        '',
        ';;;',
      ),
    },
    { weight: 1, arbitrary: anyString.filter((s) => s.length < 200) },
  )

function authorization(f: Fixtures, right: string | null, spare = false): fc.Arbitrary<string | null> {
  // Routes that delete settings get the spare program's key in place of the main one.
  const sk = spare ? f.spareSk : f.sk
  return fc.oneof(
    { weight: 6, arbitrary: fc.constant(right) },
    {
      weight: 3,
      arbitrary: fc.constantFrom<string | null>(
        null,
        `Bearer ${sk}`,
        `Bearer ${f.testSk}`,
        `Bearer ${f.pk}`,
        `Bearer ${f.admin}`,
        `bearer  ${sk}`,
        `Bearer ${sk.slice(0, -1)}`,
        'Bearer sk_live_',
        'Bearer',
        `Basic ${btoa('a:b')}`,
        `Bearer ${'k'.repeat(5000)}`,
      ),
    },
    { weight: 1, arbitrary: anyString.filter((s) => s.length < 300) },
  )
}

/** Headers a client might send, some of them hostile; kept to what a Request may carry. */
function extraHeaders(session: Fixtures['session']): fc.Arbitrary<Record<string, string>> {
  return fc
    .record(
      {
        'user-agent': fc.oneof(
          fc.constant(
            'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36',
          ),
          fc.constantFrom('curl/8.0', 'Googlebot/2.1', ''),
          anyString.filter((s) => s.length < 500),
        ),
        origin: fc.constantFrom('http://collector.test', 'https://evil.example', 'null', ''),
        'sec-fetch-site': fc.constantFrom('same-origin', 'cross-site', 'none', 'same-site'),
        'sec-purpose': fc.constantFrom('prefetch', 'prefetch;prerender'),
        cookie: fc.oneof(
          fc.constant(session.cookie),
          fc.constant(`${session.cookie}x`),
          fc.constant('rl_session=eyJraW5kIjoic2Vzc2lvbiJ9.AAAA'),
          anyString.filter((s) => s.length < 500),
        ),
        'x-csrf-token': fc.oneof(
          fc.constant(session.csrf),
          anyString.filter((s) => s.length < 200),
        ),
        referer: anyString.filter((s) => s.length < 3000),
        upgrade: fc.constantFrom('websocket', 'h2c'),
      },
      { requiredKeys: [] },
    )
    .chain((headers) =>
      // Always an address, mostly a different one: the per-IP rate limits are not what this test is about.
      fc
        .oneof(
          { weight: 8, arbitrary: fc.ipV4() },
          { weight: 1, arbitrary: fc.ipV6() },
          { weight: 1, arbitrary: anyString.filter((s) => s.length < 100) },
        )
        .map((ip) => ({ ...headers, 'cf-connecting-ip': ip })),
    )
}

/** Header values must be ByteStrings without line breaks; anything else is dropped, not sent. */
function cleanHeaders(h: Record<string, string | null | undefined>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(h)) {
    if (v == null) continue
    if (/[^\t\x20-\x7e\x80-\xff]/.test(v)) continue
    out[k] = v
  }
  return out
}

// ---------------------------------------------------------------- Stripe events

const STRIPE_EVENTS = [
  chargeRefunded,
  checkoutGuest,
  checkoutSub,
  disputeCreated,
  invoicePaid,
  invoicePaidLegacy,
  invoicePaymentPaid,
  promotionCode,
  subscriptionDeleted,
] as unknown as Array<{ data: { object: Record<string, unknown> } } & Record<string, unknown>>

/** A real Stripe event (one of the recorded fixtures) with its object bent, under a fresh event id. */
const stripeEvent: fc.Arbitrary<string> = fc
  .tuple(fc.constantFrom(...STRIPE_EVENTS), fc.integer({ min: 0, max: 1e9 }), fc.boolean())
  .chain(([event, n, bendTop]) =>
    bentObject(event.data.object).chain((object) => {
      const bent = { ...event, id: `evt_fuzz_${n}`, data: { ...event.data, object } }
      return (bendTop ? bentObject(bent) : fc.constant(bent)).map((e) => JSON.stringify(e))
    }),
  )

// ---------------------------------------------------------------- routes

interface RouteSpec {
  route: string
  method: string
  path: fc.Arbitrary<string>
  auth: string | null
  /** Signed in to the dashboard: the session cookie (and CSRF token) are mostly the real ones. */
  session?: boolean
  /** Acts on the spare program only (it deletes or replaces settings the run relies on). */
  spare?: boolean
  /** How often, relative to the others, this route is drawn (default 1): more for rich inputs. */
  weight?: number
  contentType?: string
  body?: fc.Arbitrary<string | Uint8Array>
  stripeSign?: boolean
}

function routes(f: Fixtures): RouteSpec[] {
  const sk = `Bearer ${f.sk}`
  const admin = `Bearer ${f.admin}`
  const aff = segment([f.affiliateId, f.affiliateCode])
  const commission = segment([f.commissionId])
  const endpoint = segment([f.spareEndpointId])
  const spareSk = `Bearer ${f.spareSk}`
  const scope = {
    program: fc.constantFrom(f.programId, 'prg_nope', ''),
    mode: fc.constantFrom('live', 'test', 'x'),
  }
  const json = 'application/json'
  const r = (spec: RouteSpec) => spec
  return [
    r({ route: 'GET /healthz', method: 'GET', path: query().map((q) => `/healthz${q}`), auth: null }),
    r({
      route: 'POST /v1/clicks',
      weight: 2,
      method: 'POST',
      path: fc.constant('/v1/clicks'),
      auth: null,
      contentType: 'text/plain',
      body: body({
        key: f.pk,
        click_id: f.clickId,
        ref: f.affiliateCode,
        url: 'https://saas.example/?ref=x',
        referrer: 'https://blog.example/',
        sub: 'spring',
        prev_click_id: f.clickId,
      }),
    }),
    r({
      route: 'POST /v1/programs',
      weight: 2,
      method: 'POST',
      path: fc.constant('/v1/programs'),
      auth: admin,
      contentType: json,
      body: body({
        name: 'Fuzzed',
        currency: 'EUR',
        cookie_days: 30,
        attribution: 'first_click',
        commission: { type: 'percent', percent: 25 },
        recurring_months: 12,
        hold_days: 14,
        bonus: { amount: 5000, currency: 'EUR', within_hours: 24 },
        landing_url: 'https://saas.example/',
        allowed_origins: ['https://saas.example'],
      }),
    }),
    r({
      route: 'GET /v1/programs',
      method: 'GET',
      path: query().map((q) => `/v1/programs${q}`),
      auth: admin,
    }),
    r({
      route: 'POST /v1/programs/:id/keys/roll',
      method: 'POST',
      path: segment([f.rollProgramId]).map((id) => `/v1/programs/${id}/keys/roll`),
      auth: admin,
    }),
    r({
      route: 'POST /v1/affiliates',
      weight: 2,
      method: 'POST',
      path: fc.constant('/v1/affiliates'),
      auth: sk,
      contentType: json,
      body: body({
        name: 'Fuzz Partner',
        email: 'fuzz@example.com',
        code: 'fuzzpartner',
        commission: { type: 'flat', amount: 1000, currency: 'USD' },
      }),
    }),
    r({
      route: 'GET /v1/affiliates',
      method: 'GET',
      path: query().map((q) => `/v1/affiliates${q}`),
      auth: sk,
    }),
    r({
      route: 'GET /v1/affiliates/:id',
      method: 'GET',
      path: aff.map((a) => `/v1/affiliates/${a}`),
      auth: sk,
    }),
    r({
      route: 'PATCH /v1/affiliates/:id',
      weight: 2,
      method: 'PATCH',
      path: aff.map((a) => `/v1/affiliates/${a}`),
      auth: sk,
      contentType: json,
      body: body({ name: 'Renamed', email: 'renamed@example.com', status: 'active', commission: null }),
    }),
    r({
      route: 'POST /v1/signups',
      weight: 2,
      method: 'POST',
      path: fc.constant('/v1/signups'),
      auth: sk,
      contentType: json,
      body: body({
        event_id: 'signup:fuzz',
        customer_id: 'cus_fuzz',
        click_id: f.clickId,
        ref: f.affiliateCode,
        email: 'someone@example.com',
        occurred_at: '2026-01-01T00:00:00Z',
      }),
    }),
    r({
      route: 'POST /v1/conversions',
      weight: 3,
      method: 'POST',
      path: fc.constant('/v1/conversions'),
      auth: sk,
      contentType: json,
      body: body({
        event_id: 'in_fuzz',
        customer_id: 'cus_fuzz',
        click_id: f.clickId,
        ref: f.affiliateCode,
        amount: 4900,
        currency: 'USD',
        occurred_at: '2026-01-01T00:00:00Z',
        metadata: { plan: 'pro', seats: 3, trial: false, note: null },
      }),
    }),
    r({
      route: 'POST /v1/refunds',
      weight: 2,
      method: 'POST',
      path: fc.constant('/v1/refunds'),
      auth: sk,
      contentType: json,
      body: body({ event_id: 're_fuzz', conversion_event_id: f.conversionEventId, amount: 100 }),
    }),
    r({
      route: 'GET /v1/stats',
      weight: 4,
      method: 'GET',
      path: query({ from: absurdDate, to: absurdDate }).map((q) => `/v1/stats${q}`),
      auth: sk,
    }),
    r({
      route: 'GET /v1/commissions',
      weight: 2,
      method: 'GET',
      path: query({
        status: fc.constantFrom('pending', 'approved,paid', 'bogus', 'pending,'),
        limit: queryValue,
      }).map((q) => `/v1/commissions${q}`),
      auth: sk,
    }),
    r({
      route: 'POST /v1/commissions/:id/approve|reject',
      method: 'POST',
      path: fc
        .tuple(commission, fc.constantFrom('approve', 'reject'))
        .map(([id, action]) => `/v1/commissions/${id}/${action}`),
      auth: sk,
    }),
    r({
      route: 'GET /v1/live',
      method: 'GET',
      path: query({ token: fc.oneof(fc.constant(f.portalToken), anyString), ...scope }).map(
        (q) => `/v1/live${q}`,
      ),
      auth: null,
    }),
    r({
      route: 'POST /v1/live/tokens',
      method: 'POST',
      path: fc.constant('/v1/live/tokens'),
      auth: sk,
      contentType: json,
      body: body({ affiliate_id: f.affiliateId }),
    }),
    r({ route: 'GET /r.js', method: 'GET', path: query().map((q) => `/r.js${q}`), auth: null }),
    r({
      route: 'GET /go/:code[/:sub]',
      method: 'GET',
      path: fc
        .tuple(
          segment([f.affiliateCode]),
          fc.option(segment(['spring'])),
          query({ to: anyString, sub: anyString }),
        )
        .map(([code, sub, q]) => `/go/${code}${sub ? `/${sub}` : ''}${q}`),
      auth: null,
    }),
    r({
      route: 'GET /assets/:file',
      method: 'GET',
      path: segment(['dashboard.js', 'portal.js', 'styles.css']).map((file) => `/assets/${file}`),
      auth: null,
    }),
    r({
      route: 'GET /dashboard/sign-in',
      method: 'GET',
      path: fc.constant('/dashboard/sign-in'),
      auth: null,
    }),
    r({
      route: 'POST /dashboard/sign-in',
      method: 'POST',
      path: fc.constant('/dashboard/sign-in'),
      auth: null,
      contentType: 'application/x-www-form-urlencoded',
      body: formBody({ _csrf: anyString, token: fc.oneof(fc.constant(f.admin), anyString) }),
    }),
    r({
      route: 'POST /dashboard/sign-out',
      method: 'POST',
      path: fc.constant('/dashboard/sign-out'),
      auth: null,
      contentType: 'application/x-www-form-urlencoded',
      body: formBody({ _csrf: fc.oneof(fc.constant(f.spareSession.csrf), anyString) }),
    }),
    r({
      route: 'GET /dashboard',
      session: true,
      method: 'GET',
      path: query({ ...scope, affiliate: anyString, from: absurdDate, to: absurdDate }).map(
        (q) => `/dashboard${q}`,
      ),
      auth: null,
    }),
    r({
      route: 'GET /dashboard/api/overview',
      weight: 3,
      session: true,
      method: 'GET',
      path: query({ ...scope, from: absurdDate, to: absurdDate, tz: queryValue }).map(
        (q) => `/dashboard/api/overview${q}`,
      ),
      auth: null,
    }),
    r({
      route: 'GET /dashboard/api/commissions',
      session: true,
      method: 'GET',
      path: query(scope).map((q) => `/dashboard/api/commissions${q}`),
      auth: null,
    }),
    r({
      route: 'POST /dashboard/api/commissions/:id/:action',
      session: true,
      method: 'POST',
      path: fc
        .tuple(commission, fc.constantFrom('approve', 'reject', 'pay'), query(scope))
        .map(([id, action, q]) => `/dashboard/api/commissions/${id}/${action}${q}`),
      auth: null,
    }),
    r({
      route: 'POST /dashboard/api/affiliates',
      session: true,
      method: 'POST',
      path: query(scope).map((q) => `/dashboard/api/affiliates${q}`),
      auth: null,
      contentType: json,
      body: body({ name: 'Dash Partner', email: 'dash@example.com', code: '' }),
    }),
    r({
      route: 'POST /v1/webhook-endpoints',
      method: 'POST',
      path: fc.constant('/v1/webhook-endpoints'),
      auth: spareSk,
      spare: true,
      contentType: json,
      body: body({ url: 'https://hooks.example/refline', events: ['conversion.created', 'refund.created'] }),
    }),
    r({
      route: 'GET /v1/webhook-endpoints[/:id]',
      method: 'GET',
      path: fc.option(endpoint).map((id) => `/v1/webhook-endpoints${id ? `/${id}` : ''}`),
      auth: spareSk,
      spare: true,
    }),
    r({
      route: 'PATCH /v1/webhook-endpoints/:id',
      method: 'PATCH',
      path: endpoint.map((id) => `/v1/webhook-endpoints/${id}`),
      auth: spareSk,
      spare: true,
      contentType: json,
      body: body({ url: 'https://hooks.example/other', events: ['signup.created'], enabled: true }),
    }),
    r({
      route: 'DELETE /v1/webhook-endpoints/:id',
      spare: true,
      method: 'DELETE',
      path: endpoint.map((id) => `/v1/webhook-endpoints/${id}`),
      auth: spareSk,
    }),
    r({
      route: 'GET /v1/webhook-endpoints/:id/deliveries',
      method: 'GET',
      path: fc
        .tuple(endpoint, query({ limit: queryValue, status: anyString }))
        .map(([id, q]) => `/v1/webhook-endpoints/${id}/deliveries${q}`),
      auth: spareSk,
      spare: true,
    }),
    r({
      route: 'POST /v1/webhook-endpoints/:id/deliveries/:delivery_id/resend',
      method: 'POST',
      path: fc
        .tuple(endpoint, segment(['whd_none']))
        .map(([id, d]) => `/v1/webhook-endpoints/${id}/deliveries/${d}/resend`),
      auth: spareSk,
      spare: true,
    }),
    r({
      route: 'PUT /v1/integrations/stripe',
      spare: true,
      method: 'PUT',
      path: fc.constant('/v1/integrations/stripe'),
      auth: `Bearer ${f.spareSk}`,
      contentType: json,
      body: body({ webhook_secret: 'whsec_spareSecret0001', test_webhook_secret: 'whsec_spareTest0001' }),
    }),
    r({
      route: 'GET|DELETE /v1/integrations/stripe',
      method: 'GET',
      path: fc.constant('/v1/integrations/stripe'),
      auth: sk,
    }),
    r({
      route: 'GET|DELETE /v1/integrations/stripe',
      spare: true,
      method: 'DELETE',
      path: fc.constant('/v1/integrations/stripe'),
      auth: `Bearer ${f.spareSk}`,
    }),
    r({
      route: 'POST /v1/integrations/stripe/:program_id',
      weight: 3,
      method: 'POST',
      path: segment([f.programId]).map((id) => `/v1/integrations/stripe/${id}`),
      auth: null,
      contentType: json,
      body: fc.oneof({ weight: 4, arbitrary: stripeEvent }, { weight: 1, arbitrary: body({}) }),
      stripeSign: true,
    }),
    r({
      route: 'GET /portal/:token[/data.json]',
      weight: 2,
      method: 'GET',
      path: fc
        .tuple(segment([f.portalToken]), fc.boolean(), query({ tz: queryValue }))
        .map(([t, data, q]) => `/portal/${t}${data ? '/data.json' : ''}${q}`),
      auth: null,
    }),
  ]
}

/** Methods a route does not take, and paths no route has, answer 404 in the error shape. */
const stray = fc.record({
  method: fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD'),
  path: fc.constantFrom(
    '/v1/payouts',
    '/v1/program',
    '/v1',
    '/',
    '/v1/stats/x',
    '/v1/clicks',
    '/v1/affiliates',
  ),
})

/** The name of every route the generator covers (each must be reached in a run). */
export function routeNames(f: Fixtures): string[] {
  return [...new Set(routes(f).map((r) => r.route)), 'stray method or path']
}

/** One generated request to one of the collector's routes. */
export function fuzzRequest(f: Fixtures): fc.Arbitrary<FuzzRequest> {
  const specs = routes(f).map((spec) => ({
    weight: spec.weight ?? 1,
    arbitrary: fc
      .record({
        path: spec.path,
        auth: authorization(f, spec.auth, spec.spare),
        type: contentType(spec.contentType ?? 'application/json'),
        body: spec.body ?? fc.option(body({}), { freq: 4 }),
        extra: extraHeaders(spec.route === 'POST /dashboard/sign-out' ? f.spareSession : f.session),
        signedIn: fc.boolean().map((b) => b || !spec.session),
        // Mostly signed with the real secret, so bent events get past the signature check.
        sign: fc.boolean().chain((b) => (b ? fc.constant(true) : fc.boolean())),
      })
      .map(({ path, auth, type, body: sent, extra, signedIn, sign }): FuzzRequest => {
        const hasBody = sent !== null && spec.method !== 'GET'
        return {
          route: spec.route,
          method: spec.method,
          path,
          headers: cleanHeaders({
            ...extra,
            ...(spec.session && signedIn ? { cookie: f.session.cookie, 'x-csrf-token': f.session.csrf } : {}),
            authorization: auth,
            ...(hasBody ? { 'content-type': type } : {}),
          }),
          ...(hasBody ? { body: typeof sent === 'string' ? encoder.encode(sent) : sent } : {}),
          ...(spec.stripeSign && sign ? { stripeSign: true } : {}),
        }
      }),
  }))
  const strayRequest = fc
    .tuple(stray, authorization(f, `Bearer ${f.sk}`), fc.option(body({}), { freq: 2 }))
    .map(
      ([s, auth, sent]): FuzzRequest => ({
        route: 'stray method or path',
        method: s.method,
        path: s.path,
        headers: cleanHeaders({ authorization: auth, 'content-type': 'application/json' }),
        ...(sent !== null && s.method !== 'GET' && s.method !== 'HEAD'
          ? { body: typeof sent === 'string' ? encoder.encode(sent) : sent }
          : {}),
      }),
    )
  return fc.oneof(...specs, { weight: 1, arbitrary: strayRequest })
}
