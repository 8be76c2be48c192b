/**
 * Mode isolation (DESIGN.md *Modes*): a test key acts on test data only. It may attribute to live
 * affiliates, but never changes a live record, never sees a live affiliate's email or portal link
 * and never changes program settings. A live key never sees or touches test records either.
 * One table, every route that names an affiliate, a commission, the program, stats or live tokens,
 * run with both keys against a live and a test record.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import type { ProgramCreated } from '../src/shared'
import { call, createAffiliate, createProgram } from './helpers'
import { openSocket, settle } from './live-socket'

type KeyMode = 'live' | 'test'
type Rec = { id: string; code: string; commissionId: string }

let program: ProgramCreated
const rec = {} as Record<KeyMode, Rec>
let n = 0

function keyOf(mode: KeyMode): string {
  return mode === 'live' ? program.keys.secret : program.keys.test_secret
}

/** An affiliate of that mode with one pending commission of the same mode. */
async function record(mode: KeyMode): Promise<Rec> {
  const aff = await createAffiliate(keyOf(mode), { email: `${mode}-owner@example.com` })
  const conv = await call('POST', '/v1/conversions', {
    token: keyOf(mode),
    body: { event_id: `inv_${mode}_${++n}`, ref: aff.code, amount: 1000, currency: 'USD' },
  })
  expect(conv.status, JSON.stringify(conv.body)).toBe(201)
  return { id: aff.id, code: aff.code, commissionId: conv.body.conversion.commission.id }
}

beforeAll(async () => {
  program = await createProgram({ name: 'Modes' })
  rec.live = await record('live')
  rec.test = await record('test')
})

interface Case {
  name: string
  method: string
  path: (r: Rec) => string
  body?: unknown
  /** Expected status per key mode × record mode. */
  expect: Record<`${KeyMode}/${KeyMode}`, number>
}

const cases: Case[] = [
  {
    name: 'GET /v1/affiliates/:id',
    method: 'GET',
    path: (r) => `/v1/affiliates/${r.id}`,
    expect: { 'live/live': 200, 'live/test': 404, 'test/live': 200, 'test/test': 200 },
  },
  {
    name: 'GET /v1/affiliates/:code',
    method: 'GET',
    path: (r) => `/v1/affiliates/${r.code}`,
    expect: { 'live/live': 200, 'live/test': 404, 'test/live': 200, 'test/test': 200 },
  },
  {
    name: 'PATCH /v1/affiliates/:id (name)',
    method: 'PATCH',
    path: (r) => `/v1/affiliates/${r.id}`,
    body: { name: 'Renamed' },
    expect: { 'live/live': 200, 'live/test': 404, 'test/live': 403, 'test/test': 200 },
  },
  {
    name: 'PATCH /v1/affiliates/:id (status)',
    method: 'PATCH',
    path: (r) => `/v1/affiliates/${r.id}`,
    body: { status: 'active' },
    expect: { 'live/live': 200, 'live/test': 404, 'test/live': 403, 'test/test': 200 },
  },
  {
    name: 'POST /v1/affiliates/:id/portal-link',
    method: 'POST',
    path: (r) => `/v1/affiliates/${r.id}/portal-link`,
    expect: { 'live/live': 201, 'live/test': 404, 'test/live': 403, 'test/test': 403 },
  },
  {
    name: 'POST /v1/commissions/:id/reject',
    method: 'POST',
    path: (r) => `/v1/commissions/${r.commissionId}/reject`,
    expect: { 'live/live': 200, 'live/test': 404, 'test/live': 404, 'test/test': 200 },
  },
  {
    name: 'POST /v1/commissions/:id/approve',
    method: 'POST',
    path: (r) => `/v1/commissions/${r.commissionId}/approve`,
    // Rejected by the row above: a rejected commission cannot be approved (409), but only a key of
    // its own mode may even learn that it exists.
    expect: { 'live/live': 409, 'live/test': 404, 'test/live': 404, 'test/test': 409 },
  },
  {
    name: 'POST /v1/live/tokens {affiliate_id}',
    method: 'POST',
    path: () => '/v1/live/tokens',
    body: (r: Rec) => ({ affiliate_id: r.id }),
    // A test key may follow a live affiliate's *test* events (attribution to live affiliates is allowed).
    expect: { 'live/live': 201, 'live/test': 400, 'test/live': 201, 'test/test': 201 },
  },
]

