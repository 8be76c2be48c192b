/**
 * The SDK against a real collector (wrangler dev, workerd, local D1 and Durable Objects): the one
 * `pnpm test` shares, or one started for this package (scripts/test-collector.mjs, the project's
 * globalSetup). The file works in a program of its own, so other tests' data never shows here.
 */
import { beforeAll, describe, expect, inject, it } from 'vitest'
import {
  Refline,
  ReflineAuthenticationError,
  ReflineConflictError,
  ReflineNotFoundError,
  ReflineValidationError,
} from '../src/index.js'
import type { FetchLike } from '../src/transport.js'

interface Collector {
  url: string
  createProgram(body?: object): Promise<{ program: { id: string }; keys: Record<string, string> }>
  query(sql: string): Promise<Array<Record<string, unknown>>>
}

declare module 'vitest' {
  export interface ProvidedContext {
    collector: { url: string; adminToken: string; persistTo: string }
  }
}

const localCollector = new URL('../../scripts/local-collector.mjs', import.meta.url).href

let collector: Collector
let programId: string
let keys: Record<string, string>
let refline: Refline

beforeAll(async () => {
  const { collectorClient } = (await import(localCollector)) as {
    collectorClient(info: ReturnType<typeof inject<'collector'>>): Collector
  }
  collector = collectorClient(inject('collector'))
  const created = await collector.createProgram({
    name: 'SDK test',
    commission: { type: 'percent', percent: 30 },
  })
  keys = created.keys
  programId = created.program.id
  refline = new Refline({ secretKey: keys.secret!, baseUrl: collector.url })
  await refline.createAffiliate({ name: 'Jane Doe', email: 'jane@example.com', code: 'jane' })
})

/** Rows of this file's program only: the collector may be shared with other tests. */
const conversionsWithEventId = (eventId: string) =>
  collector.query(
    `SELECT COUNT(*) AS n FROM conversions WHERE program_id = '${programId}' AND event_id = '${eventId.replace(/'/g, "''")}'`,
  )

