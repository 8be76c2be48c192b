/**
 * `GET/PATCH /v1/program` in the Workers runtime with the real migrations: validation, modes,
 * the unique slug, and that a change applies to the events after it and never to earlier ones.
 */
import { describe, expect, it } from 'vitest'
import { call, createAffiliate, createProgram, hub } from '../../test/helpers'

function patch(sk: string, body: unknown) {
  return call('PATCH', '/v1/program', { token: sk, body })
}

describe('program settings', () => {
  it('answers every setting, with the defaults of a new program', async () => {
    const { keys, program } = await createProgram({ name: 'Defaults' })
    const res = await call('GET', '/v1/program', { token: keys.test_secret })
    expect(res.status).toBe(200)
    expect(res.body.program).toMatchObject({
      id: program.id,
      name: 'Defaults',
      slug: null,
      join: { enabled: false, auto_approve: false, terms_url: null },
      paid_traffic: 'allowed',
      fraud: { click_flood: { max_clicks: 30, window_minutes: 60 } },
      min_payout: {},
    })
  })

  it('changes every group of settings with the live key and keeps the fields it was not given', async () => {
    const { keys } = await createProgram({ name: 'Patchy', hold_days: 10 })
    const res = await patch(keys.secret, {
      name: 'Patchy Partners',
      cookie_days: 400,
      commission: { type: 'flat', amount: 2500, currency: 'eur' },
      slug: 'Patchy-Partners',
      min_payout: { usd: 5000 },
      join: { enabled: true, terms_url: 'https://patchy.example/terms' },
      paid_traffic: 'forbidden',
      fraud: { click_flood: { max_clicks: 50 } },
    })
    expect(res.status).toBe(200)
    expect(res.body.program).toMatchObject({
      name: 'Patchy Partners',
      cookie_days: 400,
      hold_days: 10,
      commission: { type: 'flat', amount: 2500, currency: 'EUR' },
      slug: 'patchy-partners',
      min_payout: { USD: 5000 },
      join: { enabled: true, auto_approve: false, terms_url: 'https://patchy.example/terms' },
      paid_traffic: 'forbidden',
      fraud: { click_flood: { max_clicks: 50, window_minutes: 60 } },
    })
    const again = await call('GET', '/v1/program', { token: keys.secret })
    expect(again.body.program).toEqual(res.body.program)
    // A partial join object changes only what it names.
    const auto = await patch(keys.secret, { join: { auto_approve: true } })
    expect(auto.body.program.join).toEqual({
      enabled: true,
      auto_approve: true,
      terms_url: 'https://patchy.example/terms',
    })
  })

  it('refuses bad input naming the field, and writes nothing', async () => {
    const { keys } = await createProgram({ name: 'Strict' })
    const before = (await call('GET', '/v1/program', { token: keys.secret })).body.program
    const cases: Array<[unknown, string]> = [
      [{ cookie_days: 401 }, 'cookie_days'],
      [{ slug: 'no spaces' }, 'slug'],
      [{ slug: '-edge' }, 'slug'],
      [{ join: { enabled: 'yes' } }, 'join.enabled'],
      [{ join: { open: true } }, 'join.open'],
      [{ paid_traffic: 'sometimes' }, 'paid_traffic'],
      [{ fraud: { click_flood: { max_clicks: 0 } } }, 'fraud.click_flood.max_clicks'],
      [{ min_payout: { XYZ: 1 } }, 'min_payout.XYZ'],
      [{ hold_days: 7, colour: 'blue' }, 'colour'],
      // The join page needs an address before it can open.
      [{ join: { enabled: true } }, 'join.enabled'],
    ]
    for (const [body, field] of cases) {
      const res = await patch(keys.secret, body)
      expect(res.status, JSON.stringify(body)).toBe(400)
      expect(res.body.error).toMatchObject({ code: 'invalid_request', field })
    }
    expect((await call('GET', '/v1/program', { token: keys.secret })).body.program).toEqual(before)
  })

  it('refuses a test key with 403 and changes nothing', async () => {
    const { keys } = await createProgram({ name: 'Modes' })
    const res = await patch(keys.test_secret, { slug: 'modes-test' })
    expect(res.status).toBe(403)
    expect(res.body.error.code).toBe('forbidden')
    expect((await call('GET', '/v1/program', { token: keys.secret })).body.program.slug).toBeNull()
  })

  it('answers 409 naming slug when another program has it', async () => {
    const a = await createProgram({ name: 'First' })
    const b = await createProgram({ name: 'Second' })
    const slug = `taken-${Date.now().toString(36)}`
    expect((await patch(a.keys.secret, { slug })).status).toBe(200)
    const res = await patch(b.keys.secret, { slug: slug.toUpperCase(), name: 'Renamed' })
    expect(res.status).toBe(409)
    expect(res.body.error).toMatchObject({ code: 'conflict', field: 'slug' })
    // Nothing of the refused patch was written.
    expect((await call('GET', '/v1/program', { token: b.keys.secret })).body.program.name).toBe('Second')
    // Setting the program's own slug again is no conflict.
    expect((await patch(a.keys.secret, { slug })).status).toBe(200)
  })

  it('applies a new rate to the next conversion and never recomputes an earlier commission', async () => {
    const { keys, program } = await createProgram({
      name: 'Rates',
      commission: { type: 'percent', percent: 20 },
    })
    const aff = await createAffiliate(keys.secret)
    const convert = (eventId: string) =>
      call('POST', '/v1/conversions', {
        token: keys.secret,
        body: { event_id: eventId, ref: aff.code, amount: 10_000, currency: 'USD' },
      })
    const first = await convert('inv_before')
    expect(first.body.conversion.commission.amount).toBe(2_000)
    expect((await patch(keys.secret, { commission: { type: 'percent', percent: 35 } })).status).toBe(200)
    const second = await convert('inv_after')
    expect(second.body.conversion.commission.amount).toBe(3_500)
    const list = await call('GET', '/v1/commissions', { token: keys.secret })
    const byId = new Map(list.body.commissions.map((c: { id: string; amount: number }) => [c.id, c.amount]))
    expect(byId.get(first.body.conversion.commission.id)).toBe(2_000)
    expect(byId.get(second.body.conversion.commission.id)).toBe(3_500)
    expect(await hub(program.id).audit()).toEqual([])
  })
})
