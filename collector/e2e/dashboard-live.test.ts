/**
 * The founder's dashboard under load and with filters, in real Chromium against a real collector:
 * the range views stay live during a burst, every number follows the filters (or says it
 * doesn't), sorting, refunds and conversions per affiliate, focus and confirmation on the
 * commission list, and no ambiguous dashes.
 */
import { randomBytes } from 'node:crypto'
import type { BrowserContext, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { type Collector, launchBrowser, launchCollector, signIn } from './support'

let collector: Collector
let browser: BrowserContext

beforeAll(async () => {
  collector = await launchCollector()
  browser = await launchBrowser()
})

afterAll(async () => {
  await browser?.close()
  await collector?.stop()
})

/** Uncaught errors of the dashboard pages: a script that throws half-way leaves stale numbers. */
let pageErrors: string[] = []
afterEach(() => {
  const errors = pageErrors
  pageErrors = []
  expect(errors).toEqual([])
})

const UA = 'Mozilla/5.0 (X11; Linux x86_64) Chrome/126.0 Safari/537.36'
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
/** `expect.poll` with room for a busy test machine (the default gives up after one second). */
const poll = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 15_000, interval: 100 })

interface Program {
  id: string
  secret: string
  publishable: string
  aff: Record<string, { id: string; code: string; name: string }>
}

async function makeProgram(name: string, people: string[]): Promise<Program> {
  const { program, keys } = await collector.createProgram({
    name,
    commission: { type: 'percent', percent: 20 },
  })
  const aff: Program['aff'] = {}
  for (const person of people) {
    const code = `${person}${program.id.slice(-4).toLowerCase()}`
    const res = await collector.api('POST', '/v1/affiliates', {
      token: keys.secret,
      body: {
        name: `${person[0]?.toUpperCase()}${person.slice(1)} Tester`,
        email: `${person}@p.example`,
        code,
      },
    })
    expect(res.status).toBe(201)
    aff[person] = res.body.affiliate
  }
  return { id: program.id, secret: keys.secret ?? '', publishable: keys.publishable ?? '', aff }
}

async function click(p: Program, ref: string, sub?: string): Promise<string> {
  const clickId = randomBytes(16).toString('base64url')
  const res = await fetch(`${collector.url}/v1/clicks`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain', 'user-agent': UA },
    body: JSON.stringify({ key: p.publishable, click_id: clickId, ref, url: 'https://acme.example/', sub }),
  })
  expect(res.status).toBe(202)
  return clickId
}

async function post(p: Program, path: string, body: Record<string, unknown>) {
  const res = await collector.api('POST', path, { token: p.secret, body })
  expect(res.status, JSON.stringify(res.body)).toBe(201)
  return res.body
}

async function openDashboard(programId: string, query: Record<string, string> = {}): Promise<Page> {
  const page = await browser.newPage()
  page.on('pageerror', (err) => pageErrors.push(err.message))
  await signIn(page, collector.url, collector.adminToken)
  await page.goto(`${collector.url}/dashboard?${new URLSearchParams({ program: programId, ...query })}`)
  await poll(() => page.locator('#conn').getAttribute('data-state')).toBe('live')
  return page
}

/** The text of one cell of the affiliate table, found by its column's header label. */
async function cell(page: Page, affiliateId: string, label: string): Promise<string> {
  return page.evaluate(
    ({ affiliateId, label }) => {
      const heads = Array.from(document.querySelectorAll('#affiliates thead th'))
      const i = heads.findIndex((th) => th.textContent?.trim() === label)
      if (i < 0) return `no column ${label}`
      const row = document.querySelector(`#affiliates tr[data-affiliate="${affiliateId}"]`)
      return row?.children[i]?.textContent?.trim() ?? 'no row'
    },
    { affiliateId, label },
  )
}