describe('@refline/node against a real collector', () => {
  it('tracks signup → conversion → refund and reports them in stats', async () => {
    const signup = await refline.trackSignup({
      customerId: 'cus_flow',
      ref: 'jane',
      email: 'ann@example.org',
    })
    expect(signup.signup.affiliate?.code).toBe('jane')
    expect(signup.eventId).toBe('signup:cus_flow')

    const conversion = await refline.trackConversion({
      eventId: 'inv_flow',
      customerId: 'cus_flow',
      amount: 4900,
      currency: 'usd',
      metadata: { plan: 'pro' },
    })
    expect(conversion.replayed).toBe(false)
    expect(conversion.conversion.event_id).toBe('inv_flow')
    expect(conversion.conversion.affiliate?.code).toBe('jane')
    expect(conversion.conversion.commission).toMatchObject({
      amount: 1470,
      currency: 'USD',
      status: 'pending',
    })

    const stats = await refline.getStats({ affiliate: 'jane' })
    expect(stats.totals).toMatchObject({
      signups: 1,
      conversions: 1,
      revenue: { USD: 4900 },
      commission: { USD: 1470 },
    })

    const refund = await refline.trackRefund({
      eventId: 're_flow',
      conversionEventId: 'inv_flow',
      amount: 2450,
    })
    expect(refund.refund.amount).toBe(2450)
    expect(refund.refund.commission?.amount).toBe(735)

    const after = await refline.getStats({ affiliate: 'jane' })
    expect(after.totals.refunds).toBe(1)
    expect(after.totals.commission.USD).toBe(735)
  })

  it('attributes a signup by the click id the browser script would send', async () => {
    const clickId = 'clk_sdk_test_000000001'
    const click = await fetch(`${collector.url}/v1/clicks`, {
      method: 'POST',
      // A browser's user agent: clicks from bot-like agents (Node's fetch says "node") are counted
      // apart and never attribute.
      headers: {
        'content-type': 'text/plain',
        'user-agent':
          'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36',
      },
      body: JSON.stringify({
        key: keys.publishable,
        click_id: clickId,
        ref: 'jane',
        url: 'https://app.test/?ref=jane',
      }),
    })
    expect(click.status).toBe(202)
    const cookie = `theme=dark; rl_click=${clickId}`
    const signup = await refline.trackSignup({
      customerId: 'cus_click',
      clickId: Refline.clickIdFrom(cookie),
    })
    expect(signup.signup.affiliate?.code).toBe('jane')
  })

  it('answers a replayed conversion with the first result and counts it once', async () => {
    const input = { eventId: 'inv_replay', customerId: 'cus_flow', amount: 1000, currency: 'USD' }
    const first = await refline.trackConversion(input)
    const second = await refline.trackConversion(input)
    expect(first.replayed).toBe(false)
    expect(second.replayed).toBe(true)
    expect(second.conversion).toEqual(first.conversion)
    const rows = await conversionsWithEventId('inv_replay')
    expect(rows[0]?.n).toBe(1)
  })

  it('counts a conversion once when its first answer is lost and the SDK retries', async () => {
    let attempts = 0
    // The request reaches the collector, then the connection "drops" before the answer arrives.
    const lossyFetch: FetchLike = async (url, init) => {
      attempts += 1
      const res = await fetch(url, init)
      if (attempts === 1) {
        await res.text()
        throw new TypeError('socket hang up')
      }
      return res
    }
    const lossy = new Refline({ secretKey: keys.secret!, baseUrl: collector.url, fetch: lossyFetch })
    const result = await lossy.trackConversion({ customerId: 'cus_flow', amount: 2000, currency: 'USD' })
    expect(attempts).toBe(2)
    expect(result.replayed).toBe(true)
    expect(result.conversion.commission?.amount).toBe(600)
    const rows = await conversionsWithEventId(result.eventId)
    expect(rows[0]?.n).toBe(1)
  })

  it('surfaces bad input as a validation error naming the field', async () => {
    const error = await refline
      .trackConversion({ eventId: 'inv_bad', amount: 49.5, currency: 'USD' })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ReflineValidationError)
    expect(error).toMatchObject({ status: 400, code: 'invalid_request', field: 'amount' })

    const currency = await refline
      .trackConversion({ eventId: 'inv_bad2', amount: 100, currency: 'XYZ' })
      .catch((e: unknown) => e)
    expect(currency).toMatchObject({ name: 'ReflineValidationError', field: 'currency' })
  })

  it('rejects the same event id with a different body as a conflict', async () => {
    await refline.trackConversion({ eventId: 'inv_conflict', amount: 100, currency: 'USD' })
    const error = await refline
      .trackConversion({ eventId: 'inv_conflict', amount: 200, currency: 'USD' })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ReflineConflictError)
    expect(error).toMatchObject({ status: 409, code: 'conflict' })
  })

  it('rejects an unknown secret key as an authentication error', async () => {
    const stranger = new Refline({ secretKey: 'sk_live_doesnotexist000000', baseUrl: collector.url })
    const error = await stranger.listAffiliates().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ReflineAuthenticationError)
    expect(error).toMatchObject({ status: 401, code: 'unauthorized' })
  })

  it('creates, lists, reads and updates affiliates', async () => {
    const { affiliate } = await refline.createAffiliate({ name: 'Omar Haddad', email: 'omar@example.com' })
    expect(affiliate.code).toBe('omarhaddad')
    expect(affiliate.link).toBe(`${collector.url}/go/omarhaddad`)
    const { affiliates } = await refline.listAffiliates()
    expect(affiliates.map((a) => a.code)).toEqual(['jane', 'omarhaddad'])
    const updated = await refline.updateAffiliate('omarhaddad', {
      commission: { type: 'percent', percent: 40 },
    })
    expect(updated.affiliate.commission).toEqual({ type: 'percent', percent: 40 })
    expect((await refline.getAffiliate(affiliate.id)).affiliate.code).toBe('omarhaddad')
    await expect(refline.getAffiliate('nobody')).rejects.toBeInstanceOf(ReflineNotFoundError)
    const taken = await refline
      .createAffiliate({ name: 'Jane 2', email: 'j2@example.com', code: 'jane' })
      .catch((e: unknown) => e)
    expect(taken).toMatchObject({ name: 'ReflineConflictError', field: 'code' })
  })

  it('keeps test-mode data apart from live stats', async () => {
    const test = new Refline({ secretKey: keys.test_secret!, baseUrl: collector.url })
    await test.trackConversion({ eventId: 'inv_test_mode', ref: 'jane', amount: 9900, currency: 'USD' })
    const testStats = await test.getStats()
    expect(testStats.mode).toBe('test')
    expect(testStats.totals.revenue.USD).toBe(9900)
    const live = await refline.getStats()
    expect(live.mode).toBe('live')
    expect(live.totals.revenue.USD).not.toBe(9900)
  })
})
