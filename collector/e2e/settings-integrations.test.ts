/**
 * The dashboard's integrations and applications in real Chromium against the real collector:
 * a webhook endpoint added on the Settings page gets its secret once, receives a delivery signed
 * with it, which its delivery log lists and resends, and is deleted; Stripe is connected and
 * disconnected; and the pending-applications count rises live when someone applies on the join page.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import type { BrowserContext } from 'playwright-core'
import { Webhook } from 'standardwebhooks'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Collector, launchBrowser, launchCollector, resultsDir, signIn } from './support'

let collector: Collector
let browser: BrowserContext
let receiver: Server
let receiverUrl: string
const received: Array<{ headers: IncomingHttpHeaders; body: string }> = []

beforeAll(async () => {
  collector = await launchCollector({
    vars: { WEBHOOKS_ALLOW_PRIVATE: 'true', WEBHOOKS_RETRY_SCALE: '0.05' },
  })
  receiver = createServer((req, res) => {
    let body = ''
    req.on('data', (chunk) => {
      body += chunk
    })
    req.on('end', () => {
      received.push({ headers: req.headers, body })
      res.statusCode = 200
      res.end('ok')
    })
  })
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve))
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`
  browser = await launchBrowser()
})

afterAll(async () => {
  await browser?.close()
  await new Promise((resolve) => receiver?.close(resolve))
  await collector?.stop()
})

describe('settings integrations', () => {
  it('adds a webhook endpoint with its secret shown once, resends a delivery from its log, and deletes it', async () => {
    const { program, keys } = await collector.createProgram({ name: 'Hooks Co' })
    const sk = keys.secret ?? ''
    const page = await browser.newPage()
    await signIn(page, collector.url, collector.adminToken)
    await page.goto(`${collector.url}/dashboard/settings?program=${program.id}`)
    expect(await page.locator('#webhooks').textContent()).toContain('No endpoints yet')

    await page.fill('#f-endpoint_url', receiverUrl)
    await page.check('input[name=events][value="affiliate.created"]')
    await page.click('#new-endpoint button[type=submit]')
    await page.locator('#endpoint-secret').waitFor()
    expect(await page.locator('#endpoint-secret').textContent()).toContain(
      'shown once and cannot be shown again',
    )
    const secret = await page.inputValue('#new-endpoint-secret')
    expect(secret).toMatch(/^whsec_/)
    const row = page.locator('#endpoints tbody tr')
    expect(await row.count()).toBe(1)
    expect(await row.first().textContent()).toContain('affiliate.created')
    const [endpoint] = (await collector.api('GET', '/v1/webhook-endpoints', { token: sk })).body.endpoints
    expect(endpoint).toMatchObject({ url: receiverUrl, events: ['affiliate.created'] })

    // An event: the receiver gets it, signed with the secret the page showed.
    await collector.api('POST', '/v1/affiliates', {
      token: sk,
      body: { name: 'Rae', email: 'rae@partners.example' },
    })
    await expect.poll(() => received.length).toBe(1)
    const first = received[0]
    if (!first) throw new Error('no delivery')
    const verified = new Webhook(secret.replace(/^whsec_/, '')).verify(first.body, {
      'webhook-id': String(first.headers['webhook-id']),
      'webhook-timestamp': String(first.headers['webhook-timestamp']),
      'webhook-signature': String(first.headers['webhook-signature']),
    }) as { type: string }
    expect(verified.type).toBe('affiliate.created')

    // The delivery log lists it as delivered; Resend sends the same delivery again.
    await page.click(`#endpoints tr[data-endpoint="${endpoint.id}"] a`)
    await page.locator('#deliveries').waitFor()
    await expect
      .poll(async () => {
        await page.reload()
        return page.locator('#deliveries tbody tr .pill').first().textContent()
      })
      .toBe('delivered')
    await page.click('#deliveries tbody tr button:has-text("Resend")')
    await page.locator('#notice').waitFor()
    await expect.poll(() => received.length).toBe(2)
    expect(received[1]?.headers['webhook-id']).toBe(first.headers['webhook-id'])
    await page.screenshot({ path: join(resultsDir, 'webhook-deliveries.png'), fullPage: true })

    // Delete, after the confirmation step.
    await page.goto(`${collector.url}/dashboard/settings?program=${program.id}`)
    await page.click(`#endpoints tr[data-endpoint="${endpoint.id}"] summary`)
    await page.click(`#endpoints tr[data-endpoint="${endpoint.id}"] button:has-text("Yes, delete")`)
    await page.locator('#notice').waitFor()
    expect(await page.locator('#endpoints').count()).toBe(0)
    expect((await collector.api('GET', '/v1/webhook-endpoints', { token: sk })).body.endpoints).toEqual([])
    await page.close()
  })

  it('connects Stripe with the signing secret, naming a bad one next to its field, and disconnects', async () => {
    const { program, keys } = await collector.createProgram({ name: 'Stripe Co' })
    const page = await browser.newPage()
    await signIn(page, collector.url, collector.adminToken)
    await page.goto(`${collector.url}/dashboard/settings?program=${program.id}`)
    expect(await page.inputValue('#stripe-url')).toBe(`${collector.url}/v1/integrations/stripe/${program.id}`)
    expect(await page.locator('#stripe-events').textContent()).toContain('checkout.session.completed')
    await page.fill('#f-stripe_webhook_secret', 'not-a-secret')
    await page.click('#stripe button[type=submit]')
    await expect.poll(() => page.locator('#e-stripe_webhook_secret').textContent()).toContain('whsec_')
    await page.fill('#f-stripe_webhook_secret', 'whsec_e2eSettingsSecret0123456')
    await page.click('#stripe button[type=submit]')
    await page.locator('#notice').waitFor()
    expect(await page.locator('#stripe-state').textContent()).toContain('Connected')
    const api = () => collector.api('GET', '/v1/integrations/stripe', { token: keys.secret })
    expect((await api()).body.stripe.connected).toBe(true)
    await page.click('#stripe summary')
    await page.click('#stripe button:has-text("Yes, disconnect")')
    await page.locator('#notice').waitFor()
    expect(await page.locator('#stripe-state').textContent()).toContain('Not connected')
    expect((await api()).body.stripe.connected).toBe(false)
    await page.close()
  })

  it('counts pending applications live when someone applies on the join page', async () => {
    const { program, keys } = await collector.createProgram({ name: 'Apply Live Co' })
    const slug = `apply-live-${Date.now().toString(36)}`
    await collector.api('PATCH', '/v1/program', {
      token: keys.secret,
      body: { slug, join: { enabled: true } },
    })
    const founder = await browser.newPage()
    await signIn(founder, collector.url, collector.adminToken)
    await founder.goto(`${collector.url}/dashboard/applications?program=${program.id}`)
    const overview = await browser.newPage()
    await overview.goto(`${collector.url}/dashboard?program=${program.id}`)
    for (const p of [founder, overview])
      await expect.poll(() => p.locator('#conn').getAttribute('data-state')).toBe('live')
    expect(await founder.locator('#pending-count').textContent()).toBe('0')
    expect(await founder.locator('[data-pending-count]').isHidden()).toBe(true)

    const applicant = await browser.browser()?.newContext()
    if (!applicant) throw new Error('no browser')
    const apply = async (name: string, email: string) => {
      const page = await applicant.newPage()
      await page.goto(`${collector.url}/join/${slug}`)
      await page.fill('input[name=name]', name)
      await page.fill('input[name=email]', email)
      await page.fill('textarea[name=promotion]', 'A newsletter for founders')
      await page.check('input[name=terms]')
      await page.click('button[type=submit]')
      await page.getByText('Thank you for applying').waitFor()
      await page.close()
    }
    await apply('Dana Writer', 'dana@partners.example')
    await expect.poll(() => founder.locator('#pending-count').textContent()).toBe('1')
    await expect.poll(() => founder.locator('[data-pending-value]').textContent()).toBe('1')
    expect(await founder.locator('[data-pending-count]').isVisible()).toBe(true)
    expect(await founder.locator('#new-applications').textContent()).toContain(
      'New application from Dana Writer',
    )
    await expect.poll(() => overview.locator('[data-pending-value]').textContent()).toBe('1')

    await apply('Eli Maker', 'eli@partners.example')
    await expect.poll(() => founder.locator('#pending-count').textContent()).toBe('2')
    await expect.poll(() => overview.locator('[data-pending-value]').textContent()).toBe('2')
    expect(await founder.locator('#new-applications').textContent()).toContain('2 new applications')
    await applicant.close()

    // The reload the notice offers lists both, and approving one lowers the count.
    await founder.click('#new-applications a')
    expect(await founder.locator('#applications tbody tr').count()).toBe(2)
    await founder
      .locator('#applications tbody tr', { hasText: 'Dana Writer' })
      .locator('button:has-text("Approve")')
      .click()
    await founder.locator('#approved').waitFor()
    expect(await founder.locator('#pending-count').textContent()).toBe('1')
    await expect.poll(() => overview.locator('[data-pending-value]').textContent()).toBe('1')
    await founder.close()
    await overview.close()
  })
})
