/**
 * The join page in real Chromium against the real collector (wrangler dev, local D1): apply on
 * the public page, find the application on the dashboard, approve it, open the portal link the
 * approval shows, and see the affiliate's click and conversion attribute.
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

describe('join page', () => {
  it('apply → listed under Applications → approve → the portal works → click and conversion attribute', async () => {
    const { program, keys } = await collector.createProgram({
      name: 'Join Co',
      commission: { type: 'percent', percent: 20 },
      landing_url: `${collector.url}/healthz`,
    })
    const sk = keys.secret ?? ''
    const slug = 'join-co'
    const patched = await collector.api('PATCH', '/v1/program', {
      token: sk,
      body: { slug, join: { enabled: true, terms_url: 'https://join.example/terms' } },
    })
    expect(patched.status).toBe(200)

    const page = await browser.newPage()
    // The applicant: a public page that needs no script.
    await page.goto(`${collector.url}/join/${slug}`)
    await expect(page.locator('h1').textContent()).resolves.toContain('Join Co')
    await page.fill('#name', 'Priya Blogger')
    await page.fill('#email', 'priya@blog.example')
    await page.fill('#email', 'not-an-email')
    await page.fill('#website', 'priya.example')
    await page.fill('#promotion', 'Reviews on my blog')
    await page.check('#terms')
    await page.click('button[type=submit]')
    // A bad email comes back named, with the other values kept.
    await expect(page.locator('#email-error').textContent()).resolves.toContain('email')
    expect(await page.inputValue('#name')).toBe('Priya Blogger')
    await page.fill('#email', 'priya@blog.example')
    await page.check('#terms')
    await page.click('button[type=submit]')
    await page.getByText('Thank you for applying').waitFor()

    // The founder: the application is listed with its website and note; approve it.
    await signIn(page, collector.url, collector.adminToken)
    await page.goto(`${collector.url}/dashboard/applications?program=${program.id}`)
    await expect(page.locator('#pending-count').textContent()).resolves.toBe('1')
    const row = page.locator('#applications tbody tr', { hasText: 'Priya Blogger' })
    await expect(row.textContent()).resolves.toContain('https://priya.example')
    await expect(row.textContent()).resolves.toContain('Reviews on my blog')
    await row.getByRole('button', { name: 'Approve' }).click()
    const portalUrl = await page.locator('#approved a').getAttribute('href')
    expect(portalUrl).toMatch(/\/portal\//)
    await expect(page.locator('#pending-count').textContent()).resolves.toBe('0')

    // The affiliate's portal opens.
    const portal = await page.goto(portalUrl ?? '')
    expect(portal?.status()).toBe(200)

    // Their link records a click that attributes, and a conversion with it earns the commission.
    const list = await collector.api('GET', '/v1/affiliates', { token: sk })
    const aff = list.body.affiliates.find((a: { email: string }) => a.email === 'priya@blog.example')
    expect(aff.status).toBe('active')
    await page.goto(`${collector.url}/go/${aff.code}`)
    const clickId = new URL(page.url()).searchParams.get('rl_click')
    expect(clickId).toBeTruthy()
    const conv = await collector.api('POST', '/v1/conversions', {
      token: sk,
      body: { event_id: 'inv_join_1', click_id: clickId, amount: 10_000, currency: 'USD' },
    })
    expect(conv.status).toBe(201)
    expect(conv.body.conversion.affiliate.id).toBe(aff.id)
    expect(conv.body.conversion.commission.amount).toBe(2_000)
    await page.close()
  })
})
