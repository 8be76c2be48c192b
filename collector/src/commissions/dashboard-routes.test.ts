/**
 * The dashboard's commissions page and its JSON endpoints through the real Worker: filters
 * (status, affiliate, dates) validated like `GET /v1/commissions`, one mode's data only, bulk
 * approve and reject with the reason in the history, approve everything due, and the page itself
 * behind the session. Also the `from`/`to` filters of `GET /v1/commissions`.
 */
import { describe, expect, it } from 'vitest'
import { fetchPage, postForm, signIn } from '../../test/dashboard-session'
import { call, createAffiliate, createProgram } from '../../test/helpers'
import type { CommissionRecord } from '../shared'

const API = '/dashboard/api/commission-review'

async function convert(sk: string, event_id: string, ref: string) {
  const res = await call('POST', '/v1/conversions', {
    token: sk,
    body: { event_id, ref, customer_id: `cus_${event_id}`, amount: 10_000, currency: 'USD' },
  })
  expect(res.status, JSON.stringify(res.body)).toBe(201)
  return res.body.conversion.commission.id as string
}

function review(session: { cookie: string }, query: string) {
  return fetchPage(`${API}?${query}`, { headers: { cookie: session.cookie } }).then((r) => ({
    status: r.status,
    body: JSON.parse(r.text),
  }))
}

function postJson(session: { cookie: string; csrf: string }, path: string, body?: unknown) {
  return fetchPage(path, {
    method: 'POST',
    headers: {
      cookie: session.cookie,
      'x-csrf-token': session.csrf,
      'sec-fetch-site': 'same-origin',
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  }).then((r) => ({ status: r.status, body: JSON.parse(r.text) }))
}

const ids = (list: CommissionRecord[]) => list.map((c) => c.id).sort()

describe('GET /v1/commissions from/to', () => {
  it('keeps the commissions created in the range and names the field it refuses', async () => {
    const { keys } = await createProgram()
    const aff = await createAffiliate(keys.secret)
    const a = await convert(keys.secret, 'inv_ft1', aff.code)
    const today = new Date().toISOString().slice(0, 10)
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10)
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10)
    const list = async (q: string) => {
      const res = await call('GET', `/v1/commissions?${q}`, { token: keys.secret })
      expect(res.status, JSON.stringify(res.body)).toBe(200)
      return (res.body.commissions as CommissionRecord[]).map((c) => c.id)
    }
    expect(await list(`from=${today}&to=${today}`)).toEqual([a])
    expect(await list(`from=${tomorrow}`)).toEqual([])
    expect(await list(`to=${yesterday}`)).toEqual([])
    expect(await list(`to=${new Date(Date.now() + 60_000).toISOString()}&affiliate=${aff.code}`)).toEqual([a])
    for (const [q, field] of [
      ['from=yesterday', 'from'],
      ['to=2026-02-30', 'to'],
      [`from=${tomorrow}&to=${today}`, 'from'],
    ]) {
      const res = await call('GET', `/v1/commissions?${q}`, { token: keys.secret })
      expect(res.status, q).toBe(400)
      expect(res.body.error.field).toBe(field)
    }
  })
})

