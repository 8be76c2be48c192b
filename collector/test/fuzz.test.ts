/**
 * Generated-input test over every route of the collector (fuzz-inputs.ts lists them): each
 * request is valid then bent, or junk outright, with arbitrary queries and headers. Every answer
 * must be below 500, every JSON error must have the one shape, and a refused request must leave
 * everything stored as it was: the row count of every D1 table and the hubs' live totals.
 *
 * Reproducible: the seed is fixed (FUZZ_SEED below). To explore further, run with another seed
 * or more runs, e.g. `FUZZ_SEED=7 FUZZ_RUNS=5000 pnpm exec vitest run test/fuzz.test.ts`; a
 * failure prints the seed and the shrunk request to replay it.
 */
import { createExecutionContext, env } from 'cloudflare:test'
import fc from 'fast-check'
import { beforeAll, describe, expect, it } from 'vitest'
import worker from '../src/index'
import { type Fixtures, type FuzzRequest, fuzzRequest, routeNames } from './fuzz-inputs'
import { dashboardSession, expectErrorShape, type StoredState, settle, storedState } from './fuzz-support'
import { ADMIN, call, clickId, createAffiliate, createProgram, sendClick } from './helpers'

/** FUZZ_SEED, FUZZ_RUNS and FUZZ_TIME_LIMIT_MS from the shell, passed in by vitest.config.ts. */
const settings = JSON.parse((env as unknown as { FUZZ?: string }).FUZZ ?? '{}') as Record<
  string,
  string | undefined
>
const SEED = Number(settings.seed || 20_261_201)
const RUNS = Number(settings.runs || 1_000)
/** A hard stop well inside the test timeout, whatever RUNS says. */
const TIME_LIMIT_MS = Number(settings.timeLimitMs || 40_000)

let f: Fixtures
let programs: string[]

const STRIPE_SECRET = 'whsec_fuzzSigningSecret0001'

beforeAll(async () => {
  const main = await createProgram({ landing_url: 'https://saas.example/' })
  const spare = await createProgram({ name: 'Spare' })
  const rolled = await createProgram({ name: 'Rolled' })
  const aff = await createAffiliate(main.keys.secret, { name: 'Jane Fuzz' })
  // On the spare program only, which gets no events: nothing is delivered anywhere.
  const endpoint = await call('POST', '/v1/webhook-endpoints', {
    token: spare.keys.secret,
    body: { url: 'https://hooks.example/refline', events: ['conversion.created'] },
  })
  expect(endpoint.status).toBe(201)
  const stripe = await call('PUT', '/v1/integrations/stripe', {
    token: main.keys.secret,
    body: { webhook_secret: STRIPE_SECRET },
  })
  expect(stripe.status).toBe(200)
  const click = clickId()
  expect((await sendClick(main.keys.publishable, { ref: aff.code, click_id: click })).status).toBe(202)
  const conversion = await call('POST', '/v1/conversions', {
    token: main.keys.secret,
    body: {
      event_id: 'in_fixture',
      customer_id: 'cus_fixture',
      click_id: click,
      amount: 4900,
      currency: 'USD',
    },
  })
  expect(conversion.status).toBe(201)
  f = {
    admin: ADMIN,
    sk: main.keys.secret,
    testSk: main.keys.test_secret,
    pk: main.keys.publishable,
    testPk: main.keys.test_publishable,
    programId: main.program.id,
    spareProgramId: spare.program.id,
    spareSk: spare.keys.secret,
    rollProgramId: rolled.program.id,
    stripeSecret: STRIPE_SECRET,
    spareEndpointId: endpoint.body.endpoint.id,
    affiliateId: aff.id,
    affiliateCode: aff.code,
    portalToken: new URL(aff.portal_url).pathname.split('/').pop() ?? '',
    commissionId: conversion.body.conversion.commission.id,
    conversionEventId: 'in_fixture',
    clickId: click,
    session: await dashboardSession(),
    spareSession: await dashboardSession(),
  }
  programs = [main.program.id, spare.program.id]
  await settle(programs)
})

const hex = (buf: ArrayBuffer) =>
  [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, '0')).join('')

