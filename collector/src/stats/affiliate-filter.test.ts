/**
 * `GET /v1/stats?affiliate=` with a value shaped like an affiliate id asks the hub beside the
 * affiliate's lookup (lib/stats-query.ts, queryStats). The early answer may be used only when the
 * lookup names that very affiliate: a code that looks like an id names another one, and an id
 * of no affiliate (or one the key may not see) is refused.
 */
import { describe, expect, it } from 'vitest'
import { call, createAffiliate, createProgram, sendClick } from '../../test/helpers'

describe('stats filtered by an id-shaped affiliate value', () => {
  it('answers for the affiliate the value names, whether it is an id or a code', async () => {
    const { keys } = await createProgram()
    const jane = await createAffiliate(keys.secret)
    // A valid code with an affiliate id's shape, naming another affiliate than any id does.
    const lookalike = await createAffiliate(keys.secret, { code: 'aff_lookalike0000000' })
    expect(lookalike.code).toMatch(/^aff_[a-z0-9]{16}$/)
    for (const [aff, n] of [
      [jane, 2],
      [lookalike, 1],
    ] as const) {
      for (let i = 0; i < n; i++) {
        const sent = await sendClick(
          keys.publishable,
          { ref: aff.code },
          { 'cf-connecting-ip': `198.51.100.${i + 1}` },
        )
        expect(sent.status).toBe(202)
      }
    }
    const clicksFor = async (value: string) => {
      const res = await call('GET', `/v1/stats?affiliate=${value}`, { token: keys.secret })
      expect(res.status, value).toBe(200)
      return {
        clicks: res.body.totals.clicks,
        affiliates: res.body.affiliates.map((a: { id: string }) => a.id),
      }
    }
    expect(await clicksFor(jane.id)).toEqual({ clicks: 2, affiliates: [jane.id] })
    expect(await clicksFor(lookalike.id)).toEqual({ clicks: 1, affiliates: [lookalike.id] })
    // The code is asked of the hub as if it were an id first; the answer must be the code's.
    expect(await clicksFor(lookalike.code)).toEqual({ clicks: 1, affiliates: [lookalike.id] })

    const unknown = await call('GET', '/v1/stats?affiliate=aff_0000000000000000', { token: keys.secret })
    expect(unknown.status).toBe(400)
    expect(unknown.body.error).toMatchObject({ code: 'invalid_request', field: 'affiliate' })
  })
})