describe('the commissions page', () => {
  it('filters by status, affiliate and dates, in one mode only, and refuses a bad filter naming it', async () => {
    const { program, keys } = await createProgram()
    const jane = await createAffiliate(keys.secret, { name: 'Jane' })
    const omar = await createAffiliate(keys.secret, { name: 'Omar' })
    const other = await createAffiliate((await createProgram()).keys.secret, { name: 'Elsewhere' })
    const j1 = await convert(keys.secret, 'inv_p1', jane.code)
    const o1 = await convert(keys.secret, 'inv_p2', omar.code)
    const t1 = await convert(keys.test_secret, 'inv_p3', jane.code)
    await call('POST', `/v1/commissions/${o1}/approve`, { token: keys.secret })
    const session = await signIn()
    const base = `program=${program.id}&mode=live`
    const today = new Date().toISOString().slice(0, 10)

    expect(ids((await review(session, base)).body.commissions)).toEqual([j1, o1].sort())
    expect(ids((await review(session, `${base}&status=pending,on_hold`)).body.commissions)).toEqual([j1])
    expect(ids((await review(session, `${base}&affiliate=${omar.id}`)).body.commissions)).toEqual([o1])
    expect(ids((await review(session, `${base}&from=${today}&to=${today}`)).body.commissions)).toEqual(
      [j1, o1].sort(),
    )
    expect((await review(session, `${base}&to=2000-01-01`)).body.commissions).toEqual([])
    // Test mode shows test data only; live never shows it.
    expect(ids((await review(session, `program=${program.id}&mode=test`)).body.commissions)).toEqual([t1])

    for (const [q, field] of [
      ['status=maybe', 'status'],
      ['from=soon', 'from'],
      ['from=2026-03-02&to=2026-03-01', 'from'],
      ['affiliate=nobody', 'affiliate'],
      [`affiliate=${other.id}`, 'affiliate'],
    ]) {
      const res = await review(session, `${base}&${q}`)
      expect(res.status, q).toBe(400)
      expect(res.body.error.field).toBe(field)
    }
    // The overview's short list takes the same filter.
    const short = await fetchPage(`/dashboard/api/commissions?${base}&affiliate=nobody`, {
      headers: { cookie: session.cookie },
    })
    expect(short.status).toBe(400)
    expect(JSON.parse(short.text).error.field).toBe('affiliate')
    const both = await review(session, `program=${program.id}&mode=both`)
    expect(both.status).toBe(400)
    expect(both.body.error.field).toBe('mode')
    const out = await fetchPage(`${API}?${base}`)
    expect(out.status).toBe(401)

    const page = await fetchPage(`/dashboard/commissions?${base}&affiliate=${jane.id}&from=${today}`, {
      headers: { cookie: session.cookie },
    })
    expect(page.status).toBe(200)
    expect(page.text).toContain(`data-affiliate="${jane.id}"`)
    expect(page.text).toContain('Jane (')
    expect(page.text).toContain(`created from ${today}`)
    expect(page.text).toContain('href="/dashboard/commissions?program=')
  })

  it('approves and rejects a selection in one call, with the reason in the history', async () => {
    const { program, keys } = await createProgram()
    const aff = await createAffiliate(keys.secret)
    const a = await convert(keys.secret, 'inv_b1', aff.code)
    const b = await convert(keys.secret, 'inv_b2', aff.code)
    const c = await convert(keys.secret, 'inv_b3', aff.code)
    const session = await signIn()
    const q = `program=${program.id}&mode=live`

    const approved = await postJson(session, `${API}/approve?${q}`, { ids: [a, b] })
    expect(approved.status).toBe(200)
    expect(approved.body.results.map((r: { ok: boolean }) => r.ok)).toEqual([true, true])
    const rejected = await postJson(session, `${API}/reject?${q}`, {
      ids: [c, 'com_nope'],
      reason: 'duplicate',
    })
    expect(rejected.body.results).toMatchObject([
      { id: c, ok: true, commission: { status: 'rejected', amount: 0 } },
      { id: 'com_nope', ok: false, error: { code: 'not_found' } },
    ])
    const detail = await fetchPage(`${API}/${c}?${q}`, { headers: { cookie: session.cookie } })
    const history = JSON.parse(detail.text).commission.history
    expect(history.map((h: { type: string }) => h.type)).toEqual(['created', 'rejected'])
    expect(history[1]).toMatchObject({ actor: 'founder', reason: 'duplicate' })

    // Validation names the field; without the CSRF token nothing happens.
    const empty = await postJson(session, `${API}/approve?${q}`, { ids: [] })
    expect(empty.status).toBe(400)
    expect(empty.body.error.field).toBe('ids')
    const forged = await postForm({ cookie: session.cookie, csrf: 'wrong' }, `${API}/approve?${q}`, {
      ids: a,
    })
    expect(forged.status).toBe(403)
    // A test-mode view cannot touch a live commission.
    const cross = await postJson(session, `${API}/reject?program=${program.id}&mode=test`, { ids: [a] })
    expect(cross.body.results[0]).toMatchObject({ ok: false, error: { code: 'not_found' } })
    const still = await call('GET', `/v1/commissions/${a}`, { token: keys.secret })
    expect(still.body.commission.status).toBe('approved')
  })

  it('counts and approves everything due, and nothing that is not', async () => {
    const { program, keys } = await createProgram({ hold_days: 0 })
    const aff = await createAffiliate(keys.secret)
    const due = await convert(keys.secret, 'inv_d1', aff.code)
    const session = await signIn()
    const q = `program=${program.id}&mode=live`
    expect((await review(session, q)).body.due).toBe(1)
    // A program with a hold: its pending commission is not due yet.
    const held = await createProgram({ hold_days: 30 })
    const heldAff = await createAffiliate(held.keys.secret)
    const notDue = await convert(held.keys.secret, 'inv_d2', heldAff.code)
    expect((await review(session, `program=${held.program.id}&mode=live`)).body.due).toBe(0)

    const res = await postJson(session, `${API}/approve-due?${q}`)
    expect(res.status).toBe(200)
    expect(res.body).toEqual({ approved: 1 })
    expect((await call('GET', `/v1/commissions/${due}`, { token: keys.secret })).body.commission.status).toBe(
      'approved',
    )
    expect((await review(session, q)).body.due).toBe(0)
    const none = await postJson(session, `${API}/approve-due?program=${held.program.id}&mode=live`)
    expect(none.body).toEqual({ approved: 0 })
    expect(
      (await call('GET', `/v1/commissions/${notDue}`, { token: held.keys.secret })).body.commission.status,
    ).toBe('pending')
  })
})

