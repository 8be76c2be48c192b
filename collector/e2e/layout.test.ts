/**
 * Every page at a phone's width (390 px) in real Chromium against the real collector: nothing
 * wider than the screen (`document.documentElement.scrollWidth <= 390`). Saves the screenshots
 * the guides use (docs/img).
 */
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { BrowserContext } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type Collector,
  launchBrowser,
  launchCollector,
  portalPath,
  type Seeded,
  seedProgram,
  signIn,
} from './support'

const docsImg = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs', 'img')

let collector: Collector
let browser: BrowserContext
let seeded: Seeded

beforeAll(async () => {
  collector = await launchCollector()
  seeded = await seedProgram(collector)
  const jane = seeded.affiliates.jane
  await collector.api('PATCH', `/v1/affiliates/${jane?.id}`, {
    token: seeded.keys.secret,
    body: { promo_codes: ['JANE20'] },
  })
  browser = await launchBrowser()
}, 300_000)

afterAll(async () => {
  await browser?.close()
  await collector?.stop()
})

async function phonePage() {
  const page = await browser.newPage()
  await page.setViewportSize({ width: 390, height: 844 })
  return page
}

async function width(page: import('playwright-core').Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth)
}

describe('pages at 390 px', () => {
  it('the sign-in page fits', async () => {
    const page = await browser
      .browser()
      ?.newContext()
      .then((c) => c.newPage())
    if (!page) throw new Error('no browser')
    await page.setViewportSize({ width: 390, height: 844 })
    await page.goto(`${collector.url}/dashboard/sign-in`)
    expect(await width(page)).toBeLessThanOrEqual(390)
    await page.context().close()
  })

  it('the overview and the affiliate page fit, and the table links to the page', async () => {
    const page = await phonePage()
    await signIn(page, collector.url, collector.adminToken)
    await page.goto(`${collector.url}/dashboard?program=${seeded.programId}`)
    await page.locator('a.aff-name').first().waitFor({ timeout: 30_000 })
    expect(await width(page)).toBeLessThanOrEqual(390)
    await page.locator('a.aff-name', { hasText: 'Jane Cooper' }).click()
    await page.waitForURL(/\/dashboard\/affiliates\/aff_/)
    await expect.poll(() => page.locator('h1').textContent()).toContain('Jane Cooper')
    expect(await width(page)).toBeLessThanOrEqual(390)
    await page.screenshot({ path: join(docsImg, 'affiliate-page-phone.png'), fullPage: true })
    await page.setViewportSize({ width: 1280, height: 900 })
    await page.screenshot({ path: join(docsImg, 'affiliate-page.png'), fullPage: true })
    await page.close()
  })

  it('the programs page fits, also with a new program, its keys, snippets and checklist', async () => {
    const page = await phonePage()
    await signIn(page, collector.url, collector.adminToken)
    await page.goto(`${collector.url}/dashboard/programs?program=${seeded.programId}`)
    await page.locator('#programs').waitFor()
    expect(await width(page)).toBeLessThanOrEqual(390)
    await page.fill('#p-name', 'Phone Width Co')
    await page.click('#new-program button[type=submit]')
    await page.locator('#checklist').waitFor()
    expect(await width(page)).toBeLessThanOrEqual(390)
    await page.screenshot({ path: join(docsImg, 'programs-phone.png'), fullPage: true })
    await page.setViewportSize({ width: 1280, height: 900 })
    await page.screenshot({ path: join(docsImg, 'programs.png'), fullPage: true })
    await page.close()
  })

  it('the health, journey, commissions, payouts, settings and applications pages fit', async () => {
    const jane = seeded.affiliates.jane
    await collector.api('POST', '/v1/signups', {
      token: seeded.keys.secret,
      body: { customer_id: 'cus_phone_width_story', ref: jane?.code },
    })
    const page = await phonePage()
    await signIn(page, collector.url, collector.adminToken)
    const q = `program=${seeded.programId}`
    for (const path of [
      `/dashboard/health?${q}&mode=live`,
      `/dashboard/health?${q}&mode=test`,
      `/dashboard/customers/cus_phone_width_story?${q}&mode=live`,
      `/dashboard/commissions?${q}`,
      `/dashboard/payouts?${q}`,
      `/dashboard/settings?${q}`,
      `/dashboard/applications?${q}`,
    ]) {
      const res = await page.goto(`${collector.url}${path}`)
      expect(res?.status(), path).toBe(200)
      await page.waitForLoadState('networkidle')
      expect(await width(page), path).toBeLessThanOrEqual(390)
    }
    await page.close()
  })

  it('the portal fits, with its terms, codes and whole links', async () => {
    const page = await phonePage()
    const jane = seeded.affiliates.jane
    if (!jane) throw new Error('no jane')
    const errors: string[] = []
    page.on('pageerror', (e) => errors.push(e.message))
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()))
    const res = await page.goto(`${collector.url}${portalPath(jane.portal_url)}`)
    expect(res?.status()).toBe(200)
    await expect
      .poll(() => page.locator('#conn').getAttribute('data-state'), { timeout: 30_000 })
      .toBe('live')
    expect(errors).toEqual([])
    expect(await page.locator('#conn').textContent()).toBe('Connected')
    expect(await page.locator('.terms').textContent()).toContain('20% of each payment')
    expect(await page.locator('#promo-codes').textContent()).toContain('JANE20')
    // The whole link is visible: the textarea shows it without scrolling inside.
    const link = page.locator('#link-0')
    expect(await link.inputValue()).toBe(jane.link)
    const cut = await link.evaluate(
      (el) => el.scrollWidth > el.clientWidth || el.scrollHeight > el.clientHeight,
    )
    expect(cut).toBe(false)
    expect(await width(page)).toBeLessThanOrEqual(390)
    await page.screenshot({ path: join(docsImg, 'portal-phone.png'), fullPage: true })
    await page.close()
  })
})
