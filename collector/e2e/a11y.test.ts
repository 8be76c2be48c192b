/**
 * Accessibility in real Chromium against the real collector: axe-core runs on every page a
 * founder, an affiliate or an applicant sees (after its script has filled it in), and the test
 * fails on any serious or critical violation, naming the rule and the elements.
 */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import type { BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Collector, launchBrowser, launchCollector, portalPath, signIn } from './support'

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')

let collector: Collector
let browser: BrowserContext
let programId: string
let sk: string
let jane: { id: string; code: string; portal_url: string }
let slug: string
let endpointId: string

beforeAll(async () => {
  collector = await launchCollector()
  const { program, keys } = await collector.createProgram({
    name: 'Axe Analytics',
    landing_url: 'https://axe.example/pricing',
    commission: { type: 'percent', percent: 20 },
  })
  programId = program.id
  sk = keys.secret ?? ''
  jane = (
    await collector.api('POST', '/v1/affiliates', {
      token: sk,
      body: {
        name: 'Jane Cooper',
        email: 'jane@partners.example',
        code: 'jane-axe',
        promo_codes: ['JANE20'],
      },
    })
  ).body.affiliate
  await collector.api('POST', '/v1/signups', { token: sk, body: { customer_id: 'cus_axe', ref: jane.code } })
  await collector.api('POST', '/v1/conversions', {
    token: sk,
    body: { event_id: 'inv_axe_1', customer_id: 'cus_axe', amount: 4900, currency: 'USD' },
  })
  slug = `axe-${Date.now().toString(36)}`
  await collector.api('PATCH', '/v1/program', {
    token: sk,
    body: { slug, join: { enabled: true, terms_url: 'https://axe.example/terms' } },
  })
  const endpoint = await collector.api('POST', '/v1/webhook-endpoints', {
    token: sk,
    body: { url: 'https://hooks.example/refline' },
  })
  endpointId = endpoint.body.endpoint.id
  await collector.api('POST', '/v1/affiliates', {
    token: sk,
    body: { name: 'Omar Haddad', email: 'omar@partners.example', code: 'omar-axe' },
  })
  browser = await launchBrowser()
})

afterAll(async () => {
  await browser?.close()
  await collector?.stop()
})

interface Finding {
  id: string
  impact: string | null
  help: string
  nodes: string[]
}

/** axe's serious and critical violations on the page as it is now. */
async function violations(page: Page): Promise<Finding[]> {
  // Evaluated through the DevTools protocol, so the page's CSP (no inline scripts) does not apply.
  await page.evaluate(axeSource)
  const found = await page.evaluate(async () => {
    interface AxeViolation {
      id: string
      impact: string | null
      help: string
      nodes: Array<{ target: string[]; failureSummary?: string }>
    }
    const axe = (window as unknown as { axe: { run(o: unknown): Promise<{ violations: AxeViolation[] }> } })
      .axe
    const result = await axe.run({ resultTypes: ['violations'] })
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.slice(0, 5).map((n) => `${n.target.join(' ')}: ${n.failureSummary ?? ''}`),
    }))
  })
  return found.filter((v) => v.impact === 'serious' || v.impact === 'critical')
}

async function check(page: Page, label: string): Promise<void> {
  const found = await violations(page)
  expect(found, `${label}: ${JSON.stringify(found, null, 2)}`).toEqual([])
}

describe('accessibility (axe-core: no serious or critical violation)', () => {
  it('the sign-in page, with and without an error', async () => {
    const context = await browser.browser()?.newContext()
    if (!context) throw new Error('no browser')
    const page = await context.newPage()
    await page.goto(`${collector.url}/dashboard/sign-in`)
    await check(page, 'sign-in')
    await page.fill('#token', 'wrong-token')
    await page.click('button[type=submit]')
    await page.locator('#signin-error').waitFor()
    await check(page, 'sign-in with error')
    await context.close()
  })

  it('every dashboard page', async () => {
    const page = await browser.newPage()
    await signIn(page, collector.url, collector.adminToken)
    const q = `program=${programId}`

    await page.goto(`${collector.url}/dashboard?${q}`)
    await page.locator('#affiliates tbody tr').first().waitFor()
    await expect.poll(() => page.locator('#conn').getAttribute('data-state')).toBe('live')
    await check(page, 'overview')

    await page.goto(`${collector.url}/dashboard/affiliates/${jane.id}?${q}`)
    await page.locator('h1').waitFor()
    await page.waitForLoadState('networkidle')
    await check(page, 'affiliate page')

    await page.goto(`${collector.url}/dashboard/payouts?${q}`)
    await page.waitForLoadState('networkidle')
    await check(page, 'payouts')

    await page.goto(`${collector.url}/dashboard/settings?${q}`)
    await check(page, 'settings')
    // A refused value, shown next to its field.
    await page.fill('#f-endpoint_url', 'ftp://nope.example/')
    await page.click('#new-endpoint button[type=submit]')
    await page.locator('#e-endpoint_url').waitFor()
    await check(page, 'settings with an error')

    await page.goto(`${collector.url}/dashboard/settings/webhooks/${endpointId}?${q}`)
    await check(page, 'webhook deliveries')

    await page.goto(`${collector.url}/dashboard/programs?${q}`)
    await check(page, 'programs')
    await page.fill('#p-name', 'Axe Second')
    await page.click('#new-program button[type=submit]')
    await page.locator('#new-keys').waitFor()
    await check(page, 'programs, just created')

    await page.goto(`${collector.url}/dashboard/commissions?${q}`)
    await page.waitForLoadState('networkidle')
    await check(page, 'commissions')

    await page.goto(`${collector.url}/dashboard/health?${q}&mode=live`)
    await check(page, 'health')
    await page.goto(`${collector.url}/dashboard/health?${q}&mode=test`)
    await page.locator('#purge-h').waitFor()
    await check(page, 'health, test data with the purge form')

    await page.goto(`${collector.url}/dashboard/customers/cus_axe?${q}&mode=live`)
    await page.locator('#journey').waitFor()
    await check(page, 'customer journey')
    await page.close()
  })

  it('the join page, its errors, its confirmation, and the Applications page', async () => {
    const context = await browser.browser()?.newContext()
    if (!context) throw new Error('no browser')
    const page = await context.newPage()
    await page.goto(`${collector.url}/join/${slug}`)
    await check(page, 'join page')
    await page.click('button[type=submit]')
    await page.locator('.error').first().waitFor()
    await check(page, 'join page with errors')
    await page.fill('input[name=name]', 'Priya Natarajan')
    await page.fill('input[name=email]', 'priya@partners.example')
    await page.fill('input[name=website]', 'https://priya.example')
    await page.check('input[name=terms]')
    await page.click('button[type=submit]')
    await page.getByText('Thank you for applying').waitFor()
    await check(page, 'join confirmation')
    await context.close()

    const founder = await browser.newPage()
    await signIn(founder, collector.url, collector.adminToken)
    await founder.goto(`${collector.url}/dashboard/applications?program=${programId}`)
    await founder.locator('#applications').waitFor()
    await check(founder, 'applications')
    await founder.close()
  })

  it('the affiliate portal, with its terms and payouts', async () => {
    const context = await browser.browser()?.newContext()
    if (!context) throw new Error('no browser')
    const page = await context.newPage()
    await page.goto(`${collector.url}${portalPath(jane.portal_url)}`)
    await expect.poll(() => page.locator('#conn').getAttribute('data-state')).toBe('live')
    await page.waitForLoadState('networkidle')
    await check(page, 'portal')
    await context.close()
  })
})