describe('the affiliate page’s signup reward', () => {
  it('sets their own reward, none, or the program’s, and names a refused field', async () => {
    const { program, keys } = await createProgram({ signup_reward: { amount: 5_000, currency: 'USD' } })
    const aff = await createAffiliate(keys.secret, { name: 'Rita' })
    const session = await signIn()
    const path = `/dashboard/affiliates/${aff.id}?program=${program.id}&mode=live`
    const reward = async () =>
      (await call('GET', `/v1/affiliates/${aff.id}`, { token: keys.secret })).body.affiliate.signup_reward

    const page = await fetchPage(path, { headers: { cookie: session.cookie } })
    expect(page.text).toContain('Program&#39;s ($50.00 per signup)')

    const own = await postForm(session, path, {
      action: 'signup-reward',
      reward: 'own',
      amount: '1500',
      within_hours: '48',
    })
    expect(own.status).toBe(200)
    expect(own.text).toContain('Signup reward saved.')
    expect(await reward()).toEqual({ amount: 1_500, currency: 'USD', within_hours: 48 })

    await postForm(session, path, { action: 'signup-reward', reward: 'none', amount: '' })
    expect(await reward()).toEqual({ amount: 0, currency: 'USD' })
    const signup = await call('POST', '/v1/signups', {
      token: keys.secret,
      body: { customer_id: 'cus_r', ref: aff.code },
    })
    expect(signup.body.signup.commission).toBeUndefined()

    const bad = await postForm(session, path, { action: 'signup-reward', reward: 'own', amount: '-5' })
    expect(bad.status).toBe(400)
    expect(bad.text).toContain('signup_reward.amount')
    expect(await reward()).toEqual({ amount: 0, currency: 'USD' })

    await postForm(session, path, { action: 'signup-reward', reward: '' })
    expect(await reward()).toBeNull()
  })
})
