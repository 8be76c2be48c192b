import { createServer, connect as netConnect, type Socket } from 'node:net'
import { join } from 'node:path'
import type { BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import {
  type Collector,
  counter,
  launchBrowser,
  launchCollector,
  portalPath,
  resultsDir,
  type Seeded,
  seedProgram,
  signIn,
} from './support'

let collector: Collector
let browser: BrowserContext
let seed: Seeded

beforeAll(async () => {
  collector = await launchCollector()
  seed = await seedProgram(collector)
  browser = await launchBrowser()
})

afterAll(async () => {
  await browser?.close()
  await collector?.stop()
})

/** Resolves to the HTTP status a WebSocket upgrade was refused with, or 101 when it opened. */
function socketStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers })
    ws.on('open', () => {
      ws.close()
      resolve(101)
    })
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0))
    ws.on('error', (err) => reject(err))
  })
}

describe('dashboard', () => {
  it('refuses a wrong admin token and signs in with the right one', async () => {
    const page = await browser.newPage()
    await page.goto(`${collector.url}/dashboard`)
    expect(page.url()).toBe(`${collector.url}/dashboard/sign-in`)
    await page.fill('#token', 'not-the-token')
    await page.click('button[type=submit]')
    await expect.poll(() => page.locator('#signin-error').textContent()).toContain('not valid')
    await page.fill('#token', collector.adminToken)
    await page.click('button[type=submit]')
    await page.waitForURL(`${collector.url}/dashboard`)
    expect(await page.locator('#program option[selected]').textContent()).toBe('Acme Analytics')
    // The first socket of a fresh collector waits for the hub to load: slow on a busy machine.
    await expect
      .poll(() => page.locator('#conn').getAttribute('data-state'), { timeout: 45_000 })
      .toBe('live')
    await expect.poll(() => page.locator('#affiliates tbody tr').count()).toBe(4)
    await page.close()
  })

  it('shows an API conversion in the counters, feed and chart without a reload', async () => {
    const page = await browser.newPage()
    await signIn(page, collector.url, collector.adminToken)
    await expect.poll(() => page.locator('#conn').getAttribute('data-state')).toBe('live')
    await expect.poll(() => page.locator('#chart-minutes').getAttribute('data-conversions')).not.toBeNull()
    const before = Number((await counter(page, 'conversions')).replace(/,/g, ''))
    const chartBefore = Number(await page.locator('#chart-minutes').getAttribute('data-conversions'))
    await page.evaluate(() => {
      ;(window as unknown as { marker: number }).marker = 42
    })

    const res = await collector.api('POST', '/v1/conversions', {
      token: seed.keys.secret,
      body: {
        event_id: `inv_live_${Date.now()}`,
        ref: seed.affiliates.jane?.code,
        amount: 12_345,
        currency: 'USD',
      },
    })
    expect(res.status).toBe(201)

    await expect.poll(() => counter(page, 'conversions')).toBe(String(before + 1))
    await expect
      .poll(() => page.locator('#feed li').nth(1).textContent())
      .toMatch(/Conversion\s*jane\w* · \$123\.45/)
    expect(await page.locator('#feed li').first().textContent()).toMatch(
      /Commission\s*jane\w* · \$24\.69 · pending/,
    )
    await expect
      .poll(() => page.locator('#chart-minutes').getAttribute('data-conversions'))
      .toBe(String(chartBefore + 1))
    expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(42)

    await page.screenshot({ path: join(resultsDir, 'dashboard.png'), fullPage: true })
    await page.setViewportSize({ width: 390, height: 844 })
    // Nothing wider than the phone: wide tables scroll inside their panel, not the page.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390)
    await page.screenshot({ path: join(resultsDir, 'dashboard-phone.png'), fullPage: true })
    await page.close()
  })

  it('approves and rejects commissions from the list', async () => {
    const page = await browser.newPage()
    await signIn(page, collector.url, collector.adminToken)
    const rows = page.locator('#commissions tbody tr[data-commission]')
    await expect.poll(() => rows.count()).toBeGreaterThan(1)
    const count = await rows.count()
    const before = await counter(page, 'commission')
    await rows.first().locator('button[data-action=reject]').click()
    await rows.first().locator('button[data-action=confirm-reject]').click()
    await expect.poll(() => rows.count()).toBe(count - 1)
    await expect.poll(() => counter(page, 'commission')).not.toBe(before)
    await expect.poll(() => page.locator('#feed li').first().textContent()).toContain('rejected')
    await rows.first().locator('button[data-action=approve]').click()
    await expect.poll(() => rows.count()).toBe(count - 2)
    await page.close()
  })

  it('creates an affiliate and shows its referral and portal links', async () => {
    const page = await browser.newPage()
    await signIn(page, collector.url, collector.adminToken)
    await page.fill('#new-affiliate [name=name]', 'Sam Rivera')
    await page.fill('#new-affiliate [name=email]', 'sam@partners.example')
    await page.click('#new-affiliate button[type=submit]')
    await expect.poll(() => page.locator('#new-link').inputValue()).toMatch(/\/go\/samrivera/)
    const portal = await page.locator('#new-portal').inputValue()
    expect(portal).toMatch(/\/portal\/[A-Za-z0-9]{32}$/)
    await expect.poll(() => page.locator('#affiliates tbody tr').count()).toBe(5)
    const res = await fetch(portal)
    expect(res.status).toBe(200)
    await page.close()
  })
})