/** `Stripe-Signature: t=…,v1=…`: HMAC-SHA256 of "t.payload" keyed with the endpoint secret, as Stripe signs. */
async function stripeSignature(payload: Uint8Array, secret: string): Promise<string> {
  const t = Math.floor(Date.now() / 1000)
  const key = await crypto.subtle.importKey(
    'raw',
    new TextEncoder().encode(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  )
  const signed = new Uint8Array([...new TextEncoder().encode(`${t}.`), ...payload])
  return `t=${t},v1=${hex(await crypto.subtle.sign('HMAC', key, signed))}`
}

/** Routes whose every answer is JSON; elsewhere (pages, the portal's plain 404, r.js) an error may be HTML or text. */
const JSON_ROUTE = /^\/(v1|dashboard\/api|go)\//

async function send(req: FuzzRequest): Promise<Response | null> {
  if (req.stripeSign && req.body instanceof Uint8Array) {
    req.headers['stripe-signature'] = await stripeSignature(req.body, f.stripeSecret)
  }
  let request: Request
  try {
    request = new Request(`http://collector.test${req.path}`, {
      method: req.method,
      headers: req.headers,
      ...(req.body !== undefined ? { body: req.body } : {}),
    })
  } catch {
    return null // Not a request any client could send (the runtime refuses to build it).
  }
  return worker.fetch(request, env, createExecutionContext())
}

const describeRequest = (req: FuzzRequest) =>
  `${req.route}: ${req.method} ${req.path.slice(0, 300)} ${JSON.stringify(req.headers).slice(0, 300)} ${
    req.body === undefined
      ? ''
      : typeof req.body === 'string'
        ? req.body.slice(0, 300)
        : new TextDecoder().decode(req.body.slice(0, 300))
  }`

describe('generated requests to every route', () => {
  it(
    `never answer 5xx, always answer errors in the one shape, and write nothing when refused (seed ${SEED})`,
    async () => {
      const tally = {
        sent: 0,
        unsendable: 0,
        accepted: 0,
        refused: 0,
        byStatus: {} as Record<number, number>,
      }
      const byRoute: Record<string, Record<number, number>> = {}
      let state: StoredState = await storedState(programs)
      const started = Date.now()

      await fc.assert(
        fc.asyncProperty(fuzzRequest(f), async (req) => {
          const res = await send(req)
          if (!res) {
            tally.unsendable++
            return
          }
          tally.sent++
          const statuses = byRoute[req.route] ?? {}
          byRoute[req.route] = statuses
          statuses[res.status] = (statuses[res.status] ?? 0) + 1
          tally.byStatus[res.status] = (tally.byStatus[res.status] ?? 0) + 1
          const context = describeRequest(req)
          if (res.status === 101) {
            // A WebSocket was opened (a valid portal token with Upgrade): close it again.
            res.webSocket?.accept()
            res.webSocket?.close(1000, 'fuzz')
          }
          const text = res.status === 101 ? '' : await res.text()
          expect(res.status, `${context}\n→ ${text.slice(0, 300)}`).toBeLessThan(500)
          const isJson = (res.headers.get('content-type') ?? '').includes('application/json')
          // A HEAD answer has no body to check.
          if (
            res.status >= 400 &&
            req.method !== 'HEAD' &&
            (isJson || JSON_ROUTE.test(new URL(`http://x${req.path}`).pathname))
          ) {
            expectErrorShape(text, context)
          }
          if (res.status >= 400) {
            tally.refused++
            expect(await storedState(programs), `a refused request wrote something: ${context}`).toEqual(
              state,
            )
          } else {
            tally.accepted++
            await settle(programs)
            state = await storedState(programs)
          }
        }),
        { seed: SEED, numRuns: RUNS, interruptAfterTimeLimit: TIME_LIMIT_MS, markInterruptAsFailure: false },
      )

      const seconds = ((Date.now() - started) / 1000).toFixed(1)
      const routes = Object.entries(byRoute)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([route, st]) => `  ${route}: ${JSON.stringify(st)}`)
        .join('\n')
      console.log(
        `fuzz: seed ${SEED}, ${tally.sent} requests in ${seconds} s (${tally.accepted} accepted, ${tally.refused} refused, ${tally.unsendable} unsendable); by status ${JSON.stringify(tally.byStatus)}; by route and status:\n${routes}`,
      )
      // The run means something only if it got through most of its requests and, at the default
      // size, reached every route (a short exploratory run may miss some).
      expect(tally.sent).toBeGreaterThanOrEqual(Math.min(RUNS, 500) * 0.9)
      if (RUNS >= 500) expect(Object.keys(byRoute).sort()).toEqual(routeNames(f).sort())
    },
    TIME_LIMIT_MS + 80_000,
  )
})
