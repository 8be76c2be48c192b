/**
 * How often the Health page asks Stripe: a real collector (wrangler dev, local D1) reconciling
 * against the local server of fake-stripe.ts, whose requests are counted per restricted key. The
 * panel is kept for a few minutes per program and mode; "Check now" runs it again (at most once
 * per 30 s); a change of the Stripe integration on the Settings page drops it; the API is never
 * kept. What happens when the time runs out is in src/reconciliation/panel-data.test.ts, with a clock.
 */
import type { BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type FakeStripe, invoice, startFakeStripe } from './fake-stripe'
import { type Collector, launchBrowser, launchCollector, signIn } from './support'

const RK_LIVE = `rk_live_${'Ca5h'.repeat(10)}1111`
const RK_LIVE_NEW = `rk_live_${'N3wK'.repeat(10)}2222`
const RK_TEST = `rk_test_${'Ca5h'.repeat(10)}3333`
const WHSEC = `whsec_${'c'.repeat(32)}`

let stripe: FakeStripe
let collector: Collector
let browser: BrowserContext
let page: Page
let programId = ''
let keys: Record<string, string> = {}

/** How many requests Stripe received with this restricted key. */
const asked = (key: string) => stripe.seen.filter((s) => s.bearer === key).length

async function post(path: string, token: string, body: unknown) {
  const res = await collector.api('POST', path, { token, body })
  expect(res.status, `${path}: ${JSON.stringify(res.body)}`).toBeLessThan(300)
}

async function health(mode: 'live' | 'test'): Promise<string> {
  await page.goto(`${collector.url}/dashboard/health?program=${programId}&mode=${mode}`)
  return (await page.locator('#reconciliation').textContent()) ?? ''
}

async function settingsStripe(form: Record<string, string>) {
  await page.goto(`${collector.url}/dashboard/settings?program=${programId}`)
  for (const [field, value] of Object.entries(form)) await page.fill(`#f-${field}`, value)
  await page.click('#stripe button[type=submit]')
  await page.waitForURL(/done=stripe_connected/)
}

beforeAll(async () => {
  stripe = await startFakeStripe()
  collector = await launchCollector({ vars: { STRIPE_API_BASE: stripe.url } })
  browser = await launchBrowser()
  const created = await collector.createProgram({ name: 'Cache Co' })
  programId = created.program.id
  keys = created.keys
  const sk = keys.secret ?? ''
  const testSk = keys.test_secret ?? ''
  const ref = `cache${programId.slice(-4).toLowerCase()}`
  await post('/v1/affiliates', sk, { name: 'Ann', email: 'ann@cache.example', code: ref })
  await post('/v1/signups', sk, { customer_id: 'cus_live', ref })
  await post('/v1/signups', testSk, { customer_id: 'cus_testmode', ref })
  // A conversion under an invoice the list does not hold: each run also looks it up by id.
  await post('/v1/conversions', sk, {
    event_id: 'in_live_ghost',
    customer_id: 'cus_live',
    amount: 900,
    currency: 'USD',
  })
  stripe.books[RK_LIVE] = [invoice({ id: 'in_live_missed', customer: 'cus_live', livemode: true })]
  stripe.books[RK_LIVE_NEW] = [invoice({ id: 'in_newkey_missed', customer: 'cus_live', livemode: true })]
  stripe.books[RK_TEST] = [invoice({ id: 'in_test_missed', customer: 'cus_testmode', livemode: false })]
  await collector.api('PUT', '/v1/integrations/stripe', {
    token: sk,
    body: { webhook_secret: WHSEC, restricted_key: RK_LIVE, test_restricted_key: RK_TEST },
  })
  page = await browser.newPage()
  await signIn(page, collector.url, collector.adminToken)
})

afterAll(async () => {
  await browser?.close()
  await collector?.stop()
  await stripe?.close()
})

/** Stripe requests of one live reconciliation of this program: the list, and the one lookup. */
let perRun = 0