describe('affiliate portal', () => {
  it('shows two affiliates only their own events, live', async () => {
    const jane = seed.affiliates.jane!
    const omar = seed.affiliates.omar!
    const janePage = await browser.newPage()
    const omarPage = await browser.newPage()
    await janePage.goto(`${collector.url}${portalPath(jane.portal_url)}`)
    await omarPage.goto(`${collector.url}${portalPath(omar.portal_url)}`)
    for (const p of [janePage, omarPage])
      await expect.poll(() => p.locator('#conn').getAttribute('data-state')).toBe('live')
    const janeConv = await counter(janePage, 'conversions')
    const janeSignups = await counter(janePage, 'signups')
    const omarConv = await counter(omarPage, 'conversions')
    const omarSignups = await counter(omarPage, 'signups')

    await collector.api('POST', '/v1/conversions', {
      token: seed.keys.secret,
      body: { event_id: `inv_portal_${Date.now()}`, ref: jane.code, amount: 7_700, currency: 'USD' },
    })
    await collector.api('POST', '/v1/signups', {
      token: seed.keys.secret,
      body: { customer_id: `cus_portal_${Date.now()}`, ref: omar.code },
    })

    await expect.poll(() => counter(janePage, 'conversions')).toBe(String(Number(janeConv) + 1))
    await expect
      .poll(() => janePage.locator('#conversions tbody tr').first().textContent())
      .toContain('$77.00')
    await expect.poll(() => counter(omarPage, 'signups')).toBe(String(Number(omarSignups) + 1))
    // Both events have been delivered by now; neither page saw the other's.
    expect(await counter(janePage, 'signups')).toBe(janeSignups)
    expect(await counter(omarPage, 'conversions')).toBe(omarConv)
    expect(await omarPage.locator('#conversions').textContent()).not.toContain('$77.00')

    expect(await janePage.locator('.link-url').first().inputValue()).toBe(jane.link)
    await janePage.screenshot({ path: join(resultsDir, 'portal.png'), fullPage: true })
    await janePage.close()
    await omarPage.close()
  })

  it('refuses a wrong or disabled token on the page and on the socket', async () => {
    const page = await browser.newPage()
    const res = await page.goto(`${collector.url}/portal/AbCdEfGhIjKlMnOpQrStUvWxYz012345`)
    expect(res?.status()).toBe(404)
    expect(await page.locator('body').textContent()).toBe('Not found')
    const ws = collector.url.replace('http', 'ws')
    expect(await socketStatus(`${ws}/v1/live?token=AbCdEfGhIjKlMnOpQrStUvWxYz012345`)).toBe(401)
    expect(await socketStatus(`${ws}/v1/live?program=${seed.programId}`)).toBe(401)
    expect(
      await socketStatus(
        `${ws}/v1/live?token=${portalPath(seed.affiliates.priya!.portal_url).split('/')[2]}`,
      ),
    ).toBe(101)

    const lukas = seed.affiliates.lukas!
    await collector.api('PATCH', `/v1/affiliates/${lukas.id}`, {
      token: seed.keys.secret,
      body: { status: 'disabled' },
    })
    expect((await page.goto(lukas.portal_url))?.status()).toBe(404)
    expect(await socketStatus(`${ws}/v1/live?token=${portalPath(lukas.portal_url).split('/')[2]}`)).toBe(401)
    await page.close()
  })
})

