/**
 * Running a program from the browser, in real Chromium against the real collector: a fresh
 * deployment opens on the Programs page; the founder creates a program there and gets its keys
 * once; the script tag copied from the page, on a real marketing page, ticks "Install the script"
 * and "First click" live, then a signup and a conversion tick the rest, with no reload; the
 * overview shows the checklist until it is done; the overview's CSV downloads hold the rows; and
 * reloading the page that shows new keys (the browser posts the form again) creates no second
 * program and rolls no key again.
 */
import { readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import type { BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Collector, launchBrowser, launchCollector, resultsDir } from './support'

let collector: Collector
let browser: BrowserContext
let site: Server
let siteHtml = ''
let siteUrl: string

beforeAll(async () => {
  collector = await launchCollector()
  // The founder's marketing page: whatever script tag the Programs page handed out.
  site = createServer((_req, res) => {
    res.setHeader('content-type', 'text/html; charset=utf-8')
    res.end(`<!doctype html><html><head>${siteHtml}</head><body><h1>Acme</h1></body></html>`)
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

const done = (page: Page, step: string) =>
  page.locator(`#checklist [data-step="${step}"]`).getAttribute('data-done')

/** A minimal RFC 4180 reader: quoted cells, doubled quotes, CRLF rows. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = []
  let row: string[] = []
  let cell = ''
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"'
        i++
      } else if (ch === '"') quoted = false
      else cell += ch
    } else if (ch === '"') quoted = true
    else if (ch === ',') {
      row.push(cell)
      cell = ''
    } else if (ch === '\n') {
      row.push(cell.replace(/\r$/, ''))
      rows.push(row)
      row = []
      cell = ''
    } else cell += ch
  }
  if (cell || row.length) rows.push([...row, cell])
  return rows
}

async function download(page: Page, linkText: string): Promise<Record<string, string>[]> {
  const [file] = await Promise.all([
    page.waitForEvent('download'),
    page.locator('nav.exports a', { hasText: linkText }).click(),
  ])
  const path = join(resultsDir, `export-${linkText}.csv`)
  await file.saveAs(path)
  const text = readFileSync(path, 'utf8')
  expect(text.charCodeAt(0)).not.toBe(0xfeff)
  const [header, ...rows] = parseCsv(text)
  return rows.map((r) => Object.fromEntries((header ?? []).map((h, i) => [h, r[i] ?? ''])))
}

/** The Programs page in a new tab, signing in first if the browser has no session yet. */
async function programsPage() {
  const page = await browser.newPage()
  await page.goto(`${collector.url}/dashboard/programs`)
  if (new URL(page.url()).pathname === '/dashboard/sign-in') {
    await page.fill('#token', collector.adminToken)
    await page.click('button[type=submit]')
    await page.waitForURL((u) => u.pathname !== '/dashboard/sign-in')
    await page.goto(`${collector.url}/dashboard/programs`)
  }
  return page
}

describe('programs page and first-run checklist', () => {
  it('creates a program, and its checklist ticks live from the script click to the first conversion', async () => {
    const page = await browser.newPage()
    // A deployment with no program opens on the Programs page, right after sign-in.
    await page.goto(`${collector.url}/dashboard`)
    await page.fill('#token', collector.adminToken)
    await page.click('button[type=submit]')
    await page.waitForURL(`${collector.url}/dashboard/programs`)
    await page.fill('#p-name', 'Checklist Co')
    await page.fill('#p-landing_url', `${siteUrl}/`)
    await page.fill('#p-commission_percent', '20')
    await page.click('#new-program button[type=submit]')
    await page.locator('#new-keys').waitFor()
    expect(await page.locator('#new-keys .banner').textContent()).toContain('cannot be shown again')
    const pk = await page.inputValue('#key-publishable')
    const sk = await page.inputValue('#key-secret')
    expect(pk).toMatch(/^pk_live_/)
    expect(sk).toMatch(/^sk_live_/)
    siteHtml = await page.inputValue('#snippet-script')
    expect(siteHtml).toBe(`<script defer src="${collector.url}/r.js" data-key="${pk}"></script>`)
    expect(await page.inputValue('#snippet-env')).toBe(`REFLINE_SECRET_KEY=${sk}`)
    expect(await page.inputValue('#snippet-node')).toContain(`baseUrl: '${collector.url}'`)
    await expect.poll(() => page.locator('#conn').getAttribute('data-state')).toBe('live')
    for (const step of ['script', 'click', 'signup', 'conversion'])
      expect(await done(page, step)).toBe('false')
    await page.screenshot({ path: join(resultsDir, 'programs-created.png'), fullPage: true })

    const aff = (
      await collector.api('POST', '/v1/affiliates', {
        token: sk,
        body: { name: 'Jane Cooper', email: 'jane@partners.example', code: 'jane-check' },
      })
    ).body.affiliate

    // A visitor arrives on the marketing page through Jane's link: the script reports the click.
    const visitor = await browser
      .browser()
      ?.newContext({ userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Chrome/126.0 Safari/537.36' })
    if (!visitor) throw new Error('no browser')
    const visit = await visitor.newPage()
    await visit.goto(`${siteUrl}/?ref=${aff.code}`)
    await expect.poll(() => done(page, 'script')).toBe('true')
    expect(await done(page, 'click')).toBe('true')
    expect(await done(page, 'signup')).toBe('false')
    const clickId = await visit.evaluate(
      () => (window as unknown as { refline: { clickId: string } }).refline.clickId,
    )
    await visitor.close()

    await collector.api('POST', '/v1/signups', {
      token: sk,
      body: { customer_id: 'cus_check', click_id: clickId },
    })
    await expect.poll(() => done(page, 'signup')).toBe('true')
    expect(await done(page, 'conversion')).toBe('false')
    expect(await page.locator('#checklist-done').isHidden()).toBe(true)

    // The overview shows the checklist while it is not done, with the same steps ticked.
    const overview = await browser.newPage()
    const programId = new URL(
      (await page.locator('nav.seg a', { hasText: 'Dashboard' }).getAttribute('href')) ?? '',
      collector.url,
    ).searchParams.get('program')
    await overview.goto(`${collector.url}/dashboard?program=${programId}`)
    await expect.poll(() => done(overview, 'signup')).toBe('true')
    expect(await done(overview, 'conversion')).toBe('false')
    await expect.poll(() => overview.locator('#conn').getAttribute('data-state')).toBe('live')

    const conversion = await collector.api('POST', '/v1/conversions', {
      token: sk,
      body: { event_id: 'inv_check_1', customer_id: 'cus_check', amount: 4900, currency: 'USD' },
    })
    expect(conversion.status).toBe(201)
    await expect.poll(() => done(page, 'conversion')).toBe('true')
    await expect.poll(() => page.locator('#checklist-done').isVisible()).toBe(true)
    expect(await page.locator('#checklist-count').textContent()).toBe('4')
    // …and on the overview, live too.
    await expect.poll(() => done(overview, 'conversion')).toBe('true')
    await overview.reload()
    await overview.locator('#affiliates tbody tr').first().waitFor()
    expect(await overview.locator('#checklist').count()).toBe(0)

    // The keys were shown once: the Programs page does not show them again.
    await page.goto(`${collector.url}/dashboard/programs`)
    expect(await page.content()).not.toContain(sk)
    expect(await page.locator(`#programs tr[data-program="${programId}"] td`).nth(2).textContent()).toBe(
      'Done',
    )

    // CSV downloads from the overview: each file holds the program's rows.
    const affiliates = await download(overview, 'affiliates')
    expect(affiliates.map((r) => r.code)).toEqual(['jane-check'])
    expect(affiliates[0]).toMatchObject({
      id: aff.id,
      name: 'Jane Cooper',
      email: 'jane@partners.example',
      status: 'active',
    })
    const conversions = await download(overview, 'conversions')
    expect(conversions).toHaveLength(1)
    expect(conversions[0]).toMatchObject({
      event_id: 'inv_check_1',
      customer_id: 'cus_check',
      affiliate_code: 'jane-check',
      currency: 'USD',
      amount: '49.00',
      amount_minor: '4900',
    })
    const commissions = await download(overview, 'commissions')
    expect(commissions).toHaveLength(1)
    expect(commissions[0]).toMatchObject({
      affiliate_id: aff.id,
      affiliate_code: 'jane-check',
      status: 'pending',
      currency: 'USD',
      amount: '9.80',
      amount_minor: '980',
    })
    await overview.close()
    await page.close()
  })

  it('reloading the page that shows a new program’s keys creates no second program', async () => {
    const page = await programsPage()
    await page.fill('#p-name', 'Reload Co')
    await page.click('#new-program button[type=submit]')
    await page.locator('#new-keys').waitFor()
    // The browser posts the form again.
    await page.reload()
    await page.locator('#already-created').waitFor()
    expect(await page.locator('#new-keys').count()).toBe(0)
    expect(await page.locator('#already-created').textContent()).toContain('New keys')
    const { programs } = (await collector.api('GET', '/v1/programs', { token: collector.adminToken })).body
    expect(programs.filter((p: { name: string }) => p.name === 'Reload Co')).toHaveLength(1)
    await page.close()
  })

  it('reloading the page that shows New keys rolls nothing: the keys it showed keep working', async () => {
    const { program } = await collector.createProgram({ name: 'Reroll Co' })
    const page = await programsPage()
    await page.click(`#programs tr[data-program="${program.id}"] button[type=submit]`)
    await page.locator('#new-keys').waitFor()
    const sk = await page.inputValue('#key-secret')
    expect(sk).toMatch(/^sk_live_/)
    expect((await collector.api('GET', '/v1/program', { token: sk })).status).toBe(200)
    // The browser posts the New keys form again.
    await page.reload()
    expect((await collector.api('GET', '/v1/program', { token: sk })).status).toBe(200)
    await page.locator('#keys-already-issued').waitFor()
    expect(await page.locator('#new-keys').count()).toBe(0)
    expect(await page.locator('#keys-already-issued').textContent()).toContain('New keys')
    await page.close()
  })
})