describe('modes: every route × live key / test key × live record / test record', () => {
  for (const c of cases) {
    for (const key of ['live', 'test'] as const) {
      for (const target of ['live', 'test'] as const) {
        const expected = c.expect[`${key}/${target}`]
        it(`${c.name}: ${key} key on a ${target} record → ${expected}`, async () => {
          const r = rec[target]
          const body = typeof c.body === 'function' ? (c.body as (r: Rec) => unknown)(r) : c.body
          const res = await call(c.method, c.path(r), {
            token: keyOf(key),
            ...(body !== undefined ? { body } : {}),
          })
          expect(res.status, JSON.stringify(res.body)).toBe(expected)
          if (expected === 403) expect(res.body.error.code).toBe('forbidden')
        })
      }
    }
  }

  it('a test key never changes a live affiliate’s commission (the next live conversion pays the old rate)', async () => {
    const aff = await createAffiliate(program.keys.secret)
    const patch = await call('PATCH', `/v1/affiliates/${aff.id}`, {
      token: program.keys.test_secret,
      body: { commission: { type: 'percent', percent: 100 } },
    })
    expect(patch.status).toBe(403)
    const conv = await call('POST', '/v1/conversions', {
      token: program.keys.secret,
      body: { event_id: `inv_after_patch_${aff.id}`, ref: aff.code, amount: 10_000, currency: 'USD' },
    })
    expect(conv.body.conversion.commission.amount).toBe(3000)
  })

  it('a test key sees live affiliates without their email or portal link, and its own in full', async () => {
    const list = await call('GET', '/v1/affiliates', { token: program.keys.test_secret })
    expect(list.status).toBe(200)
    const live = list.body.affiliates.find((a: { id: string }) => a.id === rec.live.id)
    const test = list.body.affiliates.find((a: { id: string }) => a.id === rec.test.id)
    expect(live).toMatchObject({ id: rec.live.id, code: rec.live.code, email: null, portal_url: null })
    expect(test).toMatchObject({ id: rec.test.id, email: 'test-owner@example.com' })
    expect(JSON.stringify(list.body)).not.toContain('live-owner@example.com')
    const one = await call('GET', `/v1/affiliates/${rec.live.id}`, { token: program.keys.test_secret })
    expect(one.body.affiliate).toMatchObject({ email: null, portal_url: null })
    expect(JSON.stringify(one.body)).not.toContain('/portal/')
  })

  it('a live key lists live affiliates only', async () => {
    const list = await call('GET', '/v1/affiliates', { token: program.keys.secret })
    const ids = list.body.affiliates.map((a: { id: string }) => a.id)
    expect(ids).toContain(rec.live.id)
    expect(ids).not.toContain(rec.test.id)
  })

  it('commission lists and stats follow the key’s mode', async () => {
    for (const key of ['live', 'test'] as const) {
      const other = key === 'live' ? 'test' : 'live'
      const list = await call('GET', '/v1/commissions', { token: keyOf(key) })
      const ids = list.body.commissions.map((m: { id: string }) => m.id)
      expect(ids).toContain(rec[key].commissionId)
      expect(ids).not.toContain(rec[other].commissionId)
      const stats = await call('GET', `/v1/stats?affiliate=${rec[key].id}`, { token: keyOf(key) })
      expect(stats.status).toBe(200)
      expect(stats.body.mode).toBe(key)
    }
  })

  it('a live key filtering stats by a test affiliate is refused as the lists refuse it', async () => {
    // The lists answer 400 for an affiliate the key may not see; stats answered 200 with zeros,
    // which told a live key that the test affiliate exists.
    for (const path of ['/v1/stats', '/v1/commissions']) {
      const res = await call('GET', `${path}?affiliate=${rec.test.id}`, { token: keyOf('live') })
      expect(res.status, path).toBe(400)
      expect(res.body.error).toMatchObject({ code: 'invalid_request', field: 'affiliate' })
    }
    // A test key may filter by a live affiliate (test data may credit it).
    const cross = await call('GET', `/v1/stats?affiliate=${rec.live.id}`, { token: keyOf('test') })
    expect(cross.status).toBe(200)
  })

  it('GET /v1/program answers both keys; PATCH /v1/program is for the live key only', async () => {
    for (const key of ['live', 'test'] as const) {
      const res = await call('GET', '/v1/program', { token: keyOf(key) })
      expect(res.status).toBe(200)
      expect(res.body.program.id).toBe(program.program.id)
    }
    const refused = await call('PATCH', '/v1/program', {
      token: program.keys.test_secret,
      body: { hold_days: 0 },
    })
    expect(refused.status).toBe(403)
    expect(refused.body.error.code).toBe('forbidden')
    expect((await call('GET', '/v1/program', { token: program.keys.secret })).body.program.hold_days).toBe(30)
    const ok = await call('PATCH', '/v1/program', { token: program.keys.secret, body: { hold_days: 14 } })
    expect(ok.status).toBe(200)
    expect(ok.body.program.hold_days).toBe(14)
    const unknown = await call('PATCH', '/v1/program', { token: program.keys.secret, body: { nope: 1 } })
    expect(unknown.status).toBe(400)
    expect(unknown.body.error.field).toBe('nope')
  })

  it('a test live token for a live affiliate carries that affiliate’s test events only', async () => {
    const aff = await createAffiliate(program.keys.secret)
    const token = await call('POST', '/v1/live/tokens', {
      token: program.keys.test_secret,
      body: { affiliate_id: aff.id },
    })
    const socket = await openSocket(`/v1/live?token=${token.body.token}`)
    await socket.waitFor(1)
    await call('POST', '/v1/conversions', {
      token: program.keys.secret,
      body: { event_id: `inv_live_${aff.id}`, ref: aff.code, amount: 5000, currency: 'USD' },
    })
    await call('POST', '/v1/conversions', {
      token: program.keys.test_secret,
      body: { event_id: `inv_test_${aff.id}`, ref: aff.code, amount: 700, currency: 'USD' },
    })
    await socket.waitFor(3)
    await settle()
    expect(socket.messages[0]).toMatchObject({ type: 'snapshot', mode: 'test' })
    expect(socket.messages.slice(1).map((m) => (m as { amount?: number }).amount)).toEqual([700, 210])
    socket.ws.close(1000, 'done')
  })
})
