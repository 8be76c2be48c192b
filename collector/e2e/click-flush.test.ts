/**
 * Clicks at the deployment's default flush window (five minutes), on a real collector (wrangler
 * dev, local D1): they wait in the program's hub and reach D1 together, in one batch of three
 * statements, while every number stays current: the API's stats, the dashboard's overview, the
 * portal and the customer journey all show a click the moment it is answered.
 */
import type { BrowserContext } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { queryD1 } from '../../scripts/local-collector.mjs'
import { type Collector, launchBrowser, launchCollector, signIn } from './support'

const BROWSER_UA =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36'

let collector: Collector
let browser: BrowserContext

beforeAll(async () => {
  collector = await launchCollector({ vars: { CLICK_FLUSH_SECONDS: '300' } })
  browser = await launchBrowser()
})

afterAll(async () => {
  await browser?.close()
  await collector?.stop()
})

async function d1(programId: string): Promise<{ clicks: number; batches: number; counted: number }> {
  const rows = (await queryD1(
    collector.persistTo,
    `SELECT (SELECT COUNT(*) FROM clicks WHERE program_id = '${programId}') AS clicks,
            (SELECT COUNT(*) FROM click_batches WHERE program_id = '${programId}') AS batches,
            (SELECT COALESCE(SUM(clicks), 0) FROM rollups WHERE program_id = '${programId}') AS counted`,
  )) as Array<{ clicks: number; batches: number; counted: number }>
  return rows[0] as { clicks: number; batches: number; counted: number }
}

describe('clicks at the default flush window', () => {
  it('wait in the hub, show everywhere at once, and reach D1 in one batch', async () => {
    const { program, keys } = await collector.createProgram({ name: 'Sparse Co' })
    const sk = keys.secret ?? ''
    const aff = (
      await collector.api('POST', '/v1/affiliates', {
        token: sk,
        body: { name: 'Jane', email: 'jane@sparse.example', code: 'jane-sparse' },
      })
    ).body.affiliate
    const clickIds: string[] = []
    for (let i = 0; i < 12; i++) {
      const res = await fetch(`${collector.url}/v1/clicks`, {
        method: 'POST',
        headers: {
          'content-type': 'text/plain',
          'user-agent': BROWSER_UA,
          'cf-connecting-ip': `10.0.7.${i}`,
        },
        body: JSON.stringify({
          key: keys.publishable,
          ref: aff.code,
          sub: i % 2 ? 'news' : 'video',
          url: 'https://sparse.example/pricing',
        }),
      })
      expect(res.status).toBe(202)
      clickIds.push(((await res.json()) as { click_id: string }).click_id)
    }
    // Nothing has reached D1 yet: the batch is minutes away.
    expect(await d1(program.id)).toEqual({ clicks: 0, batches: 0, counted: 0 })

    // The API's stats, filtered or not, count all twelve now.
    const stats = await collector.api('GET', '/v1/stats', { token: sk })
    expect(stats.body.totals.clicks).toBe(12)
    expect(stats.body.affiliates[0].totals.clicks).toBe(12)
    const news = await collector.api('GET', `/v1/stats?affiliate=${aff.id}&sub=news&interval=hour`, {
      token: sk,
    })
    expect(news.body.totals.clicks).toBe(6)
    expect(news.body.series.reduce((n: number, p: { clicks: number }) => n + p.clicks, 0)).toBe(6)

    // The portal's numbers.
    const link = await collector.api('POST', `/v1/affiliates/${aff.id}/portal-link`, { token: sk })
    const portal = await fetch(`${new URL(link.body.portal_url).href.replace(/\/$/, '')}/data.json`)
    expect(portal.status).toBe(200)
    const series = ((await portal.json()) as { series: Array<{ clicks: number }> }).series
    expect(series.reduce((n, p) => n + p.clicks, 0)).toBe(12)

    // The dashboard's overview, as the page fetches it.
    const page = await browser.newPage()
    await signIn(page, collector.url, collector.adminToken)
    const overview = await page.request.get(
      `${collector.url}/dashboard/api/overview?program=${program.id}&mode=live&live=1`,
    )
    expect(overview.status()).toBe(200)
    const o = (await overview.json()) as {
      stats: { totals: { clicks: number } }
      live: { totals: { clicks: number } }
    }
    expect(o.stats.totals.clicks).toBe(12)
    expect(o.live.totals.clicks).toBe(12)
    await page.close()
    expect((await d1(program.id)).batches).toBe(0)

    // A customer's journey lists their click: the journey has the hub send what waits, so now
    // all twelve are in D1, in one batch (three statements for twelve clicks).
    const signup = await collector.api('POST', '/v1/signups', {
      token: sk,
      body: { customer_id: 'cus_sparse', click_id: clickIds[3] },
    })
    expect(signup.status).toBe(201)
    const journey = await collector.api('GET', '/v1/customers/cus_sparse/journey', { token: sk })
    expect(journey.body.journey.clicks.map((c: { click_id: string }) => c.click_id)).toContain(clickIds[3])
    expect(await d1(program.id)).toEqual({ clicks: 12, batches: 1, counted: 12 })
    // And the stats did not count them twice once they were there.
    expect((await collector.api('GET', '/v1/stats', { token: sk })).body.totals.clicks).toBe(12)
  })
})
