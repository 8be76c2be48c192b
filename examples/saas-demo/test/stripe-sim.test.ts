/**
 * The demo's "Pay with Stripe (simulated)" path against a real collector (wrangler dev): the
 * events stripe-sim.ts signs must pass the collector's check with the official stripe package,
 * and the click id the Payment Link carried must credit the affiliate, with no SDK call.
 */
import { fileURLToPath } from 'node:url'
import { Refline } from '@refline/node'
import { beforeAll, describe, expect, inject, it } from 'vitest'
import { StripeSim } from '../stripe-sim.ts'

interface Collector {
  url: string
  createProgram(body?: object): Promise<{ program: { id: string }; keys: Record<string, string> }>
  query(sql: string): Promise<Array<Record<string, unknown>>>
}

const localCollector = fileURLToPath(new URL('../../../scripts/local-collector.mjs', import.meta.url))
let collector: Collector
let keys: Record<string, string>
let janeId: string

beforeAll(async () => {
  // The package's shared collector (scripts/test-collector.mjs, globalSetup): codes are unique
  // across programs, hence `janesim`.
  const { collectorClient } = (await import(localCollector)) as {
    collectorClient(info: ReturnType<typeof inject<'collector'>>): Collector
  }
  collector = collectorClient(inject('collector'))
  ;({ keys } = await collector.createProgram({ name: 'Acme', commission: { type: 'percent', percent: 30 } }))
  const refline = new Refline({ secretKey: keys.secret!, baseUrl: collector.url })
  janeId = (await refline.createAffiliate({ name: 'Jane', email: 'jane@example.com', code: 'janesim' }))
    .affiliate.id
})

describe('stripe-sim', () => {
  it('registers its secret and sends signed events that credit the clicked affiliate', async () => {
    const clickId = `simclick${Date.now().toString(36)}abcdef`
    const click = await fetch(`${collector.url}/v1/clicks`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Chrome/126.0' },
      body: JSON.stringify({
        key: keys.publishable,
        click_id: clickId,
        ref: 'janesim',
        url: 'http://127.0.0.1/',
      }),
    })
    expect(click.status).toBe(202)

    const sim = new StripeSim({ baseUrl: collector.url, secretKey: keys.secret! })
    const { sale, answer } = await sim.checkout({ clickId, email: 'buyer@example.com', amount: 4900 })
    expect(answer).toMatchObject({
      conversion: { conversion: { affiliate: { id: janeId }, commission: { amount: 1470 } } },
    })
    const refund = await sim.refund(sale, 4900)
    expect(refund).toMatchObject({
      refund: { refund: { amount: 4900, commission: { amount: 0, status: 'reversed' } } },
    })

    const rows = await collector.query(
      `SELECT event_id, refunded_amount FROM conversions WHERE event_id = '${sale.invoiceId}'`,
    )
    expect(rows).toEqual([{ event_id: sale.invoiceId, refunded_amount: 4900 }])
  })
})
