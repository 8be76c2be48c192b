/**
 * The whole integration in a real browser: a visitor lands on the demo with ?ref=jane, r.js from
 * the collector sets the click cookie and fills the signup form, the demo's backend reports the
 * signup and the $49 upgrade through @refline/node, and the collector credits jane 30 %.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Refline } from '@refline/node'
import type { BrowserContext } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'

interface Collector {
  url: string
  createProgram(body?: object): Promise<{ program: { id: string }; keys: Record<string, string> }>
  query(sql: string): Promise<Array<Record<string, unknown>>>
}

declare module 'vitest' {
  export interface ProvidedContext {
    collector: { url: string; adminToken: string; persistTo: string }
  }
}

const demoDir = fileURLToPath(new URL('..', import.meta.url))
const localCollector = fileURLToPath(new URL('../../../scripts/local-collector.mjs', import.meta.url))
const chromiumHelper = fileURLToPath(new URL('../../../scripts/chromium.mjs', import.meta.url))

let collector: Collector
let programId: string
let refline: Refline
let janeId: string
let demo: ChildProcess
let demoUrl: string
let browser: BrowserContext

beforeAll(async () => {
  // The run's shared collector, or this package's own (scripts/test-collector.mjs, globalSetup):
  // the test works in a program of its own and reads only that program's rows.
  const { collectorClient } = (await import(localCollector)) as {
    collectorClient(info: ReturnType<typeof inject<'collector'>>): Collector
  }
  collector = collectorClient(inject('collector'))
  const { program, keys } = await collector.createProgram({
    name: 'Acme',
    commission: { type: 'percent', percent: 30 },
  })
  programId = program.id
  refline = new Refline({ secretKey: keys.secret!, baseUrl: collector.url })
  const { affiliate } = await refline.createAffiliate({
    name: 'Jane Doe',
    email: 'jane@example.com',
    code: 'jane',
  })
  janeId = affiliate.id

  // Started exactly as `pnpm dev` starts it, on a free port.
  demo = spawn(join(demoDir, 'node_modules/.bin/tsx'), ['server.ts'], {
    cwd: demoDir,
    env: {
      ...process.env,
      PORT: '0',
      REFLINE_BASE_URL: collector.url,
      REFLINE_SECRET_KEY: keys.secret,
      REFLINE_PUBLISHABLE_KEY: keys.publishable,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  demoUrl = await new Promise<string>((resolve, reject) => {
    demo.once('exit', (code) => reject(new Error(`demo server exited with ${code}`)))
    demo.stdout!.on('data', (chunk: Buffer) => {
      const match = /http:\/\/127\.0\.0\.1:\d+/.exec(chunk.toString())
      if (match) resolve(match[0])
    })
  })

  // A desktop user agent: headless Chromium says "HeadlessChrome", which the collector counts as a bot.
  const { launchChromium } = (await import(chromiumHelper)) as { launchChromium(): Promise<BrowserContext> }
  browser = await launchChromium()
})

afterAll(async () => {
  await browser?.close()
  if (demo && demo.exitCode === null) demo.kill('SIGTERM')
})

async function janeTotals() {
  const stats = await refline.getStats({ affiliate: 'jane' })
  return stats.affiliates.find((a) => a.code === 'jane')!.totals
}

describe('demo SaaS with Refline in Chromium', () => {
  it('credits jane 1470 for a $49 upgrade by a visitor she referred, and reverses it on refund', async () => {
    const script = await fetch(`${collector.url}/r.js`)
    expect(script.status, 'the collector serves the browser script at /r.js').toBe(200)

    const page = await browser.newPage()
    const clickBeacon = page.waitForResponse((r) => r.url() === `${collector.url}/v1/clicks`)
    await page.goto(`${demoUrl}/?ref=jane`)

    // The landing page carries the real script tag with the publishable key.
    const tag = page.locator('script[src$="/r.js"]')
    expect(await tag.getAttribute('src')).toBe(`${collector.url}/r.js`)
    expect(await tag.getAttribute('data-key')).toMatch(/^pk_live_/)

    // r.js fills the hidden input with the click id it stored in the rl_click cookie.
    const hidden = page.locator('input[name="refline_click_id"]')
    await expect.poll(() => hidden.inputValue(), { timeout: 10_000 }).not.toBe('')
    const clickId = await hidden.inputValue()
    const cookies = await browser.cookies(demoUrl)
    expect(cookies.find((c) => c.name === 'rl_click')?.value).toBe(clickId)
    // The script reported the click to the collector, which attributed it to jane.
    const beacon = await clickBeacon
    expect(beacon.status()).toBe(202)
    expect(await beacon.json()).toEqual({ click_id: clickId, attributed: true })

    await page.fill('input[name="email"]', 'ann@startup.test')
    await Promise.all([page.waitForURL(`${demoUrl}/pricing`), page.click('button[type="submit"]')])
    expect(await page.textContent('#flash')).toBe('Signup referred by jane')

    await Promise.all([page.waitForURL(`${demoUrl}/pricing`), page.click('#upgrade')])
    expect(await page.textContent('#flash')).toBe('Upgrade recorded: jane earns 14.70 USD (pending)')
    expect(await page.textContent('#plan')).toBe('pro')

    // The collector's own view, through the API…
    const totals = await janeTotals()
    expect(totals).toMatchObject({
      signups: 1,
      conversions: 1,
      revenue: { USD: 4900 },
      commission: { USD: 1470 },
    })
    // …and in its database: the signup came in with the browser's click id, then one conversion
    // with one commission for jane.
    expect(
      await collector.query(`SELECT click_id, affiliate_id FROM signups WHERE program_id = '${programId}'`),
    ).toEqual([{ click_id: clickId, affiliate_id: janeId }])
    const rows = await collector.query(
      `SELECT c.amount, c.currency, m.amount AS commission, m.status, m.affiliate_id
       FROM conversions c JOIN commissions m ON m.conversion_id = c.id WHERE c.program_id = '${programId}'`,
    )
    expect(rows).toEqual([
      { amount: 4900, currency: 'USD', commission: 1470, status: 'pending', affiliate_id: janeId },
    ])
    // The click itself reaches the stats once the hub flushes its click buffer (≤ 1 s).
    await expect.poll(async () => (await janeTotals()).clicks, { timeout: 10_000 }).toBe(1)

    await Promise.all([page.waitForURL(`${demoUrl}/pricing`), page.click('#refund')])
    expect(await page.textContent('#flash')).toBe(
      'Refund of 49.00 USD recorded; commission now 0.00 (reversed)',
    )
    const afterRefund = await janeTotals()
    expect(afterRefund.refunds).toBe(1)
    expect(afterRefund.commission.USD ?? 0).toBe(0)
    const [commission] = await collector.query(
      `SELECT amount, status FROM commissions WHERE program_id = '${programId}'`,
    )
    expect(commission).toEqual({ amount: 0, status: 'reversed' })
  })
})
