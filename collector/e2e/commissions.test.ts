/**
 * The commissions page in real Chromium against the real collector (wrangler dev, local D1):
 * filter by affiliate, select several with the keyboard and approve them in one action, reject
 * behind the confirmation step with a reason, open a commission's details and read its rule and
 * history, approve everything due, and the page at 390 px with no sideways scroll.
 */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import type { BrowserContext, Page } from 'playwright-core'
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

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')

/** axe-core's serious and critical findings on the page as it is now, by rule and element. */
async function axeFindings(page: Page): Promise<string[]> {
  await page.evaluate(axeSource)
  return page.evaluate(async () => {
    type Found = { id: string; impact: string | null; nodes: Array<{ target: string[] }> }
    const axe = (window as unknown as { axe: { run(): Promise<{ violations: Found[] }> } }).axe
    const { violations } = await axe.run()
    return violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)
  })
}

const rows = (page: Page) => page.locator('#review tbody tr[data-commission]')
const focusedId = (page: Page) =>
  page.evaluate(() => document.activeElement?.id ?? document.activeElement?.tagName)

describe('commissions page', () => {
  it('filters, approves a selection in one action, rejects with a reason and shows the history', async () => {
    const { program, keys } = await collector.createProgram({
      name: 'Review Co',
      commission: { type: 'percent', percent: 20 },
      signup_reward: { amount: 500, currency: 'USD' },
    })
    const sk = keys.secret
    const aff = async (name: string, code: string, extra: Record<string, unknown> = {}) =>
      (
        await collector.api('POST', '/v1/affiliates', {
          token: sk,
          body: { name, email: `${code}@partners.example`, code, ...extra },
        })
      ).body.affiliate
    const jane = await aff('Jane Cooper', 'janerev', { signup_reward: { amount: 1200, currency: 'USD' } })
    const omar = await aff('Omar Ali', 'omarrev')
    for (const [event_id, ref, amount] of [
      ['inv_r1', jane.code, 10_000],
      ['inv_r2', jane.code, 20_000],
      ['inv_r3', jane.code, 30_000],
      ['inv_r4', omar.code, 40_000],
    ] as const) {
      const res = await collector.api('POST', '/v1/conversions', {
        token: sk,
        body: { event_id, ref, amount, currency: 'USD', customer_id: `cus_${event_id}` },
      })
      expect(res.status).toBe(201)
    }
    // Jane's own signup reward, recorded as her override.
    const signup = await collector.api('POST', '/v1/signups', {
      token: sk,
      body: { customer_id: 'cus_rs', ref: jane.code },
    })
    expect(signup.body.signup.commission.amount).toBe(1200)
    // Test data never shows in the live view.
    await collector.api('POST', '/v1/conversions', {
      token: keys.test_secret,
      body: { event_id: 'inv_test', ref: jane.code, amount: 99_900, currency: 'USD' },
    })

    const page = await browser.newPage()
    await signIn(page, collector.url, collector.adminToken)
    await page.goto(`${collector.url}/dashboard?program=${program.id}&mode=live`)
    await page.getByRole('link', { name: 'Commissions', exact: true }).click()
    await page.waitForURL(/\/dashboard\/commissions\?program=/)
    await expect.poll(() => rows(page).count()).toBe(5)
    expect(await page.locator('#review-summary').textContent()).toContain('5 commissions shown')
    // 20% of 1,000.00 plus the 12.00 signup reward.
    expect(await page.locator('#review-summary').textContent()).toContain('$212.00 in total')

    // Filter to Jane: the URL carries it and every number follows.
    await page.getByLabel('Affiliate').selectOption({ label: 'Jane Cooper (janerev)' })
    await page.getByRole('button', { name: 'Apply' }).click()
    await page.waitForURL(new RegExp(`affiliate=${jane.id}`))
    await expect.poll(() => rows(page).count()).toBe(4)
    expect(await page.locator('#review-summary').textContent()).toContain('$132.00 in total')
    expect(await page.locator('#review-scope').textContent()).toContain('Jane Cooper (janerev)')
    expect(await page.locator('#review tbody').textContent()).not.toContain('Omar')
    const rewardRow = rows(page).filter({ hasText: 'Signup reward (affiliate override)' })
    expect(await rewardRow.count()).toBe(1)

    // Select all with the keyboard, leave the signup reward out, approve in one action.
    await page.locator('#select-all').focus()
    await page.keyboard.press('Space')
    expect(await page.locator('#selected-count').textContent()).toBe('4 selected')
    await rewardRow.locator('input[data-role="pick"]').uncheck()
    expect(await page.locator('#selected-count').textContent()).toBe('3 selected')
    expect(await page.locator('#select-all').evaluate((el) => (el as HTMLInputElement).indeterminate)).toBe(
      true,
    )
    await page.locator('#approve-selected').focus()
    await page.keyboard.press('Enter')
    await expect.poll(() => page.locator('#review-status').textContent()).toBe('3 commissions approved.')
    // The selection is gone, so focus moved to "Select all shown", never to <body>.
    expect(await focusedId(page)).toBe('select-all')
    // The view is "To review" (pending, on hold) by default: the approved ones leave it.
    await expect.poll(() => rows(page).count()).toBe(1)
    const approved = await collector.api('GET', `/v1/commissions?status=approved&affiliate=${jane.id}`, {
      token: sk,
    })
    expect(approved.body.commissions).toHaveLength(3)

    // Reject the signup reward with a reason, behind the confirmation step.
    await rows(page).first().locator('input[data-role="pick"]').check()
    await page.getByRole('button', { name: 'Reject selected' }).click()
    expect(await focusedId(page)).toBe('reject-reason')
    await page.keyboard.press('Escape')
    expect(await focusedId(page)).toBe('reject-selected')
    await page.getByRole('button', { name: 'Reject selected' }).click()
    await page.fill('#reject-reason', 'self referral')
    await page.getByRole('button', { name: 'Yes, reject 1' }).click()
    await expect.poll(() => page.locator('#review-status').textContent()).toBe('1 commission rejected.')
    await expect.poll(() => rows(page).count()).toBe(0)
    expect(await page.locator('#review td.empty').textContent()).toBe('No commissions match these filters.')

    // Every status: the details show the rule and the history, with times and the reason.
    await page.getByLabel('Status').selectOption({ label: 'Every status' })
    await page.getByRole('button', { name: 'Apply' }).click()
    await page.waitForURL(/status=&/)
    await expect.poll(() => rows(page).count()).toBe(4)
    const details = rewardRow.getByRole('button', { name: /details of Jane Cooper/i })
    await details.focus()
    await page.keyboard.press('Enter')
    const panel = page.locator('#review tr.details')
    await expect.poll(() => panel.locator('.history li').count()).toBe(2)
    expect(await details.getAttribute('aria-expanded')).toBe('true')
    const history = await panel.locator('.history').textContent()
    expect(history).toMatch(/Created by the event/)
    expect(history).toMatch(/Rejected by you/)
    expect(history).toContain('reason: self referral')
    expect(history).toMatch(/\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC/)
    expect(await panel.locator('.facts').textContent()).toContain('Signup reward (affiliate override)')
    // The toggle kept focus through the re-render.
    expect(await page.evaluate(() => (document.activeElement as HTMLElement).dataset.role)).toBe('details')

    // With a selection, the confirmation and a details row open, axe finds nothing serious.
    await page.locator('#review input[data-role="pick"]').first().check()
    await page.getByRole('button', { name: 'Reject selected' }).click()
    expect(await axeFindings(page)).toEqual([])
    await page.keyboard.press('Escape')

    // At phone width nothing is wider than the screen.
    await page.setViewportSize({ width: 390, height: 844 })
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390)
    await page.setViewportSize({ width: 1440, height: 900 })
    await page.close()
  })

  it('approves everything due and says it does not follow the filters', async () => {
    const { program, keys } = await collector.createProgram({ name: 'Due Co', hold_days: 0 })
    const aff = (
      await collector.api('POST', '/v1/affiliates', {
        token: keys.secret,
        body: { name: 'Dee', email: 'dee@partners.example', code: 'deedue' },
      })
    ).body.affiliate
    for (const event_id of ['inv_d1', 'inv_d2'])
      await collector.api('POST', '/v1/conversions', {
        token: keys.secret,
        body: { event_id, ref: aff.code, amount: 5_000, currency: 'USD' },
      })
    const page = await browser.newPage()
    await signIn(page, collector.url, collector.adminToken)
    await page.goto(
      `${collector.url}/dashboard/commissions?program=${program.id}&mode=live&from=2000-01-01&to=2000-01-02`,
    )
    await expect.poll(() => page.locator('#due-count').textContent()).toBe('2 due now.')
    expect(await rows(page).count()).toBe(0)
    expect(await page.locator('#due-title + .scope').textContent()).toContain('whatever the filters above')
    await page.getByRole('button', { name: 'Approve everything due' }).click()
    await expect.poll(() => page.locator('#review-status').textContent()).toBe('2 due commissions approved.')
    expect(await focusedId(page)).toBe('approve-due')
    const res = await collector.api('GET', '/v1/commissions?status=approved', { token: keys.secret })
    expect(res.body.commissions).toHaveLength(2)

    // The test-data view is its own: nothing of the live program shows or is due there.
    await page.getByRole('link', { name: 'Test data' }).click()
    await page.waitForURL(/mode=test/)
    await expect.poll(() => page.locator('#due-count').textContent()).toBe('0 due now.')
    expect(await page.locator('.banner').first().textContent()).toContain('test data')
    await page.close()
  })
})