describe('the Health page keeps its reconciliation panel', () => {
  it('two loads within the window ask Stripe for one reconciliation, and the panel says when it ran', async () => {
    expect(await health('live')).toContain('in_live_missed')
    perRun = asked(RK_LIVE)
    expect(perRun).toBe(2)
    await page.reload()
    expect(await page.locator('#reconciliation').textContent()).toContain('in_live_missed')
    expect(asked(RK_LIVE)).toBe(perRun)
    expect(await page.locator('#reconciliation-at').textContent()).toMatch(
      /Checked just now \(\d\d:\d\d UTC\)/,
    )
    expect(await page.locator('#reconciliation-at time').getAttribute('datetime')).toMatch(/^\d{4}-/)
  })

  it('keeps live and test panels apart', async () => {
    const test = await health('test')
    expect(test).toContain('in_test_missed')
    expect(test).not.toContain('in_live_missed')
    const testRun = asked(RK_TEST)
    expect(testRun).toBeGreaterThan(0)
    const live = await health('live')
    expect(live).toContain('in_live_missed')
    expect(live).not.toContain('in_test_missed')
    expect(await health('test')).toContain('in_test_missed')
    expect(asked(RK_TEST)).toBe(testRun)
    expect(asked(RK_LIVE)).toBe(perRun)
  })

  it('Check now runs a fresh reconciliation of that mode, and a second one within 30 s does not', async () => {
    const testBefore = asked(RK_TEST)
    stripe.books[RK_LIVE]?.push(invoice({ id: 'in_live_later', customer: 'cus_live', livemode: true }))
    expect(await health('live')).not.toContain('in_live_later')
    await page.click('#reconciliation-refresh button[type=submit]')
    await page.waitForURL(/\/dashboard\/health\?program=[^&]+&mode=live/)
    expect(await page.locator('#reconciliation').textContent()).toContain('in_live_later')
    expect(asked(RK_LIVE)).toBe(2 * perRun)
    await page.click('#reconciliation-refresh button[type=submit]')
    await page.waitForURL(/\/dashboard\/health\?program=[^&]+&mode=live/)
    expect(await page.locator('#reconciliation').textContent()).toContain('in_live_later')
    expect(asked(RK_LIVE)).toBe(2 * perRun)
    expect(asked(RK_TEST)).toBe(testBefore)
  })

  it('GET /v1/reconciliation asks Stripe on every call, whatever the page keeps', async () => {
    const before = asked(RK_LIVE)
    for (let i = 0; i < 2; i++) {
      const res = await collector.api('GET', '/v1/reconciliation', { token: keys.secret ?? '' })
      expect(res.status).toBe(200)
    }
    expect(asked(RK_LIVE)).toBe(before + 2 * perRun)
  })

  it('a new restricted key on the Settings page drops the kept panel', async () => {
    await settingsStripe({ stripe_webhook_secret: WHSEC, stripe_restricted_key: RK_LIVE_NEW })
    const live = await health('live')
    expect(live).toContain('in_newkey_missed')
    expect(live).not.toContain('in_live_missed')
    expect(asked(RK_LIVE_NEW)).toBe(perRun)
  })

  it('disconnecting Stripe drops the kept panels, so connecting again with the same key asks Stripe afresh', async () => {
    await page.goto(`${collector.url}/dashboard/settings?program=${programId}`)
    await page.click('#stripe summary')
    await page.click('#stripe button:has-text("Yes, disconnect")')
    await page.waitForURL(/done=stripe_disconnected/)
    const before = asked(RK_LIVE_NEW) + asked(RK_TEST)
    await health('live')
    expect(await page.locator('#reconciliation-off').count()).toBe(1)
    await health('test')
    expect(await page.locator('#reconciliation-off').count()).toBe(1)
    expect(asked(RK_LIVE_NEW) + asked(RK_TEST)).toBe(before)

    // Stripe's books changed while it was disconnected; the same key again must not show the old panel.
    stripe.books[RK_LIVE_NEW]?.push(
      invoice({ id: 'in_after_reconnect', customer: 'cus_live', livemode: true }),
    )
    await settingsStripe({
      stripe_webhook_secret: WHSEC,
      stripe_restricted_key: RK_LIVE_NEW,
      stripe_test_restricted_key: RK_TEST,
    })
    expect(await health('live')).toContain('in_after_reconnect')
    expect(asked(RK_LIVE_NEW)).toBe(2 * perRun)
  })
})
