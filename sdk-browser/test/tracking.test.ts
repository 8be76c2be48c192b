/**
 * The tracker on a landing page, in real Chromium against the real local collector: what it
 * sends, the cookies it sets and the clicks the collector stores.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { type Browser, launchBrowser, trackerLoaded } from './support/browser'
import {
  clickRows,
  collector,
  createProgram,
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
  program = await createProgram({}, ['jane', 'omar'])
})

const tag = (data: Record<string, string | true> = {}) =>
  scriptTag(`${collector().url}/r.js`, { key: program.publishable, ...data })

const cookiesOf = async (origin: string) =>
  Object.fromEntries((await browser.context.cookies(origin)).map((c) => [c.name, c]))

describe('a visitor arriving through a ref link', () => {
  it('gets both cookies, and the collector stores exactly one click attributed to the affiliate', async () => {
    const jane = program.affiliates.jane!
    site.page('/landing', html({ body: '<h1>Acme</h1>', tag: tag() }))
    const visit = await browser.visit(`${site.origin}/landing?ref=${jane.code}&sub=youtube&utm_source=x`)
    await visit.waitForClicks(1)

    expect(visit.clicks).toHaveLength(1)
    const [sent] = visit.clicks
    expect(sent!.method).toBe('POST')
    expect(sent!.url).toBe(`${collector().url}/v1/clicks`)
    // text/plain keeps it a simple request: no CORS preflight.
    expect(sent!.contentType).toMatch(/^text\/plain/)
    expect(sent!.body).toEqual({
      key: program.publishable,
      click_id: expect.stringMatching(/^[\w-]{16,64}$/),
      ref: jane.code,
      url: `${site.origin}/landing?ref=${jane.code}&sub=youtube&utm_source=x`,
      referrer: '',
      sub: 'youtube',
    })
    expect(visit.answers[0]).toEqual({
      status: 202,
      body: { click_id: sent!.body.click_id, attributed: true },
    })

    const cookies = await cookiesOf(site.origin)
    expect(cookies.rl_click?.value).toBe(sent!.body.click_id)
    expect(cookies.rl_ref?.value).toBe(jane.code)
    for (const cookie of [cookies.rl_click!, cookies.rl_ref!]) {
      expect(cookie).toMatchObject({
        domain: 'shop.refline.test',
        path: '/',
        sameSite: 'Lax',
        secure: false,
        httpOnly: false,
      })
      // 30 days by default.
      expect(cookie.expires * 1000 - Date.now()).toBeGreaterThan(30 * 86400_000 - 120_000)
      expect(cookie.expires * 1000 - Date.now()).toBeLessThan(30 * 86400_000 + 120_000)
    }
    expect(await visit.page.evaluate(() => [window.refline?.clickId, window.refline?.ref])).toEqual([
      sent!.body.click_id,
      jane.code,
    ])

    const rows = await waitForClicks(program.id, 1)
    expect(rows).toEqual([
      expect.objectContaining({
        click_id: sent!.body.click_id,
        affiliate_id: jane.id,
        ref: jane.code,
        sub: 'youtube',
        mode: 'live',
        source: 'script',
        first_click_id: null,
      }),
    ])
    expect(visit.errors).toEqual([])
  })

  it('reads the other default parameters (via, aff) and data-params when set', async () => {
    const omar = program.affiliates.omar!
    site.page('/via', html({ tag: tag() }))
    site.page('/fpr', html({ tag: tag({ params: 'fpr, partner' }) }))

    const viaVisit = await browser.visit(`${site.origin}/via?via=${omar.code}`)
    await viaVisit.waitForClicks(1)
    expect(viaVisit.clicks[0]!.body.ref).toBe(omar.code)

    await browser.context.clearCookies()
    const ignored = await browser.visit(`${site.origin}/fpr?ref=producthunt`)
    await trackerLoaded(ignored.page)
    await sleep(300)
    expect(ignored.clicks).toEqual([])

    const partner = await browser.visit(`${site.origin}/fpr?partner=${omar.code}`)
    await partner.waitForClicks(1)
    expect(partner.clicks[0]!.body.ref).toBe(omar.code)

    const rows = await waitForClicks(program.id, 2)
    expect(rows.map((r) => r.affiliate_id)).toEqual([omar.id, omar.id])
  })

  it('records an unknown ref as an unattributed click and never throws', async () => {
    site.page('/unknown', html({ tag: tag() }))
    const visit = await browser.visit(`${site.origin}/unknown?ref=nobody-${Date.now()}`)
    await visit.waitForClicks(1)
    expect(visit.answers[0]).toMatchObject({ status: 202, body: { attributed: false } })
    expect((await cookiesOf(site.origin)).rl_click?.value).toBe(visit.clicks[0]!.body.click_id)
    const rows = await waitForClicks(program.id, 1)
    expect(rows).toEqual([
      expect.objectContaining({ affiliate_id: null, ref: expect.stringMatching(/^nobody-/) }),
    ])
    expect(visit.errors).toEqual([])
  })

  it('sends the previous click id when a new ref arrives, so first-click attribution works', async () => {
    const { jane, omar } = program.affiliates
    site.page('/again', html({ tag: tag() }))
    const first = await browser.visit(`${site.origin}/again?ref=${jane!.code}`)
    await first.waitForClicks(1)
    const second = await browser.visit(`${site.origin}/again?ref=${omar!.code}`)
    await second.waitForClicks(1)
    expect(second.clicks[0]!.body.prev_click_id).toBe(first.clicks[0]!.body.click_id)
    expect((await cookiesOf(site.origin)).rl_ref?.value).toBe(omar!.code)

    const rows = await waitForClicks(program.id, 2)
    expect(rows[1]).toMatchObject({ affiliate_id: omar!.id, first_click_id: first.clicks[0]!.body.click_id })
  })
})

describe('a visitor without a ref', () => {
  it('gets no cookie and sends nothing', async () => {
    site.page(
      '/plain',
      html({ body: '<form><input type="hidden" name="refline_click_id"></form>', tag: tag() }),
    )
    const visit = await browser.visit(`${site.origin}/plain?utm_source=newsletter&sub=x`)
    await trackerLoaded(visit.page)
    await sleep(500)
    expect(visit.clicks).toEqual([])
    expect(await browser.context.cookies(site.origin)).toEqual([])
    expect(await visit.page.inputValue('input[name=refline_click_id]')).toBe('')
    expect(await visit.page.evaluate(() => window.refline?.clickId)).toBeUndefined()
    expect(await clickRows(program.id)).toEqual([])
  })

  it('keeps the click id of an earlier visit on later pages without sending anything', async () => {
    const jane = program.affiliates.jane!
    site.page('/first', html({ tag: tag() }))
    site.page(
      '/signup',
      html({ body: '<form><input type="hidden" name="refline_click_id"></form>', tag: tag() }),
    )
    // Other cookies of the site that merely contain the name must not be mistaken for it.
    await browser.context.addCookies([
      { name: 'landing', value: '/?ref=x&rl_click=decoy-decoy-decoy', url: site.origin },
      { name: 'xrl_click', value: 'decoy-decoy-decoy', url: site.origin },
    ])
    const first = await browser.visit(`${site.origin}/first?ref=${jane.code}`)
    await first.waitForClicks(1)
    const later = await browser.visit(`${site.origin}/signup`)
    await trackerLoaded(later.page)
    await sleep(300)
    expect(later.clicks).toEqual([])
    expect(await later.page.evaluate(() => [window.refline?.clickId, window.refline?.ref])).toEqual([
      first.clicks[0]!.body.click_id,
      jane.code,
    ])
    expect(await later.page.inputValue('input[name=refline_click_id]')).toBe(first.clicks[0]!.body.click_id)
  })
})

describe('cookies', () => {
  it('use data-domain and data-cookie-days, so every subdomain sees the click', async () => {
    const jane = program.affiliates.jane!
    const www = site.originOf('www.shop')
    site.page('/domain', html({ tag: tag({ domain: '.shop.refline.test', 'cookie-days': '7' }) }))
    site.page(
      '/app',
      html({
        body: '<input type="hidden" name="refline_click_id">',
        tag: tag({ domain: '.shop.refline.test' }),
      }),
    )
    const visit = await browser.visit(`${site.origin}/domain?ref=${jane.code}`)
    await visit.waitForClicks(1)
    const cookies = await cookiesOf(site.origin)
    for (const cookie of [cookies.rl_click!, cookies.rl_ref!]) {
      expect(cookie.domain).toBe('.shop.refline.test')
      expect(cookie.expires * 1000 - Date.now()).toBeGreaterThan(7 * 86400_000 - 120_000)
      expect(cookie.expires * 1000 - Date.now()).toBeLessThan(7 * 86400_000 + 120_000)
    }
    const sub = await browser.visit(`${www}/app`)
    await trackerLoaded(sub.page)
    expect(await sub.page.inputValue('input[name=refline_click_id]')).toBe(visit.clicks[0]!.body.click_id)
    // A host-only cookie (no data-domain) would not reach the other subdomain.
    await browser.context.clearCookies()
    site.page('/host-only', html({ tag: tag() }))
    await (await browser.visit(`${site.origin}/host-only?ref=${jane.code}`)).waitForClicks(1)
    expect((await browser.context.cookies(www)).map((c) => c.name)).toEqual([])
  })

  it('are Secure on https', async () => {
    const jane = program.affiliates.jane!
    site.page('/secure', html({ tag: tag() }))
    const visit = await browser.visit(`${site.httpsOrigin}/secure?ref=${jane.code}`)
    await visit.waitForClicks(1)
    const cookies = await browser.context.cookies(site.httpsOrigin)
    expect(cookies.map((c) => [c.name, c.secure, c.sameSite]).sort()).toEqual([
      ['rl_click', true, 'Lax'],
      ['rl_ref', true, 'Lax'],
    ])
  })

  it('keep any affiliate code from adding cookie attributes', async () => {
    site.page('/inject', html({ tag: tag() }))
    const visit = await browser.visit(
      `${site.origin}/inject?ref=${encodeURIComponent('x;domain=refline.test;path=/x')}`,
    )
    await visit.waitForClicks(1)
    const cookies = await cookiesOf(site.origin)
    expect(cookies.rl_ref).toMatchObject({ domain: 'shop.refline.test', path: '/' })
    expect(await visit.page.evaluate(() => unescape(window.refline!.ref!))).toBe(
      'x;domain=refline.test;path=/x',
    )
  })
})

describe('data-strip', () => {
  it('removes the ref parameters, sub and rl_click from the address bar and keeps the rest', async () => {
    const jane = program.affiliates.jane!
    // The page's own router state must survive the rewrite.
    site.script('/router.js', 'history.replaceState({ route: "landing" }, "", location.href)')
    site.page('/strip', html({ head: '<script src="/router.js"></script>', tag: tag({ strip: true }) }))
    const visit = await browser.visit(`${site.origin}/strip?ref=${jane.code}&sub=yt&utm_source=x#pricing`)
    await visit.waitForClicks(1)
    expect(visit.page.url()).toBe(`${site.origin}/strip?utm_source=x#pricing`)
    expect(await visit.page.evaluate(() => history.state)).toEqual({ route: 'landing' })
    // The collector still got the URL the visitor landed on.
    expect(visit.clicks[0]!.body.url).toBe(
      `${site.origin}/strip?ref=${jane.code}&sub=yt&utm_source=x#pricing`,
    )
    expect(visit.clicks).toHaveLength(1)
    expect(await waitForClicks(program.id, 1)).toHaveLength(1)
  })

  it('leaves the address bar alone without it', async () => {
    const jane = program.affiliates.jane!
    site.page('/nostrip', html({ tag: tag() }))
    const visit = await browser.visit(`${site.origin}/nostrip?ref=${jane.code}`)
    await visit.waitForClicks(1)
    expect(visit.page.url()).toBe(`${site.origin}/nostrip?ref=${jane.code}`)
  })
})

describe('single-page apps', () => {
  it('track a History API navigation to a new ref link, once per URL', async () => {
    const { jane, omar } = program.affiliates
    // A router that renders the view again on back and forward, as single-page apps do.
    site.script(
      '/router.js',
      `addEventListener('popstate', () => { document.getElementById('view').textContent = location.pathname })`,
    )
    site.page(
      '/spa',
      html({
        head: '<script defer src="/router.js"></script>',
        body: '<main id="view">home</main>',
        tag: tag(),
      }),
    )
    const visit = await browser.visit(`${site.origin}/spa`)
    await trackerLoaded(visit.page)
    expect(visit.clicks).toEqual([])

    // pushState alone, as a router does before it renders.
    await visit.page.evaluate(
      (code) => history.pushState({ n: 1 }, '', `/spa/pricing?ref=${code}`),
      jane!.code,
    )
    await visit.waitForClicks(1)
    expect(visit.clicks[0]!.body).toMatchObject({
      ref: jane!.code,
      url: `${site.origin}/spa/pricing?ref=${jane!.code}`,
    })

    // Routers replaceState() the same URL again (scroll restoration): not a new click.
    await visit.page.evaluate(() => history.replaceState({ n: 1, scroll: 10 }, '', location.href))
    // A navigation with no ref, then replaceState() to another affiliate's link.
    await visit.page.evaluate(() => history.pushState({ n: 2 }, '', '/spa/docs'))
    await visit.page.evaluate(
      (code) => history.replaceState({ n: 2 }, '', `/spa/docs?via=${code}`),
      omar!.code,
    )
    await visit.waitForClicks(2)
    expect(visit.clicks[1]!.body).toMatchObject({
      ref: omar!.code,
      prev_click_id: visit.clicks[0]!.body.click_id,
    })

    // Back and forward return to entries that were already counted, even when the app renders.
    await visit.page.goBack()
    expect(
      await visit.page.evaluate(() => [history.state, document.getElementById('view')?.textContent]),
    ).toEqual([{ n: 1, scroll: 10 }, '/spa/pricing'])
    await visit.page.goBack()
    await visit.page.goForward()
    await visit.page.goForward()
    await sleep(500)
    expect(visit.clicks).toHaveLength(2)

    const rows = await waitForClicks(program.id, 2)
    expect(rows.map((r) => r.affiliate_id)).toEqual([jane!.id, omar!.id])
    expect(visit.errors).toEqual([])
  })

  it('pass the page’s own pushState() arguments and errors through untouched', async () => {
    site.page('/spa-errors', html({ tag: tag() }))
    const visit = await browser.visit(`${site.origin}/spa-errors`)
    await trackerLoaded(visit.page)
    const error = await visit.page.evaluate(() => {
      try {
        history.pushState(null, '', 'https://elsewhere.example/')
        return 'no error'
      } catch (e) {
        return (e as Error).name
      }
    })
    expect(error).toBe('SecurityError')
    await visit.page.evaluate(() => history.pushState({ a: 1 }, '', '/spa-errors/next#x'))
    expect(await visit.page.evaluate(() => [history.state, location.pathname, location.hash])).toEqual([
      { a: 1 },
      '/spa-errors/next',
      '#x',
    ])
  })
})

describe('window.refline', () => {
  it('runs calls queued on the stub before the script loaded, and ready() after', async () => {
    const jane = program.affiliates.jane!
    site.script(
      '/stub.js',
      `window.refline = window.refline || { q: [], consent: function (g) { this.q.push(['consent', g]) }, ready: function (f) { this.q.push(['ready', f]) } }
       window.seen = []
       refline.ready(function (r) { window.seen.push(['before consent', r.clickId]) })
       refline.consent(true)
       refline.ready(function (r) { window.seen.push(['after consent', r.clickId, r.ref]) })`,
    )
    site.page('/stub', html({ head: '<script src="/stub.js"></script>', tag: tag({ consent: 'pending' }) }))
    const visit = await browser.visit(`${site.origin}/stub?ref=${jane.code}`)
    await visit.waitForClicks(1)
    const clickId = visit.clicks[0]!.body.click_id
    // In the order they were queued: the click id exists once consent is granted.
    expect(await visit.page.evaluate(() => (window as unknown as { seen: unknown[] }).seen)).toEqual([
      ['before consent', undefined],
      ['after consent', clickId, jane.code],
    ])
    // After load, ready() calls back at once, and an error in the callback stays inside.
    const after = await visit.page.evaluate(() => {
      const log: string[] = []
      window.refline!.ready!(() => {
        throw new Error('bug in the page')
      })
      window.refline!.ready!((r) => log.push(`ready ${r.clickId}`))
      log.push('after call')
      return log
    })
    expect(after).toEqual([`ready ${clickId}`, 'after call'])
    expect(visit.errors).toEqual([])
  })

  it('counts a visit once when the script is on the page twice', async () => {
    const jane = program.affiliates.jane!
    site.page(
      '/twice',
      html({
        tag:
          tag() + tag() + scriptTag('/dist/refline.js', { key: program.publishable, api: collector().url }),
      }),
    )
    const visit = await browser.visit(`${site.origin}/twice?ref=${jane.code}`)
    await visit.waitForClicks(1)
    await sleep(500)
    expect(visit.clicks).toHaveLength(1)
    expect(await waitForClicks(program.id, 1)).toHaveLength(1)
  })

  it('is also started from code by the ES module build', async () => {
    const jane = program.affiliates.jane!
    site.script(
      '/main.mjs',
      `import { init } from '/dist/refline.mjs'
       const r = init({ key: ${JSON.stringify(program.publishable)}, api: ${JSON.stringify(collector().url)}, strip: true, cookieDays: 2, consent: 'granted' })
       window.sameObject = r === window.refline`,
    )
    site.page('/esm', html({ head: '<script type="module" src="/main.mjs"></script>' }))
    const visit = await browser.visit(`${site.origin}/esm?ref=${jane.code}&x=1`)
    await visit.waitForClicks(1)
    expect(visit.clicks[0]!.body).toMatchObject({ ref: jane.code, key: program.publishable })
    expect(visit.page.url()).toBe(`${site.origin}/esm?x=1`)
    expect(await visit.page.evaluate(() => (window as unknown as { sameObject: boolean }).sameObject)).toBe(
      true,
    )
    const cookies = await cookiesOf(site.origin)
    expect(cookies.rl_click!.expires * 1000 - Date.now()).toBeLessThan(2 * 86400_000 + 120_000)
  })
})