describe('dashboard under load', () => {
  it('keeps the affiliate table, day chart and commission list live during a burst of 5 events/s', async () => {
    const p = await makeProgram('Burst', ['ann', 'ben'])
    const ann = p.aff.ann!
    const page = await openDashboard(p.id)
    await poll(() => cell(page, ann.id, 'Clicks')).toBe('0')
    const commissionCount = () => page.locator('#commissions tr[data-commission]').count()

    // Sampled inside the page, with the time of each sample, until the final numbers show.
    await page.evaluate(() => {
      const w = window as unknown as { samples: Array<[number, number, number, number]>; sampler: number }
      w.samples = []
      w.sampler = window.setInterval(() => {
        const row = document.querySelector('#affiliates tbody tr[data-affiliate] td[data-col="clicks"]')
        w.samples.push([
          Date.now(),
          Number(row?.textContent ?? -1),
          Number(document.querySelector('#chart-days')?.getAttribute('data-clicks') ?? -1),
          document.querySelectorAll('#commissions tr[data-commission]').length,
        ])
      }, 100)
    })
    // 40 events, alternating clicks and conversions, sent on a clock every 180 ms (5.5/s)
    // whatever the answers' latency (at most 40 requests, all to the local collector).
    const started = Date.now()
    const sent: Array<Promise<unknown>> = []
    for (let i = 0; i < 40; i++) {
      sent.push(
        i % 2 === 0
          ? click(p, ann.code, 'news')
          : post(p, '/v1/conversions', {
              event_id: `inv_burst_${i}`,
              ref: ann.code,
              amount: 1_000,
              currency: 'USD',
            }),
      )
      await sleep(started + (i + 1) * 180 - Date.now())
    }
    const ended = Date.now()
    await Promise.all(sent)
    // It settles on the server's numbers.
    await poll(() => cell(page, ann.id, 'Clicks')).toBe('20')
    await poll(() => page.locator('#chart-days').getAttribute('data-clicks')).toBe('20')
    await poll(() => page.locator('#chart-days').getAttribute('data-conversions')).toBe('20')
    await poll(commissionCount).toBe(20)
    const samples = await page.evaluate(() => {
      const w = window as unknown as { samples: Array<[number, number, number, number]>; sampler: number }
      clearInterval(w.sampler)
      return w.samples
    })
    const rate = 40 / ((ended - started) / 1000)
    const report = `${rate.toFixed(1)} events/s, sending ended at ${ended - started} ms, samples (ms, clicks, chart, commissions): ${JSON.stringify(samples.map(([t, ...v]) => [t - started, ...v]))}`
    expect(rate, report).toBeGreaterThanOrEqual(5)
    // Updated during the burst, not only after it: the table and chart show numbers between the
    // start and the end (each event applied on its own), the first of them while events were
    // still being sent; the commission list shows a refetch between the first and the last.
    const between = (i: 1 | 2 | 3) => samples.filter((s) => s[i] > 0 && s[i] < 20)
    for (const i of [1, 2] as const) {
      expect(new Set(between(i).map((s) => s[i])).size, report).toBeGreaterThanOrEqual(3)
      expect(between(i)[0]?.[0] ?? Number.POSITIVE_INFINITY, report).toBeLessThan(ended)
    }
    expect(between(3).length, report).toBeGreaterThanOrEqual(1)
    await page.close()
  })
})

