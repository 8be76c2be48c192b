/**
 * Redirect links through the real collector: `GET /go/:code` records the click server-side and
 * sends the visitor on with `ref` and `rl_click`, which the script adopts without a second click.
 * Destinations are limited to the program's own sites; bots, HEAD and prefetches are not counted.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { type Browser, DESKTOP_CHROME, launchBrowser, trackerLoaded } from './support/browser'
import {
  clickRows,
  collector,
  createAffiliate,
  createProgram,
  rollupTotal,
  sleep,
  type TestProgram,
  waitForClicks,
} from './support/collector'
import { html, type Site, scriptTag, startSite } from './support/site'

let browser: Browser
let site: Site
let program: TestProgram

beforeAll(async () => {
  ;[browser, site] = await Promise.all([launchBrowser(), startSite()])
})
afterAll(async () => {
  await Promise.all([browser?.close(), site?.close()])
})
beforeEach(async () => {
  await browser.context.clearCookies()
  program = await createProgram({
    landing_url: `${site.origin}/landing?lang=en`,
    allowed_origins: ['https://blog.acme.example'],
  })
})

const tag = (data: Record<string, string | true> = {}) =>
  scriptTag(`${collector().url}/r.js`, { key: program.publishable, ...data })

/** One request to a link, not followed. */
async function follow(path: string, init: RequestInit = {}) {
  const res = await fetch(`${collector().url}${path}`, {
    redirect: 'manual',
    ...init,
    headers: { 'user-agent': DESKTOP_CHROME, ...(init.headers as Record<string, string>) },
  })
  const location = res.headers.get('location')
  return { status: res.status, headers: res.headers, location: location ? new URL(location) : null, res }
}

describe('a visitor through /go/:code', () => {
  it('lands with the click already recorded: the script adopts rl_click, sets the cookies and sends nothing', async () => {
    const jane = program.affiliates.jane!
    site.page(
      '/landing',
      html({ body: '<input type="hidden" name="refline_click_id">', tag: tag({ strip: true }) }),
    )
    const visit = await browser.visit(`${collector().url}/go/${jane.code}`)
    await trackerLoaded(visit.page)
    await sleep(500)
    const rows = await waitForClicks(program.id, 1)
    expect(rows).toEqual([
      expect.objectContaining({ affiliate_id: jane.id, ref: jane.code, source: 'link', mode: 'live' }),
    ])
    const clickId = rows[0]!.click_id
    expect(visit.clicks).toEqual([])
    const cookies = Object.fromEntries(
      (await browser.context.cookies(site.origin)).map((c) => [c.name, c.value]),
    )
    expect(cookies).toEqual({ rl_click: clickId, rl_ref: jane.code })
    expect(await visit.page.inputValue('input[name=refline_click_id]')).toBe(clickId)
    // data-strip cleans the address bar, so a shared URL carries no click id.
    expect(visit.page.url()).toBe(`${site.origin}/landing?lang=en`)
  })

  it('records the sub from the path, adopts even where data-params names other parameters', async () => {
    const jane = program.affiliates.jane!
    site.page('/landing', html({ tag: tag({ params: 'via' }) }))
    const visit = await browser.visit(`${collector().url}/go/${jane.code.toUpperCase()}/spring-newsletter`)
    await trackerLoaded(visit.page)
    const rows = await waitForClicks(program.id, 1)
    expect(rows).toEqual([
      expect.objectContaining({ affiliate_id: jane.id, sub: 'spring-newsletter', source: 'link' }),
    ])
    expect(visit.page.url()).toBe(
      `${site.origin}/landing?lang=en&ref=${jane.code}&rl_click=${rows[0]!.click_id}`,
    )
    expect(await visit.page.evaluate(() => window.refline?.clickId)).toBe(rows[0]!.click_id)
    expect(visit.clicks).toEqual([])
  })
})

