/**
 * Payouts through the real collector (workerd, real migrations, the real ProgramHub): the whole
 * money-out flow with its CSV rows, refunds and disputes while a payout is pending, min payout
 * carry-over and the period end.
 */
import { env } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { call, createAffiliate, createProgram } from '../../test/helpers'
import { openSocket } from '../../test/live-socket'
import { parseCsv } from '../domain/csv'
import { commissionStatus, convert, createPayout, EVIL, file, hub, passHold, portal } from './test-support'

describe('payouts', () => {
  it('pays approved commissions: payout, exact CSV rows, paid, portal, then a clawback netted next time', async () => {
    const { program, keys } = await createProgram({ commission: { type: 'percent', percent: 30 } })
    const sk = keys.secret
    const jane = await createAffiliate(sk, { name: 'Jane Cooper', email: 'jane@partners.example' })
    const omar = await createAffiliate(sk, { name: EVIL, email: 'omar@partners.example' })
    await call('POST', '/v1/webhook-endpoints', {
      token: sk,
      body: { url: 'https://hooks.example.com/refline', events: ['payout.paid'] },
    })
    const j1 = await convert(sk, 'inv_j1', jane.code, 4_900) // 1,470
    const j2 = await convert(sk, 'inv_j2', jane.code, 9_900) // 2,970
    const o1 = await convert(sk, 'inv_o1', omar.code, 4_900) // 1,470

    // Still in their hold: nothing is due.
    expect(await createPayout(sk)).toBeNull()
    expect(await passHold(program.id)).toBe(3)

    const payout = await createPayout(sk)
    expect(payout).toMatchObject({ status: 'pending', paid_at: null, totals: { USD: 5_910 } })
    const items = Object.fromEntries(payout?.items.map((i) => [i.affiliate.id, i]) ?? [])
    expect(items[jane.id]).toEqual({
      affiliate: { id: jane.id, code: jane.code, name: 'Jane Cooper', email: 'jane@partners.example' },
      currency: 'USD',
      amount: 4_440,
      commission_ids: [j1.id, j2.id],
    })
    expect(items[omar.id]).toMatchObject({ amount: 1_470, commission_ids: [o1.id] })
    const id = payout?.id ?? ''
    expect((await call('GET', `/v1/payouts/${id}`, { token: sk })).body.payout).toEqual(payout)
    expect((await call('GET', '/v1/payouts', { token: sk })).body.payouts).toEqual([payout])
    // A second payout finds nothing left.
    expect(await createPayout(sk)).toBeNull()

    // Locked while pending: neither approve nor reject.
    for (const action of ['approve', 'reject']) {
      const res = await call('POST', `/v1/commissions/${j1.id}/${action}`, { token: sk })
      expect(res.status, action).toBe(409)
      expect(res.body.error.code).toBe('conflict')
    }

    const paypal = await file(sk, `/v1/payouts/${id}/paypal.csv`)
    expect(paypal.status).toBe(200)
    expect(paypal.headers.get('content-type')).toBe('text/csv; charset=utf-8')
    expect(paypal.text.charCodeAt(0)).not.toBe(0xfeff)
    const note = `Affiliate commissions to ${payout?.period_end.slice(0, 10)} (${id})`
    expect(parseCsv(paypal.text).sort((a, b) => (a[0] ?? '').localeCompare(b[0] ?? ''))).toEqual([
      ['jane@partners.example', '44.40', 'USD', jane.id, note],
      ['omar@partners.example', '14.70', 'USD', omar.id, note],
    ])

    const exported = await file(sk, `/v1/payouts/${id}/export.csv`)
    expect(exported.status).toBe(200)
    const rows = parseCsv(exported.text)
    expect(rows[0]).toEqual([
      'affiliate_id',
      'affiliate_code',
      'name',
      'email',
      'currency',
      'amount',
      'amount_minor',
      'commission_ids',
    ])
    expect(rows.slice(1).sort((a, b) => (a[3] ?? '').localeCompare(b[3] ?? ''))).toEqual([
      [
        jane.id,
        jane.code,
        'Jane Cooper',
        'jane@partners.example',
        'USD',
        '44.40',
        '4440',
        `${j1.id} ${j2.id}`,
      ],
      [omar.id, omar.code, `'${EVIL}`, 'omar@partners.example', 'USD', '14.70', '1470', o1.id],
    ])
    // The formula is text in the file, quoted and prefixed, never a bare `=`.
    expect(exported.text).toContain(`"'=HYPERLINK(""http://evil.example"",""click"")"`)
    expect(exported.text).not.toMatch(/(^|,)=/m)

    // Mark paid: founder and affiliate hear it live, counters do not move, the webhook is queued.
    const founderToken = (await call('POST', '/v1/live/tokens', { token: sk })).body.token
    const founder = await openSocket(`/v1/live?token=${founderToken}`)
    const janeSocket = await openSocket(`/v1/live?token=${new URL(jane.portal_url).pathname.split('/')[2]}`)
    await founder.waitFor(1)
    await janeSocket.waitFor(1)
    const paid = await call('POST', `/v1/payouts/${id}/paid`, { token: sk })
    expect(paid.status).toBe(200)
    expect(paid.body.payout).toMatchObject({ id, status: 'paid', totals: { USD: 5_910 } })
    expect(paid.body.payout.paid_at).toEqual(expect.any(String))
    for (const c of [j1, j2, o1]) expect((await commissionStatus(c.id))?.status).toBe('paid')
    await founder.waitFor(3)
    await janeSocket.waitFor(2)
    expect(founder.messages.slice(1)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          type: 'commission',
          status: 'paid',
          amount: 4_440,
          affiliate: { id: jane.id, code: jane.code },
        }),
        expect.objectContaining({ type: 'commission', status: 'paid', amount: 1_470 }),
      ]),
    )
    expect(janeSocket.messages.slice(1)).toEqual([
      expect.objectContaining({
        type: 'commission',
        status: 'paid',
        amount: 4_440,
        totals: expect.objectContaining({ commission: { USD: 4_440 } }),
      }),
    ])
    expect((await call('GET', '/v1/stats', { token: sk })).body.totals.commission).toEqual({ USD: 5_910 })
    // Idempotent: paying again answers the same payout and sends nothing more.
    const again = await call('POST', `/v1/payouts/${id}/paid`, { token: sk })
    expect(again.status).toBe(200)
    expect(again.body.payout).toEqual(paid.body.payout)
    const hooks = await env.DB.prepare(
      "SELECT payload FROM webhook_deliveries WHERE program_id = ? AND type = 'payout.paid'",
    )
      .bind(program.id)
      .all<{ payload: string }>()
    expect(hooks.results).toHaveLength(1)
    expect(JSON.parse(hooks.results[0]?.payload ?? '{}').data.payout).toEqual(paid.body.payout)

    // The portal shows the balance and the affiliate's own line only.
    const p1 = await portal(jane.portal_url)
    expect(p1.balance).toEqual({ pending: {}, approved: {}, in_payout: {}, paid: { USD: 4_440 } })
    expect(p1.payouts).toEqual([
      {
        id,
        status: 'paid',
        period_end: payout?.period_end,
        created_at: payout?.created_at,
        paid_at: paid.body.payout.paid_at,
        currency: 'USD',
        amount: 4_440,
      },
    ])

    // A full refund after payment raises a clawback, netted in the next payout.
    const refund = await call('POST', '/v1/refunds', {
      token: sk,
      body: { event_id: 'rf_j1', conversion_event_id: 'inv_j1' },
    })
    expect(refund.status).toBe(201)
    expect(refund.body.refund.commission).toMatchObject({ amount: -1_470, status: 'approved' })
    const clawbackId = refund.body.refund.commission.id
    const p2 = await portal(jane.portal_url)
    expect(p2.balance).toEqual({
      pending: {},
      approved: { USD: -1_470 },
      in_payout: {},
      paid: { USD: 4_440 },
    })
    expect(p2.next_payout).toContain('14.70 USD of refunds after payment will be deducted')
    // A clawback alone is not above zero: nothing to pay.
    expect(await createPayout(sk)).toBeNull()

    const j3 = await convert(sk, 'inv_j3', jane.code, 9_900) // 2,970
    expect((await portal(jane.portal_url)).balance.pending).toEqual({ USD: 2_970 })
    await passHold(program.id)
    const next = await createPayout(sk)
    expect(next?.items).toEqual([
      expect.objectContaining({
        affiliate: expect.objectContaining({ id: jane.id }),
        amount: 1_500,
        commission_ids: [clawbackId, j3.id],
      }),
    ])
    const n = await portal(jane.portal_url)
    expect(n.balance).toEqual({
      pending: {},
      approved: { USD: 1_500 },
      in_payout: { USD: 1_500 },
      paid: { USD: 4_440 },
    })
    expect(n.next_payout).toContain('15.00 USD is in a payout the founder has prepared')
    await call('POST', `/v1/payouts/${next?.id}/paid`, { token: sk })
    const last = await portal(jane.portal_url)
    expect(last.balance).toEqual({ pending: {}, approved: {}, in_payout: {}, paid: { USD: 5_940 } })
    expect(last.payouts.map((p) => p.amount)).toEqual([1_500, 4_440])
    // Paid equals the net of every commission the affiliate ever earned: 1,470 + 2,970 − 1,470 + 2,970.
    expect((await call('GET', '/v1/stats', { token: sk })).body.totals.commission).toEqual({ USD: 7_410 })
    expect(await hub(program.id).audit()).toEqual([])
  })

  it('a refund while the payout is pending keeps the payout whole and claws back in the next one', async () => {
    const { program, keys } = await createProgram({
      commission: { type: 'percent', percent: 30 },
      hold_days: 0,
    })
    const sk = keys.secret
    const aff = await createAffiliate(sk)
    const c = await convert(sk, 'inv_p', aff.code, 10_000) // 3,000
    await passHold(program.id)
    const payout = await createPayout(sk)
    expect(payout?.totals).toEqual({ USD: 3_000 })
    const refund = await call('POST', '/v1/refunds', {
      token: sk,
      body: { event_id: 'rf_p', conversion_event_id: 'inv_p', amount: 5_000 },
    })
    expect(refund.status).toBe(201)
    // The founder may already be sending the money: the line stays as prepared, the difference is a clawback.
    expect(refund.body.refund.commission).toMatchObject({ amount: -1_500, status: 'approved' })
    expect(await commissionStatus(c.id)).toEqual({ status: 'approved', payout_id: payout?.id, amount: 3_000 })
    const paid = await call('POST', `/v1/payouts/${payout?.id}/paid`, { token: sk })
    expect(paid.body.payout.totals).toEqual({ USD: 3_000 })
    const sum = await env.DB.prepare(
      "SELECT SUM(amount) AS paid FROM commissions WHERE payout_id = ? AND status = 'paid'",
    )
      .bind(payout?.id)
      .first<{ paid: number }>()
    expect(sum?.paid).toBe(3_000)
    expect((await portal(aff.portal_url)).balance).toEqual({
      pending: {},
      approved: { USD: -1_500 },
      in_payout: {},
      paid: { USD: 3_000 },
    })
    await convert(sk, 'inv_p2', aff.code, 10_000)
    await passHold(program.id)
    expect((await createPayout(sk))?.totals).toEqual({ USD: 1_500 })
    expect(await hub(program.id).audit()).toEqual([])
  })

  it('a lost dispute on a commission in a pending payout claws it back instead of losing track of it', async () => {
    const { program, keys } = await createProgram({
      commission: { type: 'percent', percent: 30 },
      hold_days: 0,
    })
    const sk = keys.secret
    const aff = await createAffiliate(sk)
    const c = await convert(sk, 'inv_d', aff.code, 10_000) // 3,000
    await passHold(program.id)
    const payout = await createPayout(sk)
    const ctx = { programId: program.id, mode: 'live' as const, now: Date.now() }
    for (const step of ['open', 'lost'] as const) {
      const res = await hub(program.id).applyDispute(ctx, {
        event_id: `dispute:dp_1:${step}`,
        dispute_id: 'dp_1',
        conversion_event_id: 'inv_d',
        step,
      })
      expect(res.ok, JSON.stringify(res)).toBe(true)
    }
    // The line stays as prepared; the lost money comes back through a clawback.
    expect(await commissionStatus(c.id)).toEqual({ status: 'approved', payout_id: payout?.id, amount: 3_000 })
    const { results } = await env.DB.prepare(
      "SELECT amount, status FROM commissions WHERE conversion_id = (SELECT conversion_id FROM commissions WHERE id = ?) AND kind = 'clawback'",
    )
      .bind(c.id)
      .all()
    expect(results).toEqual([{ amount: -3_000, status: 'approved' }])
    // Every commission still adds up to the commission total.
    const sum = await env.DB.prepare('SELECT SUM(amount) AS n FROM commissions WHERE program_id = ?')
      .bind(program.id)
      .first<{ n: number }>()
    const stats = (await call('GET', '/v1/stats', { token: sk })).body.totals.commission
    expect(stats.USD ?? 0).toBe(sum?.n)
    expect(await hub(program.id).audit()).toEqual([])
  })

  it('leaves a balance below the minimum payout for later, with its commissions unassigned', async () => {
    const { program, keys } = await createProgram({
      commission: { type: 'percent', percent: 30 },
      min_payout: { usd: 5_000 },
    })
    expect(program.min_payout).toEqual({ USD: 5_000 })
    const sk = keys.secret
    const jane = await createAffiliate(sk)
    const omar = await createAffiliate(sk)
    const a = await convert(sk, 'inv_a', jane.code, 4_900) // 1,470
    const e = await convert(sk, 'inv_e', omar.code, 1_000, 'EUR') // 300 EUR, no minimum for EUR
    await passHold(program.id)
    const first = await createPayout(sk)
    expect(first?.items.map((i) => [i.affiliate.id, i.currency, i.amount])).toEqual([[omar.id, 'EUR', 300]])
    expect((await commissionStatus(a.id))?.payout_id).toBeNull()
    expect((await commissionStatus(e.id))?.payout_id).toBe(first?.id)
    expect((await portal(jane.portal_url)).next_payout).toContain(
      "14.70 USD is approved; it is paid once it reaches the program's minimum payout of 50.00 USD",
    )

    const b = await convert(sk, 'inv_b', jane.code, 4_900) // 2,940 in all: still below
    await passHold(program.id)
    expect(await createPayout(sk)).toBeNull()
    const c = await convert(sk, 'inv_c', jane.code, 9_900) // 5,910 ≥ 5,000
    await passHold(program.id)
    const second = await createPayout(sk)
    expect(second?.items).toEqual([
      expect.objectContaining({ currency: 'USD', amount: 5_910, commission_ids: [a.id, b.id, c.id] }),
    ])
    expect(await hub(program.id).audit()).toEqual([])
  })

  it('only gathers commissions created up to period_end', async () => {
    const { program, keys } = await createProgram({ hold_days: 0 })
    const sk = keys.secret
    const aff = await createAffiliate(sk)
    const early = await convert(sk, 'inv_early', aff.code, 10_000)
    await new Promise((r) => setTimeout(r, 20))
    const cut = new Date().toISOString()
    await new Promise((r) => setTimeout(r, 20))
    const late = await convert(sk, 'inv_late', aff.code, 10_000)
    await passHold(program.id)
    const payout = await createPayout(sk, { period_end: cut })
    expect(payout?.period_end).toBe(cut)
    expect(payout?.items[0]?.commission_ids).toEqual([early.id])
    expect((await createPayout(sk))?.items[0]?.commission_ids).toEqual([late.id])
  })
})