describe('dashboard filters and table', () => {
  let p: Program

  beforeAll(async () => {
    p = await makeProgram('Filters', ['ann', 'ben', 'cat'])
    const { ann, ben, cat } = p.aff as Record<string, { code: string }>
    // ann: 3 clicks on "news" (2 signups, 1 conversion of $49 partly refunded $10), 2 on "video"
    // (1 signup, 1 conversion of $99); ben: 1 on "news", 4 on "video" (1 signup, 1 conversion of
    // $29); cat: 2 clicks, nothing else. Plus ben's back-dated signup and conversion 3 days ago.
    const annNews = [await click(p, ann!.code, 'news'), await click(p, ann!.code, 'news')]
    await click(p, ann!.code, 'news')
    const annVideo = await click(p, ann!.code, 'video')
    await click(p, ann!.code, 'video')
    await click(p, ben!.code, 'news')
    const benVideo = await click(p, ben!.code, 'video')
    for (let i = 0; i < 3; i++) await click(p, ben!.code, 'video')
    await click(p, cat!.code)
    await click(p, cat!.code)
    await post(p, '/v1/signups', { customer_id: 'cus_an1', click_id: annNews[0] })
    await post(p, '/v1/signups', { customer_id: 'cus_an2', click_id: annNews[1] })
    await post(p, '/v1/signups', { customer_id: 'cus_av1', click_id: annVideo })
    await post(p, '/v1/signups', { customer_id: 'cus_bv1', click_id: benVideo })
    await post(p, '/v1/conversions', {
      event_id: 'inv_an1',
      customer_id: 'cus_an1',
      amount: 4_900,
      currency: 'USD',
    })
    await post(p, '/v1/conversions', {
      event_id: 'inv_av1',
      customer_id: 'cus_av1',
      amount: 9_900,
      currency: 'USD',
    })
    await post(p, '/v1/conversions', {
      event_id: 'inv_bv1',
      customer_id: 'cus_bv1',
      amount: 2_900,
      currency: 'USD',
    })
    await post(p, '/v1/refunds', { event_id: 'ref_an1', conversion_event_id: 'inv_an1', amount: 1_000 })
    const past = new Date(Date.now() - 3 * 86_400_000).toISOString()
    await post(p, '/v1/signups', { customer_id: 'cus_old', ref: ben!.code, occurred_at: past })
    await post(p, '/v1/conversions', {
      event_id: 'inv_old',
      customer_id: 'cus_old',
      amount: 10_000,
      currency: 'USD',
      occurred_at: past,
    })
    // Clicks reach D1 in batches: wait until the stats see all twelve.
    for (let i = 0; ; i++) {
      const { body } = await collector.api('GET', '/v1/stats', { token: p.secret })
      if (body.totals.clicks === 12) break
      if (i > 50) throw new Error(`stats still show ${body.totals.clicks} clicks`)
      await sleep(200)
    }
  })

  it('makes every number follow the affiliate, sub and date filters, or says it does not', async () => {
    const { ann } = p.aff as Record<string, { id: string; code: string }>
    const page = await openDashboard(p.id, { affiliate: ann!.id, sub: 'news' })
    const range = (key: string) => page.locator(`[data-range="${key}"]`).textContent()
    // ann on "news": 3 clicks, 2 signups, 1 conversion, 1 refund, $49 − $10 = $39 revenue,
    // 20% of $49 = $9.80 less the refunded share ($2.00) = $7.80 commission.
    await poll(() => range('clicks')).toBe('3')
    expect(await range('signups')).toBe('2')
    expect(await range('conversions')).toBe('1')
    expect(await range('refunds')).toBe('1')
    expect(await range('revenue')).toBe('$39.00')
    expect(await range('commission')).toBe('$7.80')
    // The table shows ann alone, with the same numbers.
    await poll(() => page.locator('#affiliates tbody tr').count()).toBe(1)
    expect(await cell(page, ann!.id, 'Clicks')).toBe('3')
    expect(await cell(page, ann!.id, 'Conversions')).toBe('1')
    expect(await cell(page, ann!.id, 'Refunds')).toBe('1')
    expect(await cell(page, ann!.id, 'Revenue')).toBe('$39.00')
    // The day chart follows all three filters.
    await poll(() => page.locator('#chart-days').getAttribute('data-clicks')).toBe('3')
    expect(await page.locator('#chart-days').getAttribute('data-signups')).toBe('2')
    // The last hour follows the affiliate (every sub-id) and says so.
    await poll(() => page.locator('#chart-minutes').getAttribute('data-clicks')).toBe('5')
    expect(await page.locator('#scope-minutes').textContent()).toMatch(/every sub-id/i)
    // The commission list shows ann's commissions only.
    await poll(() => page.locator('#commissions tr[data-commission]').count()).toBe(2)
    expect(await page.locator('#commissions tbody .aff-code').allTextContents()).toEqual([
      ann!.code,
      ann!.code,
    ])
    // The all-time counters are the whole program's, and the page says so.
    expect(await page.locator('[data-total="clicks"]').textContent()).toBe('12')
    expect(await page.locator('#live-totals').getAttribute('aria-label')).toMatch(/whole program, all time/i)
    expect(await page.locator('.counters-note').textContent()).toMatch(/whole program, all time/i)

    // Another sub, another affiliate: video for ben.
    const { ben } = p.aff as Record<string, { id: string }>
    await page.goto(
      `${collector.url}/dashboard?${new URLSearchParams({ program: p.id, affiliate: ben!.id, sub: 'video' })}`,
    )
    await poll(() => range('clicks')).toBe('4')
    expect(await range('conversions')).toBe('1')
    expect(await range('revenue')).toBe('$29.00')
    expect(await cell(page, ben!.id, 'Signups')).toBe('1')

    // A past day: only ben's back-dated signup and conversion; today's clicks are outside it.
    const day = new Date(Date.now() - 3 * 86_400_000).toISOString().slice(0, 10)
    await page.goto(
      `${collector.url}/dashboard?${new URLSearchParams({ program: p.id, from: day, to: day })}`,
    )
    await poll(() => range('conversions')).toBe('1')
    expect(await range('clicks')).toBe('0')
    expect(await range('revenue')).toBe('$100.00')
    expect(await cell(page, ben!.id, 'Revenue')).toBe('$100.00')
    expect(await cell(page, ann!.id, 'Revenue')).toBe('$0.00')
    expect(await cell(page, ann!.id, 'Last activity')).toBe('none in range')
    await page.close()
  })

  it('shows conversions and refunds per affiliate and a refunds counter', async () => {
    const { ann, ben, cat } = p.aff as Record<string, { id: string }>
    const page = await openDashboard(p.id)
    await poll(() => cell(page, ann!.id, 'Conversions')).toBe('2')
    expect(await cell(page, ann!.id, 'Refunds')).toBe('1')
    expect(await cell(page, ben!.id, 'Conversions')).toBe('2')
    expect(await cell(page, ben!.id, 'Refunds')).toBe('0')
    expect(await cell(page, cat!.id, 'Conversions')).toBe('0')
    expect(await page.locator('[data-total="refunds"]').textContent()).toBe('1')
    await page.close()
  })

  it('sorts the affiliate table by each column header and sets aria-sort', async () => {
    const page = await openDashboard(p.id)
    await poll(() => page.locator('#affiliates tbody tr[data-affiliate]').count()).toBe(3)
    // Clicks, largest first: ben (5), ann (5), cat (2); the header says so.
    const clicksHeader = page.locator('#affiliates thead th', { hasText: /^Clicks$/ })
    await clicksHeader.locator('button').click()
    expect(await clicksHeader.getAttribute('aria-sort')).toBe('descending')
    const byClicks = await page
      .locator('#affiliates tbody tr')
      .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-affiliate')))
    expect(byClicks[2]).toBe(p.aff.cat!.id)

    const labels = await page.locator('#affiliates thead th').allTextContents()
    expect(labels).toEqual([
      'Affiliate',
      'Clicks',
      'Signups',
      'Conversions',
      'Refunds',
      'Conv. rate',
      'Revenue',
      'Commission',
      'Last activity',
    ])
    for (const [i, label] of labels.entries()) {
      const th = page.locator('#affiliates thead th').nth(i)
      const values = () =>
        page
          .locator('#affiliates tbody tr')
          .evaluateAll((rows, i) => rows.map((r) => r.children[i]?.getAttribute('data-sort-value') ?? ''), i)
      const ordered = (xs: string[], dir: 1 | -1) => {
        const numeric = xs.every((x) => x !== '' && !Number.isNaN(Number(x)))
        return xs.every((x, j) => {
          if (j === 0) return true
          const prev = xs[j - 1] ?? ''
          const c = numeric ? Number(x) - Number(prev) : x.localeCompare(prev)
          return c * dir >= 0
        })
      }
      await th.locator('button').click()
      const first = await th.getAttribute('aria-sort')
      expect(first, label).toMatch(/^(ascending|descending)$/)
      const firstValues = await values()
      expect(ordered(firstValues, first === 'ascending' ? 1 : -1), `${label}: ${firstValues}`).toBe(true)
      // Every other header says it is not the sort column.
      for (const [j] of labels.entries())
        if (j !== i)
          expect(await page.locator('#affiliates thead th').nth(j).getAttribute('aria-sort')).toBe('none')
      await th.locator('button').press('Enter')
      const second = await th.getAttribute('aria-sort')
      expect(second).toBe(first === 'ascending' ? 'descending' : 'ascending')
      const secondValues = await values()
      expect(ordered(secondValues, second === 'ascending' ? 1 : -1), `${label}: ${secondValues}`).toBe(true)
    }
    await page.close()
  })

  it('moves focus to the next action after approving, and asks before rejecting', async () => {
    const page = await openDashboard(p.id)
    const rows = page.locator('#commissions tbody tr[data-commission]')
    await poll(() => rows.count()).toBe(4)
    const firstId = await rows.first().getAttribute('data-commission')
    const secondId = await rows.nth(1).getAttribute('data-commission')
    await rows.first().locator('button[data-action=approve]').focus()
    await page.keyboard.press('Enter')
    await poll(() => rows.count()).toBe(3)
    const focused = () =>
      page.evaluate(() => {
        const el = document.activeElement as HTMLElement | null
        return {
          tag: el?.tagName ?? '',
          action: el?.dataset.action ?? '',
          row: el?.closest('tr')?.getAttribute('data-commission') ?? '',
        }
      })
    await poll(focused).toEqual({ tag: 'BUTTON', action: 'approve', row: secondId })
    expect(
      (
        await collector.api('GET', `/v1/commissions?status=approved`, { token: p.secret })
      ).body.commissions.map((c: { id: string }) => c.id),
    ).toContain(firstId)

    // Reject asks first; cancelling keeps the commission and puts focus back on Reject.
    await page.keyboard.press('Tab')
    expect(await focused()).toEqual({ tag: 'BUTTON', action: 'reject', row: secondId })
    await page.keyboard.press('Enter')
    await poll(() => rows.first().textContent()).toMatch(/Reject this commission\?/)
    expect((await focused()).action).toBe('cancel-reject')
    await page.keyboard.press('Enter')
    await poll(focused).toEqual({ tag: 'BUTTON', action: 'reject', row: secondId })
    const pending = await collector.api('GET', `/v1/commissions?status=pending`, { token: p.secret })
    expect(pending.body.commissions.map((c: { id: string }) => c.id)).toContain(secondId)
    expect(await rows.count()).toBe(3)

    // Confirming rejects it and moves focus to the next row's first action.
    await page.keyboard.press('Enter')
    await page.locator('#commissions button[data-action=confirm-reject]').click()
    await poll(() => rows.count()).toBe(2)
    const thirdId = await rows.first().getAttribute('data-commission')
    await poll(focused).toEqual({ tag: 'BUTTON', action: 'approve', row: thirdId })
    const rejected = await collector.api('GET', `/v1/commissions?status=rejected`, { token: p.secret })
    expect(rejected.body.commissions.map((c: { id: string }) => c.id)).toContain(secondId)
    await page.close()
  })
})

describe('empty dashboard', () => {
  it('says the charts have no data yet and shows no ambiguous dash', async () => {
    const p = await makeProgram('Empty', ['ann'])
    const page = await openDashboard(p.id)
    await poll(() => page.locator('#affiliates tbody tr[data-affiliate]').count()).toBe(1)
    for (const id of ['#chart-days', '#chart-minutes'])
      await poll(() => page.locator(`${id} .chart-empty`).isVisible()).toBe(true)
    expect(await page.locator('#chart-days .chart-empty').textContent()).toMatch(/no data yet/i)
    expect(await page.locator('[data-total="revenue"]').textContent()).toBe('$0.00')
    // innerText: what is shown (hidden elements left out), which is what could mislead.
    // biome-ignore lint/performance/useDomNodeTextContent: the visible text is the point here
    expect(await page.locator('body').innerText()).not.toContain('—')
    // The first click takes the empty message away.
    await click(p, p.aff.ann!.code)
    await poll(() => page.locator('#chart-minutes .chart-empty').isVisible()).toBe(false)
    await page.close()
  })
})
