/**
 * The no-code path in real Chromium: a visitor arrives on a marketing page through an affiliate's
 * link, r.js adds the click id to the page's Stripe Payment Link as `client_reference_id`, and
 * the checkout session Stripe then sends (signed by the stripe package) credits that affiliate.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { BrowserContext } from 'playwright-core'
import Stripe from 'stripe'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Collector, launchBrowser, launchCollector } from './support'

const SECRET = 'whsec_e2ePaymentLinkSecret0123456'
let collector: Collector
let browser: BrowserContext
let site: Server
let siteUrl: string
let keys: Record<string, string>
let programId: string
let jane: { id: string; code: string }

beforeAll(async () => {
  collector = await launchCollector()
  const created = await collector.createProgram({
    name: 'Payment Link',
    commission: { type: 'percent', percent: 20 },
  })
  keys = created.keys
  programId = created.program.id
  const aff = await collector.api('POST', '/v1/affiliates', {
    token: keys.secret,
    body: { name: 'Jane', email: 'jane@partners.example', code: `janepl${Date.now().toString(36)}` },
  })
  jane = aff.body.affiliate
  const put = await collector.api('PUT', '/v1/integrations/stripe', {
    token: keys.secret,
    body: { webhook_secret: SECRET },
  })
  expect(put.status).toBe(200)

  // The founder's marketing page: the script tag and a Payment Link, nothing else.
  site = createServer((_req, res) => {
    res.setHeader('content-type', 'text/html; charset=utf-8')
    res.end(`<!doctype html><html><head>
<script defer src="${collector.url}/r.js" data-key="${keys.publishable}"></script></head>
<body><a id="buy" href="https://buy.stripe.com/test_8wM5nV2Xa?prefilled_email=a%40b.co">Buy Pro</a></body></html>`)
  })
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve))
  siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}`
  browser = await launchBrowser()
})

afterAll(async () => {
  await browser?.close()
  await new Promise((resolve) => site?.close(resolve))
  await collector?.stop()
})

describe('Stripe Payment Link', () => {
  it('credits the affiliate whose link the buyer followed, from the checkout session alone', async () => {
    const page = await browser.newPage()
    const clickAnswered = page.waitForResponse((r) => r.url().endsWith('/v1/clicks') && r.status() === 202)
    await page.goto(`${siteUrl}/?ref=${jane.code}`)
    await clickAnswered
    await page.waitForFunction(() =>
      (document.getElementById('buy') as HTMLAnchorElement).href.includes('client_reference_id='),
    )
    const href = await page.$eval('#buy', (a) => (a as HTMLAnchorElement).href)
    const clickId = new URL(href).searchParams.get('client_reference_id')
    const cookie = (await browser.cookies(siteUrl)).find((c) => c.name === 'rl_click')
    expect(clickId).toBe(cookie?.value)
    expect(new URL(href).searchParams.get('prefilled_email')).toBe('a@b.co')

    // What Stripe sends once the buyer pays on that link.
    const now = Math.floor(Date.now() / 1000)
    const payload = JSON.stringify({
      id: 'evt_e2e_pl',
      object: 'event',
      api_version: '2025-03-31.basil',
      type: 'checkout.session.completed',
      created: now,
      livemode: true,
      data: {
        object: {
          id: 'cs_live_e2e',
          object: 'checkout.session',
          mode: 'subscription',
          status: 'complete',
          payment_status: 'paid',
          payment_link: 'plink_e2e',
          client_reference_id: clickId,
          customer: 'cus_e2e',
          customer_details: { email: 'a@b.co' },
          amount_total: 4900,
          currency: 'usd',
          invoice: 'in_e2e',
          subscription: 'sub_e2e',
          payment_intent: null,
          metadata: {},
          discounts: [],
        },
      },
    })
    const signature = await Stripe.webhooks.generateTestHeaderStringAsync({
      payload,
      secret: SECRET,
      timestamp: now,
    })
    const res = await fetch(`${collector.url}/v1/integrations/stripe/${programId}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'stripe-signature': signature },
      body: payload,
    })
    // biome-ignore lint/suspicious/noExplicitAny: JSON answer of the API under test
    const body = (await res.json()) as Record<string, any>
    expect(res.status).toBe(200)
    expect(body.signup.signup.affiliate).toEqual({ id: jane.id, code: jane.code })
    expect(body.conversion.conversion).toMatchObject({
      event_id: 'in_e2e',
      affiliate: { id: jane.id },
      commission: { amount: 980, currency: 'USD' },
    })
  })
})