describe('reconnect', () => {
  it('reconnects after the collector restarts and resyncs from a fresh snapshot', async () => {
    const page = await browser.newPage()
    await signIn(page, collector.url, collector.adminToken)
    await expect.poll(() => page.locator('#conn').getAttribute('data-state')).toBe('live')
    const { persistTo, port, adminToken } = collector
    await collector.stop()
    await expect
      .poll(() => page.locator('#conn').getAttribute('data-state'), { timeout: 15_000 })
      .toBe('reconnecting')

    collector = await launchCollector({ persistTo, port, adminToken })
    // Sent while the page may still be backing off: the snapshot on reconnect must carry it.
    const before = Number(await counter(page, 'conversions'))
    const sent = await collector.api('POST', '/v1/conversions', {
      token: seed.keys.secret,
      body: { event_id: `inv_restart_${Date.now()}`, amount: 1_000, currency: 'USD' },
    })
    expect(sent.status, JSON.stringify(sent.body)).toBe(201)
    await expect
      .poll(() => page.locator('#conn').getAttribute('data-state'), { timeout: 30_000 })
      .toBe('live')
    await expect.poll(() => counter(page, 'conversions'), { timeout: 10_000 }).toBe(String(before + 1))

    // And live messages flow again on the new connection.
    await collector.api('POST', '/v1/conversions', {
      token: seed.keys.secret,
      body: { event_id: `inv_restart2_${Date.now()}`, amount: 1_000, currency: 'USD' },
    })
    await expect.poll(() => counter(page, 'conversions'), { timeout: 10_000 }).toBe(String(before + 2))
    await page.close()
  })
})

describe('an overview answer older than the socket', () => {
  it('does not take the counters or the feed back to the moment it was read', async () => {
    const page = await browser.newPage()
    try {
      await signIn(page, collector.url, collector.adminToken)
      // The page's first overview is read at once and handed to the page only after a conversion
      // has reached it over the socket.
      const held = await holdAnswers(page, (path) => path === '/dashboard/api/overview')
      await page.reload()
      await expect.poll(() => held.read, { timeout: 20_000 }).toBe(1)
      await expect
        .poll(() => page.locator('#conn').getAttribute('data-state'), { timeout: 20_000 })
        .toBe('live')
      await expect.poll(() => counter(page, 'conversions')).not.toBe('')
      const before = Number(await counter(page, 'conversions'))
      const sent = await collector.api('POST', '/v1/conversions', {
        token: seed.keys.secret,
        body: { event_id: `inv_overtaken_${Date.now()}`, amount: 1_234, currency: 'USD' },
      })
      expect(sent.status, JSON.stringify(sent.body)).toBe(201)
      await expect.poll(() => counter(page, 'conversions'), { timeout: 10_000 }).toBe(String(before + 1))

      held.release()
      // The range label is written by the same step that applies the answer's live part.
      await expect.poll(() => page.locator('#range-label').textContent(), { timeout: 10_000 }).toContain('→')
      expect(await counter(page, 'conversions')).toBe(String(before + 1))
      expect(await page.locator('#feed li.feed-conversion').first().textContent()).toContain('$12.34')
    } finally {
      await page.close()
    }
  })

  it("nor does the portal's data: its counters and list keep a signup it overtook", async () => {
    const made = await collector.api('POST', '/v1/affiliates', {
      token: seed.keys.secret,
      body: { name: 'Lena', email: 'lena@partners.example', code: `lena${Date.now().toString(36)}` },
    })
    expect(made.status, JSON.stringify(made.body)).toBe(201)
    const lena = made.body.affiliate as { code: string; portal_url: string }
    const page = await browser.newPage()
    try {
      const held = await holdAnswers(page, (path) => path.endsWith('/data.json'))
      await page.goto(`${collector.url}${portalPath(lena.portal_url)}`)
      await expect.poll(() => held.read, { timeout: 20_000 }).toBe(1)
      await expect
        .poll(() => page.locator('#conn').getAttribute('data-state'), { timeout: 20_000 })
        .toBe('live')
      await expect.poll(() => counter(page, 'signups')).not.toBe('')
      const before = Number(await counter(page, 'signups'))
      const sent = await collector.api('POST', '/v1/signups', {
        token: seed.keys.secret,
        body: { customer_id: `cus_overtaken_${Date.now()}`, ref: lena.code },
      })
      expect(sent.status, JSON.stringify(sent.body)).toBe(201)
      await expect.poll(() => counter(page, 'signups'), { timeout: 10_000 }).toBe(String(before + 1))

      // The answer held back has none of Lena's signups; once in, the list must show the new one.
      expect((held.last as { signups: unknown[] }).signups).toHaveLength(0)
      held.release()
      const rows = page.locator('#signups tbody tr:not(:has(td.empty))')
      await expect.poll(() => rows.count(), { timeout: 10_000 }).toBe(1)
      expect(await counter(page, 'signups')).toBe(String(before + 1))
    } finally {
      await page.close()
    }
  })
})

