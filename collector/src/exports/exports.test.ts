import { createExecutionContext, env } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { call, createAffiliate, createProgram } from '../../test/helpers'
import { parseCsv } from '../domain/csv'
import worker from '../index'
import { EXPORT_PAGE } from './data'

async function csv(path: string, token: string): Promise<{ status: number; headers: Headers; text: string }> {
  const req = new Request(`http://collector.test${path}`, { headers: { authorization: `Bearer ${token}` } })
  const res = await worker.fetch(req, env, createExecutionContext())
  return { status: res.status, headers: res.headers, text: await res.text() }
}

function records(text: string): Record<string, string>[] {
  const [header, ...rows] = parseCsv(text)
  return rows.map((r) => Object.fromEntries((header ?? []).map((h, i) => [h, r[i] ?? ''])))
}

async function convert(sk: string, body: Record<string, unknown>) {
  const res = await call('POST', '/v1/conversions', { token: sk, body: { currency: 'USD', ...body } })
  expect(res.status).toBe(201)
  return res.body.conversion
}

async function setup() {
  const { program, keys } = await createProgram({ commission: { type: 'percent', percent: 20 } })
  const jane = await createAffiliate(keys.secret, { name: '=HYPERLINK("https://evil.example")' })
  const omar = await createAffiliate(keys.secret, { name: 'Omar, "O" Ali' })
  const tess = await createAffiliate(keys.test_secret, { name: 'Test Tess' })
  await convert(keys.secret, {
    event_id: 'inv_1',
    ref: jane.code,
    customer_id: 'cus_1',
    amount: 4900,
    occurred_at: '2026-03-01T10:00:00Z',
  })
  await convert(keys.secret, {
    event_id: 'inv_2',
    ref: omar.code,
    customer_id: '-cus_2',
    amount: 12345,
    occurred_at: '2026-03-05T10:00:00Z',
  })
  await convert(keys.test_secret, { event_id: 'inv_t', ref: tess.code, customer_id: 'cus_t', amount: 999 })
  return { program, keys, jane, omar, tess }
}