describe('GET /go/:code', () => {
  it('answers 302 to the landing URL with ref and rl_click, never cached', async () => {
    const jane = program.affiliates.jane!
    const { status, location, headers } = await follow(`/go/${jane.code}?sub=yt`, {
      headers: { referer: 'https://news.example/post' },
    })
    expect(status).toBe(302)
    expect(headers.get('cache-control')).toBe('no-store')
    expect(location?.origin + location!.pathname).toBe(`${site.origin}/landing`)
    expect(location?.searchParams.get('lang')).toBe('en')
    expect(location?.searchParams.get('ref')).toBe(jane.code)
    const rows = await waitForClicks(program.id, 1)
    expect(rows).toEqual([
      expect.objectContaining({
        click_id: location?.searchParams.get('rl_click'),
        affiliate_id: jane.id,
        sub: 'yt',
        referrer: 'https://news.example/post',
        source: 'link',
      }),
    ])
  })

  it('goes to ?to= only for a path on the landing site or an allowed origin', async () => {
    const jane = program.affiliates.jane!
    const landing = `${site.origin}/landing`
    const cases: Array<[string, string]> = [
      ['/pricing?plan=pro', `${site.origin}/pricing`],
      ['https://blog.acme.example/launch', 'https://blog.acme.example/launch'],
      [`${site.origin}/docs`, `${site.origin}/docs`],
      ['https://evil.example/phish', landing],
      ['//evil.example/phish', landing],
      ['/\\evil.example/phish', landing],
      ['/\t/evil.example', landing],
      ['javascript:alert(1)', landing],
      ['https://blog.acme.example.evil.example/', landing],
      ['not a url', landing],
    ]
    for (const [to, expected] of cases) {
      const { status, location } = await follow(`/go/${jane.code}?to=${encodeURIComponent(to)}`)
      expect(status, to).toBe(302)
      expect(location!.origin + location!.pathname, to).toBe(expected)
      expect(location!.searchParams.get('ref'), to).toBe(jane.code)
    }
    const pricing = await follow(`/go/${jane.code}?to=${encodeURIComponent('/pricing?plan=pro')}`)
    expect(pricing.location!.searchParams.get('plan')).toBe('pro')
  })

  it('does not count bots, HEAD or prefetches, and leaves rl_click out so the page records a real click', async () => {
    const jane = program.affiliates.jane!
    const uncounted = [
      await follow(`/go/${jane.code}/sub1`, {
        headers: { 'user-agent': 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)' },
      }),
      await follow(`/go/${jane.code}/sub1`, { method: 'HEAD' }),
      await follow(`/go/${jane.code}/sub1`, { headers: { 'sec-purpose': 'prefetch' } }),
      await follow(`/go/${jane.code}/sub1`, { headers: { purpose: 'prefetch' } }),
    ]
    for (const { status, location } of uncounted) {
      expect(status).toBe(302)
      expect(location!.searchParams.get('ref')).toBe(jane.code)
      expect(location!.searchParams.get('sub')).toBe('sub1')
      expect(location!.searchParams.has('rl_click')).toBe(false)
    }
    const deadline = Date.now() + 15_000
    while ((await rollupTotal(program.id, 'bot_clicks')) < 4 && Date.now() < deadline) await sleep(500)
    expect(await rollupTotal(program.id, 'bot_clicks')).toBe(4)
    expect(await rollupTotal(program.id, 'clicks')).toBe(0)
    expect(await clickRows(program.id)).toEqual([])

    // The visitor then opens the prefetched page: the script records the click itself.
    site.page('/landing', html({ tag: tag() }))
    const visit = await browser.visit(uncounted[2]!.location!.href)
    await visit.waitForClicks(1)
    expect(visit.clicks[0]!.body).toMatchObject({ ref: jane.code, sub: 'sub1' })
    expect(await waitForClicks(program.id, 1)).toEqual([
      expect.objectContaining({ source: 'script', sub: 'sub1' }),
    ])
  })

  it('records a test affiliate’s link as a test click', async () => {
    const tess = await createAffiliate(program.testSecret, 'tess')
    const { location } = await follow(`/go/${tess.code}`)
    const rows = await waitForClicks(program.id, 1)
    expect(rows).toEqual([
      expect.objectContaining({
        click_id: location!.searchParams.get('rl_click'),
        mode: 'test',
        affiliate_id: tess.id,
      }),
    ])
  })

  it('answers 404 in the one error shape for an unknown code or a program with nowhere to go', async () => {
    const unknown = await follow(`/go/nobody-${Date.now()}`)
    expect(unknown.status).toBe(404)
    expect(await unknown.res.json()).toEqual({ error: { code: 'not_found', message: expect.any(String) } })

    const bare = await createProgram({}, ['solo'])
    const nowhere = await follow(`/go/${bare.affiliates.solo!.code}`)
    expect(nowhere.status).toBe(404)
    expect(await nowhere.res.json()).toMatchObject({ error: { code: 'not_found' } })
  })
})