/**
 * Holds the page's answers to the paths `matches` picks: each is read from the collector at once
 * and handed to the page only after `release()`, as a slow fetch overtaken by live messages would
 * be. `read` counts the answers read, `last` is the last one's JSON.
 */
async function holdAnswers(page: Page, matches: (path: string) => boolean) {
  let release = () => {}
  const held = new Promise<void>((resolve) => {
    release = resolve
  })
  const state = { read: 0, last: undefined as unknown, release: () => release() }
  await page.route(
    (url) => matches(url.pathname),
    async (route) => {
      const response = await route.fetch()
      state.last = await response.json()
      state.read++
      await held
      await route.fulfill({ response })
    },
  )
  return state
}

/**
 * A TCP proxy to the collector that holds the first `/v1/live` upgrade it sees: it neither
 * forwards nor answers it, as a stalled proxy or a hub that never loads would. Every other
 * connection is piped through unchanged.
 */
async function stallFirstLiveSocket(targetPort: number) {
  const held: Socket[] = []
  let upgrades = 0
  const server = createServer((client) => {
    client.on('error', () => {})
    client.once('data', (first: Buffer) => {
      client.pause()
      if (first.toString('latin1').startsWith('GET /v1/live')) {
        upgrades++
        if (held.length === 0) {
          held.push(client)
          return
        }
      }
      const upstream = netConnect(targetPort, '127.0.0.1', () => {
        upstream.write(first)
        client.pipe(upstream)
        upstream.pipe(client)
      })
      upstream.on('error', () => client.destroy())
      client.on('close', () => upstream.destroy())
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  return {
    url: `http://127.0.0.1:${port}`,
    upgrades: () => upgrades,
    held: () => held.length,
    close: () => {
      for (const s of held) s.destroy()
      server.close()
    },
  }
}

describe('a live socket that never opens', () => {
  it('is given up after 10 s and opened again, so the page does not say "connecting" for ever', async () => {
    const proxy = await stallFirstLiveSocket(Number(new URL(collector.url).port))
    const page = await browser.newPage()
    try {
      await signIn(page, proxy.url, collector.adminToken)
      await expect.poll(() => proxy.held()).toBe(1)
      expect(await page.locator('#conn').getAttribute('data-state')).toBe('connecting')
      await expect
        .poll(() => page.locator('#conn').getAttribute('data-state'), { timeout: 30_000 })
        .toBe('live')
      // The held upgrade was given up and a second one opened through the proxy.
      expect(proxy.upgrades()).toBe(2)
    } finally {
      await page.close()
      proxy.close()
    }
  })
})
