/**
 * The settings page in real Chromium against the real collector (wrangler dev, local D1): a new
 * commission rate saved on the page applies to the next conversion while the earlier one keeps its
 * amount, and a refused value is shown next to its field.
 */
import type { BrowserContext } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
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

describe('settings page', () => {
  it('a new rate applies to the next conversion only; a bad value is named next to its field', async () => {
    const { program, keys } = await collector.createProgram({
      name: 'Settings Co',
      commission: { type: 'percent', percent: 20 },
    })
    const sk = keys.secret ?? ''
    const aff = (
      await collector.api('POST', '/v1/affiliates', {
        token: sk,
        body: { name: 'Rae', email: 'rae@partners.example', code: 'rae-settings' },
      })
    ).body.affiliate
    const convert = (event_id: string) =>
      collector.api('POST', '/v1/conversions', {
        token: sk,
        body: { event_id, ref: aff.code, amount: 10_000, currency: 'USD' },
      })
    const before = await convert('inv_s1')
    expect(before.body.conversion.commission.amount).toBe(2_000)

    const page = await browser.newPage()
    await signIn(page, collector.url, collector.adminToken)
    await page.goto(`${collector.url}/dashboard/settings?program=${program.id}`)
    await page.getByText('Changes apply to new events only').waitFor()
    expect(await page.inputValue('#f-commission_percent')).toBe('20')
    await page.fill('#f-commission_percent', '35')
    await page.click('form.settings button[type=submit]')
    await page.locator('#saved').waitFor()
    expect(await page.inputValue('#f-commission_percent')).toBe('35')

    const after = await convert('inv_s2')
    expect(after.body.conversion.commission.amount).toBe(3_500)
    const list = await collector.api('GET', '/v1/commissions', { token: sk })
    const amounts = new Map(
      list.body.commissions.map((c: { id: string; amount: number }) => [c.id, c.amount]),
    )
    expect(amounts.get(before.body.conversion.commission.id)).toBe(2_000)

    await page.fill('#f-cookie_days', '401')
    await page.click('form.settings button[type=submit]')
    const error = page.locator('#e-cookie_days')
    await error.waitFor()
    await expect(error.textContent()).resolves.toContain('cookie_days')
    expect(await page.inputValue('#f-cookie_days')).toBe('401')
    expect((await collector.api('GET', '/v1/program', { token: sk })).body.program.cookie_days).toBe(30)
    await page.close()
  })
})
