/**
 * The Health page in real Chromium against the real collector (wrangler dev, local D1): tracking
 * health figures and origins from real clicks, an alert raised by a real rule, the mode switch,
 * and the test-data purge behind its confirmation; and a customer's journey view, reached from the
 * affiliate page's conversions.
 */
import type { BrowserContext } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Collector, launchBrowser, launchCollector, signIn } from './support'

const BROWSER_UA =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36'

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

async function click(pk: string, ref: string, url: string): Promise<void> {
  const res = await fetch(`${collector.url}/v1/clicks`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain', 'user-agent': BROWSER_UA },
    body: JSON.stringify({ key: pk, ref, url }),
  })
  expect(res.status).toBe(202)
}

describe('health page', () => {
  it('shows where the script runs, the credited share and the alerts; purges test data once confirmed', async () => {
    const { program, keys } = await collector.createProgram({ name: 'Health Co' })
    const sk = keys.secret ?? ''
    const testSk = keys.test_secret ?? ''
    const aff = await collector.api('POST', '/v1/affiliates', {
      token: sk,
      body: { name: 'Jane', email: 'jane@health.example', code: 'jane-health' },
    })
    expect(aff.status).toBe(201)
    await collector.api('PATCH', '/v1/program', {
      token: sk,
      body: { fraud: { unattributed_share: { max_share: 0.5, min_conversions: 2 } } },
    })
    await click(keys.publishable ?? '', 'jane-health', 'https://www.health.example/pricing?ref=jane-health')
    for (const id of ['inv_h1', 'inv_h2']) {
      const res = await collector.api('POST', '/v1/conversions', {
        token: sk,
        body: { event_id: id, amount: 4900, currency: 'USD' },
      })
      expect(res.status).toBe(201)
    }
    const testConv = await collector.api('POST', '/v1/conversions', {
      token: testSk,
      body: { event_id: 'inv_test_h', amount: 100, currency: 'USD' },
    })
    expect(testConv.status).toBe(201)

    const page = await browser.newPage()
    await signIn(page, collector.url, collector.adminToken)
    await page.goto(`${collector.url}/dashboard/health?program=${program.id}&mode=live`)
    await expect(page.locator('#origins').textContent()).resolves.toContain('https://www.health.example')
    expect(await page.locator('#last-click').textContent()).not.toBe('never')
    await expect(page.locator('#attributed-share').textContent()).resolves.toBe('0 %')
    const alert = page.locator('#alerts tr[data-type="unattributed_share"]')
    await expect(alert.textContent()).resolves.toContain('came with no click id, ref or promotion code')
    // Live data has no purge button; the nav marks the page and keeps the mode.
    expect(await page.locator('form[action*="purge-test-data"]').count()).toBe(0)
    expect(await page.locator('nav[aria-label="Pages"] a[aria-current="page"]').textContent()).toBe('Health')

    // Test data: its own figures (no live alert), and the purge behind a ticked box.
    await page.click('nav[aria-label="Data mode"] >> text=Test data')
    await page.locator('#purge-h').waitFor()
    await expect(page.locator('#alerts-empty').textContent()).resolves.toContain('test data')
    await page.click('form[action*="purge-test-data"] button[type=submit]')
    // Not ticked: the browser refuses to send it, so nothing was deleted.
    expect(await page.locator('#purged').count()).toBe(0)
    const before = await collector.api('GET', '/v1/conversions', { token: testSk })
    expect(before.body.conversions).toHaveLength(1)
    await page.check('input[name=confirm]')
    await page.click('form[action*="purge-test-data"] button[type=submit]')
    await expect(page.locator('#purged').textContent()).resolves.toMatch(/Test data deleted: \d+ records/)
    const after = await collector.api('GET', '/v1/conversions', { token: testSk })
    expect(after.body.conversions).toEqual([])
    // Live data is untouched.
    const live = await collector.api('GET', '/v1/conversions', { token: sk })
    expect(live.body.conversions).toHaveLength(2)

    // Sent without the box (as a script could), the server refuses too and deletes nothing.
    await collector.api('POST', '/v1/conversions', {
      token: testSk,
      body: { event_id: 'inv_test_h2', amount: 100, currency: 'USD' },
    })
    const csrf = await page.locator('input[name=_csrf]').first().inputValue()
    const refused = await page.evaluate(
      async ({ url, csrf }) => {
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ _csrf: csrf }),
        })
        return res.status
      },
      { url: `/dashboard/health/purge-test-data?program=${program.id}`, csrf },
    )
    expect(refused).toBe(400)
    expect((await collector.api('GET', '/v1/conversions', { token: testSk })).body.conversions).toHaveLength(
      1,
    )
    await page.close()
  })

  it('opens a customer’s journey from the affiliate page: the credited click, the decision, the commission history', async () => {
    const { program, keys } = await collector.createProgram({
      name: 'Journey Co',
      commission: { type: 'percent', percent: 20 },
    })
    const sk = keys.secret ?? ''
    const aff = (
      await collector.api('POST', '/v1/affiliates', {
        token: sk,
        body: { name: 'Omar', email: 'omar@journey.example', code: 'omar-journey' },
      })
    ).body.affiliate
    const res = await fetch(`${collector.url}/v1/clicks`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', 'user-agent': BROWSER_UA },
      body: JSON.stringify({
        key: keys.publishable,
        ref: aff.code,
        url: 'https://journey.example/pricing?ref=omar-journey&sub=yt',
      }),
    })
    const { click_id } = (await res.json()) as { click_id: string }
    expect(
      (
        await collector.api('POST', '/v1/signups', {
          token: sk,
          body: { customer_id: 'cus_story', click_id },
        })
      ).status,
    ).toBe(201)
    expect(
      (
        await collector.api('POST', '/v1/conversions', {
          token: sk,
          body: { event_id: 'inv_story', customer_id: 'cus_story', amount: 10_000, currency: 'USD' },
        })
      ).status,
    ).toBe(201)

    const page = await browser.newPage()
    await signIn(page, collector.url, collector.adminToken)
    await page.goto(`${collector.url}/dashboard/affiliates/${aff.id}?program=${program.id}`)
    await page.click('#aff-conversions a:text("cus_story")')
    await page.locator('#journey').waitFor()
    expect(new URL(page.url()).pathname).toBe('/dashboard/customers/cus_story')
    await expect(page.locator('#decision').textContent()).resolves.toContain('Omar (omar-journey)')
    await expect(
      page.locator(`#journey-clicks tr[data-click="${click_id}"]`).getAttribute('data-credited'),
    ).resolves.toBe('yes')
    const commission = page.locator('article.commission').first()
    await expect(commission.textContent()).resolves.toContain('$20.00')
    await expect(commission.locator('ol.history li').first().textContent()).resolves.toContain('pending')
    // From the commissions page: a commission's details link to the same journey.
    await page.goto(`${collector.url}/dashboard/commissions?program=${program.id}&mode=live`)
    await page.locator('[data-role="details"]').first().click()
    await page.click('a:text("Customer journey")')
    await page.locator('#journey').waitFor()
    expect(new URL(page.url()).pathname).toBe('/dashboard/customers/cus_story')
    // Another mode has no such customer: a 404, not the live story.
    const other = await page.goto(
      `${collector.url}/dashboard/customers/cus_story?program=${program.id}&mode=test`,
    )
    expect(other?.status()).toBe(404)
    await page.close()
  })
})