describe('CSV exports', () => {
  it('exports affiliates of the key mode only, with formula cells defused and a header row', async () => {
    const { keys, jane, omar, tess } = await setup()
    const live = await csv('/v1/affiliates?format=csv', keys.secret)
    expect(live.status).toBe(200)
    expect(live.headers.get('content-type')).toBe('text/csv; charset=utf-8')
    expect(live.headers.get('content-disposition')).toMatch(/^attachment; filename="affiliates-live-/)
    expect(live.text.charCodeAt(0)).not.toBe(0xfeff)
    const rows = records(live.text)
    expect(rows.map((r) => r.id).sort()).toEqual([jane.id, omar.id].sort())
    expect(rows.find((r) => r.id === jane.id)?.name).toBe(`'=HYPERLINK("https://evil.example")`)
    expect(rows.find((r) => r.id === omar.id)?.name).toBe('Omar, "O" Ali')
    expect(rows.find((r) => r.id === jane.id)?.link).toBe(jane.link)
    const test = records((await csv('/v1/affiliates?format=csv', keys.test_secret)).text)
    expect(test.map((r) => r.id)).toEqual([tess.id])
  })

  it('lists and exports conversions with the filters, each mode apart', async () => {
    const { keys, jane, omar } = await setup()
    const all = await call('GET', '/v1/conversions', { token: keys.secret })
    expect(all.status).toBe(200)
    expect(all.body.conversions.map((c: { event_id: string }) => c.event_id)).toEqual(['inv_2', 'inv_1'])
    const byAffiliate = await call('GET', `/v1/conversions?affiliate=${jane.code}`, { token: keys.secret })
    expect(byAffiliate.body.conversions).toHaveLength(1)
    expect(byAffiliate.body.conversions[0].affiliate).toEqual({ id: jane.id, code: jane.code })
    const byRange = await call('GET', '/v1/conversions?from=2026-03-02&to=2026-03-31', { token: keys.secret })
    expect(byRange.body.conversions.map((c: { event_id: string }) => c.event_id)).toEqual(['inv_2'])
    const byCustomer = await call('GET', '/v1/conversions?customer=cus_1', { token: keys.secret })
    expect(byCustomer.body.conversions.map((c: { event_id: string }) => c.event_id)).toEqual(['inv_1'])

    const file = records((await csv('/v1/conversions?format=csv', keys.secret)).text)
    expect(file.map((r) => r.event_id)).toEqual(['inv_1', 'inv_2'])
    const second = file[1] as Record<string, string>
    expect(second.customer_id).toBe(`'-cus_2`)
    expect(second.amount).toBe('123.45')
    expect(second.amount_minor).toBe('12345')
    expect(second.affiliate_code).toBe(omar.code)
    const filtered = records((await csv(`/v1/conversions?format=csv&affiliate=${omar.id}`, keys.secret)).text)
    expect(filtered.map((r) => r.event_id)).toEqual(['inv_2'])
    const test = records((await csv('/v1/conversions?format=csv', keys.test_secret)).text)
    expect(test.map((r) => r.event_id)).toEqual(['inv_t'])
  })

  it('exports commissions with the status and affiliate filters, test data apart', async () => {
    const { keys, jane } = await setup()
    const file = records((await csv('/v1/commissions?format=csv', keys.secret)).text)
    expect(file).toHaveLength(2)
    expect(file.map((r) => r.amount_minor).sort()).toEqual(['2469', '980'])
    expect(file.find((r) => r.amount_minor === '980')?.amount).toBe('9.80')
    expect(file.every((r) => r.status === 'pending')).toBe(true)
    const mine = records((await csv(`/v1/commissions?format=csv&affiliate=${jane.code}`, keys.secret)).text)
    expect(mine.map((r) => r.affiliate_id)).toEqual([jane.id])
    expect(mine[0]?.affiliate_name).toBe(`'=HYPERLINK("https://evil.example")`)
    const none = records((await csv('/v1/commissions?format=csv&status=paid', keys.secret)).text)
    expect(none).toEqual([])
    const test = records((await csv('/v1/commissions?format=csv', keys.test_secret)).text)
    expect(test.map((r) => r.amount_minor)).toEqual(['200'])
  })

  it('pages through more rows than one D1 page without losing or repeating one', async () => {
    const { program, keys } = await createProgram()
    const now = '2026-01-01T00:00:00.000Z'
    const count = EXPORT_PAGE + 7
    const statements = Array.from({ length: count }, (_, i) =>
      env.DB.prepare(
        `INSERT INTO affiliates (id, program_id, code, name, email, email_hash, status, mode, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, 'h', 'active', 'live', ?, ?)`,
      ).bind(
        `aff_bulk${program.id}${String(i).padStart(4, '0')}`,
        program.id,
        `bulk${program.id.slice(-8)}${i}`.toLowerCase(),
        `Bulk ${i}`,
        `b${i}@example.com`,
        now,
        now,
      ),
    )
    for (let i = 0; i < statements.length; i += 100) await env.DB.batch(statements.slice(i, i + 100))
    const rows = records((await csv('/v1/affiliates?format=csv', keys.secret)).text)
    expect(rows).toHaveLength(count)
    expect(new Set(rows.map((r) => r.id)).size).toBe(count)
  })

  it('refuses a bad format, an unknown parameter and an unknown affiliate, naming the field', async () => {
    const { keys } = await createProgram()
    const format = await call('GET', '/v1/conversions?format=xml', { token: keys.secret })
    expect(format.status).toBe(400)
    expect(format.body.error.field).toBe('format')
    const aff = await call('GET', '/v1/affiliates?format=xlsx', { token: keys.secret })
    expect(aff.status).toBe(400)
    expect(aff.body.error.field).toBe('format')
    const unknown = await call('GET', '/v1/conversions?colour=red', { token: keys.secret })
    expect(unknown.status).toBe(400)
    expect(unknown.body.error.field).toBe('colour')
    // An affiliate filter naming no affiliate the key may see is refused like GET /v1/stats refuses it.
    for (const path of [
      '/v1/conversions?affiliate=nobody',
      '/v1/conversions?format=csv&affiliate=nobody',
      '/v1/commissions?format=csv&affiliate=nobody',
    ]) {
      const who = await call('GET', path, { token: keys.secret })
      expect(who.status, path).toBe(400)
      expect(who.body.error).toEqual({
        code: 'invalid_request',
        message: 'No affiliate with that id or code',
        field: 'affiliate',
      })
    }
    const from = await call('GET', '/v1/commissions?format=csv&from=yesterday', { token: keys.secret })
    expect(from.status).toBe(400)
    expect(from.body.error.field).toBe('from')
    const limit = await call('GET', '/v1/conversions?limit=0', { token: keys.secret })
    expect(limit.status).toBe(400)
    expect(limit.body.error.field).toBe('limit')
  })
})
