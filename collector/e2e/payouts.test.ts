/**
 * The payouts page in real Chromium against the real collector (wrangler dev, local D1): create a
 * payout, review its lines, download both CSVs (parsed cell by cell), mark it paid behind the
 * confirmation step, and see it on the affiliate's portal.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseCsv } from '../src/domain/csv'
import { type Collector, launchBrowser, launchCollector, portalPath, resultsDir, signIn } from './support'

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

const EVIL = '=HYPERLINK("http://evil.example","click")'

async function download(page: Page, name: string): Promise<string> {
  const [file] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name }).click()])
  const path = await file.path()
  return readFileSync(path, 'utf8')
}

describe('payouts page', () => {
  it('creates a payout, downloads both CSVs and marks it paid', async () => {
    const { program, keys } = await collector.createProgram({
      name: 'Payout Co',
      commission: { type: 'percent', percent: 30 },
    })
    const sk = keys.secret
    const aff = async (name: string, email: string, code: string) =>
      (await collector.api('POST', '/v1/affiliates', { token: sk, body: { name, email, code } })).body
        .affiliate
    const jane = await aff('Jane Cooper', 'jane@partners.example', 'janepay')
    const omar = await aff(EVIL, 'omar@partners.example', 'omarpay')
    for (const [event_id, ref, amount] of [
      ['inv_1', jane.code, 4_900],
      ['inv_2', jane.code, 9_900],
      ['inv_3', omar.code, 4_900],
    ] as const) {
      const conv = await collector.api('POST', '/v1/conversions', {
        token: sk,
        body: { event_id, ref, amount, currency: 'USD' },
      })
      expect(conv.status).toBe(201)
      // A founder may approve before the hold ends.
      const id = conv.body.conversion.commission.id
      expect((await collector.api('POST', `/v1/commissions/${id}/approve`, { token: sk })).status).toBe(200)
    }

    const page = await browser.newPage()
    await signIn(page, collector.url, collector.adminToken)
    await page.getByRole('link', { name: 'Payouts' }).click()
    await page.waitForURL(/\/dashboard\/payouts\?program=/)
    await expect.poll(() => page.locator('#payout-list td.empty').textContent()).toBe('No payouts yet.')

    await page.getByRole('button', { name: 'Create payout' }).click()
    await expect
      .poll(() => page.locator('#new-payout-result').textContent())
      .toContain('$59.10 to 2 affiliate(s)')
    await expect.poll(() => page.locator('#payout-detail').isVisible()).toBe(true)
    expect(await page.locator('#payout-items tbody tr').count()).toBe(2)
    const janeRow = page.locator('#payout-items tbody tr', { hasText: 'Jane Cooper' })
    expect(await janeRow.locator('td.num').first().textContent()).toBe('$44.40')
    const payoutId = ((await page.locator('#payout-title').textContent()) ?? '').replace('Payout ', '')
    expect(payoutId).toMatch(/^po_/)

    const paypal = parseCsv(await download(page, 'PayPal CSV (USD)'))
    const note = paypal[0]?.[4] ?? ''
    expect(note).toContain(payoutId)
    expect(paypal.sort((a, b) => (a[0] ?? '').localeCompare(b[0] ?? ''))).toEqual([
      ['jane@partners.example', '44.40', 'USD', jane.id, note],
      ['omar@partners.example', '14.70', 'USD', omar.id, note],
    ])
    const exported = await download(page, 'Export CSV')
    expect(exported.charCodeAt(0)).not.toBe(0xfeff)
    const rows = parseCsv(exported)
    expect(rows[0]?.join(',')).toBe(
      'affiliate_id,affiliate_code,name,email,currency,amount,amount_minor,commission_ids',
    )
    expect(rows.find((r) => r[0] === omar.id)?.slice(0, 7)).toEqual([
      omar.id,
      omar.code,
      `'${EVIL}`,
      'omar@partners.example',
      'USD',
      '14.70',
      '1470',
    ])

    // Marking paid asks first; cancelling changes nothing.
    await page.getByRole('button', { name: 'Mark paid…' }).click()
    await page.getByRole('button', { name: 'Cancel' }).click()
    expect((await collector.api('GET', `/v1/payouts/${payoutId}`, { token: sk })).body.payout.status).toBe(
      'pending',
    )
    await page.getByRole('button', { name: 'Mark paid…' }).click()
    expect(await page.locator('#payout-actions .confirm').textContent()).toContain('Mark $59.10 paid')
    await page.getByRole('button', { name: 'Yes, mark paid' }).click()
    await expect.poll(() => page.locator('#payout-status-pill').textContent()).toBe('paid')
    await expect.poll(() => page.locator('#payout-message').textContent()).toContain('marked paid')
    const api = await collector.api('GET', `/v1/payouts/${payoutId}`, { token: sk })
    expect(api.body.payout).toMatchObject({ status: 'paid', totals: { USD: 5_910 } })
    await page.screenshot({ path: join(resultsDir, 'payouts.png'), fullPage: true })

    // The affiliate's portal shows the balance and the payout.
    const portal = await browser.newPage()
    await portal.goto(`${collector.url}${portalPath(jane.portal_url)}`)
    await expect
      .poll(() => portal.locator('#balance tr[data-balance="paid"] td.num').textContent())
      .toBe('$44.40')
    expect(await portal.locator('#payouts tbody tr').count()).toBe(1)
    expect(await portal.locator('#payouts tbody tr td.num').textContent()).toBe('$44.40')
    expect(await portal.locator('#next-payout').textContent()).toContain('Next payout:')
    expect(await portal.content()).not.toContain('omar@partners.example')
    await portal.screenshot({ path: join(resultsDir, 'portal-payouts.png'), fullPage: true })
    await portal.close()
    await page.close()
    expect(program.id).toMatch(/^prg_/)
  })
})
