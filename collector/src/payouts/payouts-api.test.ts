/**
 * Payouts through the real collector: zero- and three-decimal currencies in the files, concurrent
 * creation, modes, and bad input.
 */
import { env } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { call, createAffiliate, createProgram } from '../../test/helpers'
import { parseCsv } from '../domain/csv'
import type { PayoutRecord } from '../shared'
import { convert, createPayout, file, hub, passHold, portal } from './test-support'

describe('payout files, concurrency, modes and input', () => {
  it('writes zero-decimal currencies without decimals and needs ?currency= when a payout holds several', async () => {
    const { program, keys } = await createProgram({
      currency: 'JPY',
      commission: { type: 'percent', percent: 30 },
    })
    const sk = keys.secret
    const aff = await createAffiliate(sk, { email: 'yuki@partners.example' })
    await convert(sk, 'inv_jpy', aff.code, 4_900, 'JPY') // ¥1,470
    await convert(sk, 'inv_kwd', aff.code, 4_900, 'KWD') // 1.470 KWD
    await convert(sk, 'inv_usd', aff.code, 5_000, 'USD') // $15.00
    await passHold(program.id)
    const payout = await createPayout(sk)
    expect(payout?.totals).toEqual({ JPY: 1_470, KWD: 1_470, USD: 1_500 })
    const base = `/v1/payouts/${payout?.id}`

    const several = await call('GET', `${base}/paypal.csv`, { token: sk })
    expect(several.status).toBe(400)
    expect(several.body.error).toMatchObject({ code: 'invalid_request', field: 'currency' })
    const jpy = await file(sk, `${base}/paypal.csv?currency=jpy`)
    expect(jpy.status).toBe(200)
    expect(parseCsv(jpy.text).map((r) => r.slice(0, 4))).toEqual([
      ['yuki@partners.example', '1470', 'JPY', aff.id],
    ])
    const kwd = await file(sk, `${base}/paypal.csv?currency=KWD`)
    expect(parseCsv(kwd.text).map((r) => r[1])).toEqual(['1.470'])
    for (const bad of ['EUR', 'XX', 'dollars']) {
      const res = await call('GET', `${base}/paypal.csv?currency=${bad}`, { token: sk })
      expect(res.status, bad).toBe(400)
      expect(res.body.error.field).toBe('currency')
    }
    const rows = parseCsv((await file(sk, `${base}/export.csv`)).text)
    expect(rows.slice(1).map((r) => [r[4], r[5], r[6]])).toEqual([
      ['JPY', '1470', '1470'],
      ['KWD', '1.470', '1470'],
      ['USD', '15.00', '1500'],
    ])
  })

  it('never puts one commission in two payouts when payouts are created concurrently', async () => {
    const { program, keys } = await createProgram({ hold_days: 0 })
    const sk = keys.secret
    const affs = await Promise.all(Array.from({ length: 6 }, () => createAffiliate(sk)))
    let n = 0
    for (const a of affs) for (let i = 0; i < 3; i++) await convert(sk, `inv_c${n++}`, a.code, 1_000 + n)
    await passHold(program.id)
    const answers = await Promise.all(
      Array.from({ length: 6 }, () => call('POST', '/v1/payouts', { token: sk })),
    )
    const made = answers.filter((a) => a.status === 201)
    expect(made).toHaveLength(1)
    expect(answers.filter((a) => a.status === 200 && a.body.payout === null)).toHaveLength(5)
    const ids = made[0]?.body.payout.items.flatMap((i: { commission_ids: string[] }) => i.commission_ids)
    expect(new Set(ids).size).toBe(18)
    const { results } = await env.DB.prepare(
      'SELECT COUNT(DISTINCT payout_id) AS payouts, COUNT(*) AS n FROM commissions WHERE program_id = ?',
    )
      .bind(program.id)
      .all()
    expect(results[0]).toEqual({ payouts: 1, n: 18 })

    // Creation racing new conversions and a second creation: every commission ends in at most one.
    const more = await Promise.all([
      ...affs.map((a, i) => convert(sk, `inv_more${i}`, a.code, 2_000)),
      hub(program.id).approveDue(program.id, Date.now() + 1_000),
      call('POST', '/v1/payouts', { token: sk }),
      call('POST', '/v1/payouts', { token: sk }),
    ])
    expect(more).toHaveLength(affs.length + 3)
    await passHold(program.id)
    await call('POST', '/v1/payouts', { token: sk })
    const all = (await call('GET', '/v1/payouts', { token: sk })).body.payouts as PayoutRecord[]
    const gathered = all.flatMap((p) => p.items.flatMap((i) => i.commission_ids))
    expect(gathered).toHaveLength(24)
    expect(new Set(gathered).size).toBe(24)
    expect(await hub(program.id).audit()).toEqual([])
  })

  it('keeps modes apart: test keys make and see test payouts only, without live emails', async () => {
    const { keys } = await createProgram({ hold_days: 0 })
    const live = await createAffiliate(keys.secret, { email: 'live@partners.example' })
    const testAff = await createAffiliate(keys.test_secret, { email: 'test@partners.example' })
    const { program } = await (async () => {
      const res = await call('GET', '/v1/program', { token: keys.secret })
      return { program: res.body.program }
    })()
    await convert(keys.secret, 'inv_live', live.code, 10_000)
    await convert(keys.test_secret, 'inv_test_live_aff', live.code, 20_000)
    await convert(keys.test_secret, 'inv_test', testAff.code, 30_000)
    await passHold(program.id)

    const test = await createPayout(keys.test_secret)
    expect(test?.totals).toEqual({ USD: 15_000 })
    const liveLine = test?.items.find((i) => i.affiliate.id === live.id)
    expect(liveLine?.affiliate.email).toBeNull()
    expect(test?.items.find((i) => i.affiliate.id === testAff.id)?.affiliate.email).toBe(
      'test@partners.example',
    )
    const paypal = parseCsv((await file(keys.test_secret, `/v1/payouts/${test?.id}/paypal.csv`)).text)
    expect(paypal.find((r) => r[3] === live.id)?.[0]).toBe('')
    expect(JSON.stringify(test)).not.toContain('live@partners.example')

    expect((await call('GET', `/v1/payouts/${test?.id}`, { token: keys.secret })).status).toBe(404)
    expect((await call('POST', `/v1/payouts/${test?.id}/paid`, { token: keys.secret })).status).toBe(404)
    expect((await call('GET', '/v1/payouts', { token: keys.secret })).body.payouts).toEqual([])

    const livePayout = await createPayout(keys.secret)
    expect(livePayout?.totals).toEqual({ USD: 3_000 })
    expect(livePayout?.items.map((i) => i.affiliate.id)).toEqual([live.id])
    expect((await call('GET', `/v1/payouts/${livePayout?.id}`, { token: keys.test_secret })).status).toBe(404)
    expect(
      ((await call('GET', '/v1/payouts', { token: keys.test_secret })).body.payouts as PayoutRecord[]).map(
        (p) => p.id,
      ),
    ).toEqual([test?.id])
    // The live affiliate's portal shows live money only.
    expect((await portal(live.portal_url)).balance.approved).toEqual({ USD: 3_000 })
  })

  it('refuses bad input with the one error shape, naming the field', async () => {
    const { keys } = await createProgram()
    const sk = keys.secret
    const cases: Array<[unknown, string]> = [
      [{ period_end: 'yesterday' }, 'period_end'],
      [{ period_end: '2026-02-30' }, 'period_end'],
      [{ period_end: '9999-12-31T00:00:00Z' }, 'period_end'],
      [{ period_end: 5 }, 'period_end'],
      [{ period_end: '2026-01-01', affiliate: 'x' }, 'affiliate'],
    ]
    for (const [body, field] of cases) {
      const res = await call('POST', '/v1/payouts', { token: sk, body })
      expect(res.status, JSON.stringify(body)).toBe(400)
      expect(res.body.error).toMatchObject({ code: 'invalid_request', field })
    }
    expect(
      (
        await call('POST', '/v1/payouts', {
          token: sk,
          raw: '[1]',
          headers: { 'content-type': 'application/json' },
        })
      ).status,
    ).toBe(400)
    expect((await call('GET', '/v1/payouts?limit=0', { token: sk })).body.error.field).toBe('limit')
    expect((await call('GET', '/v1/payouts/po_nope', { token: sk })).status).toBe(404)
    expect((await call('GET', `/v1/payouts/${'x'.repeat(5000)}`, { token: sk })).status).toBe(404)
    expect((await call('GET', '/v1/payouts/po_nope/export.csv', { token: sk })).status).toBe(404)
    expect((await call('POST', '/v1/payouts/po_nope/paid', { token: sk })).status).toBe(404)
    const extra = await call('POST', '/v1/payouts/po_nope/paid', { token: sk, body: { when: 'now' } })
    expect(extra.body.error).toMatchObject({ code: 'invalid_request', field: 'when' })
    expect((await call('GET', '/v1/payouts')).status).toBe(401)
    // An empty date range pays nothing and writes nothing.
    expect(await createPayout(sk, { period_end: '2001-01-01' })).toBeNull()
  })

  it('validates min_payout in program settings', async () => {
    for (const [min_payout, field] of [
      [{ XYZ: 100 }, 'min_payout.XYZ'],
      [{ USD: -1 }, 'min_payout.USD'],
      [{ USD: 1.5 }, 'min_payout.USD'],
      [[100], 'min_payout'],
      [{ usd: 1, USD: 2 }, 'min_payout.USD'],
    ] as const) {
      const res = await call('POST', '/v1/programs', {
        token: 'test-admin-token',
        body: { name: 'x', min_payout },
      })
      expect(res.status, JSON.stringify(min_payout)).toBe(400)
      expect(res.body.error.field).toBe(field)
    }
    const { keys } = await createProgram()
    expect((await call('GET', '/v1/program', { token: keys.secret })).body.program.min_payout).toEqual({})
    const patched = await call('PATCH', '/v1/program', {
      token: keys.secret,
      body: { min_payout: { eur: 2_500 } },
    })
    expect(patched.status).toBe(200)
    expect(patched.body.program.min_payout).toEqual({ EUR: 2_500 })
  })
})
