/**
 * Consent: with data-consent="pending" the tracker sets no cookie and sends nothing until
 * `refline.consent(true)`; `consent(false)` deletes its cookies and stops tracking.
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
  program = await createProgram()
})

const tag = (data: Record<string, string | true> = {}) =>
  scriptTag(`${collector().url}/r.js`, { key: program.publishable, ...data })
const cookieNames = async () => (await browser.context.cookies(site.origin)).map((c) => c.name).sort()
const form = '<form method="post" action="/signup"><input type="hidden" name="refline_click_id"></form>'

describe('data-consent="pending"', () => {
  it('sets no cookie, sends nothing and leaves the URL alone until consent(true), then tracks the landing once', async () => {
    const jane = program.affiliates.jane!
    site.page('/pending', html({ body: form, tag: tag({ consent: 'pending', strip: true }) }))
    const landing = `${site.origin}/pending?ref=${jane.code}&sub=ads`
    const visit = await browser.visit(landing)
    await trackerLoaded(visit.page)
    // The page changes on its own in the meantime (the DOM observer runs): still nothing.
    await visit.page.evaluate(() => document.body.append(document.createElement('div')))
    await sleep(700)
    expect(visit.clicks).toEqual([])
    expect(await cookieNames()).toEqual([])
    expect(visit.page.url()).toBe(landing)
    expect(await visit.page.inputValue('input[name=refline_click_id]')).toBe('')
    expect(await visit.page.evaluate(() => window.refline?.clickId)).toBeUndefined()

    await visit.page.evaluate(() => window.refline!.consent!(true))
    await visit.waitForClicks(1)
    expect(visit.clicks[0]!.body).toMatchObject({ ref: jane.code, sub: 'ads', url: landing })
    expect(await cookieNames()).toEqual(['rl_click', 'rl_ref'])
    expect(visit.page.url()).toBe(`${site.origin}/pending`)
    expect(await visit.page.inputValue('input[name=refline_click_id]')).toBe(visit.clicks[0]!.body.click_id)

    // Consent banners call back on every page view: asking again is not a second click.
    await visit.page.evaluate(() => window.refline!.consent!(true))
    const rows = await waitForClicks(program.id, 1)
    expect(rows).toEqual([expect.objectContaining({ affiliate_id: jane.id, sub: 'ads' })])
    expect(visit.clicks).toHaveLength(1)
  })

  it('reads nothing and fills nothing on later pages until consent, even with cookies from before', async () => {
    const jane = program.affiliates.jane!
    site.page('/consented', html({ tag: tag() }))
    site.page('/later', html({ body: form, tag: tag({ consent: 'pending' }) }))
    const first = await browser.visit(`${site.origin}/consented?ref=${jane.code}`)
    await first.waitForClicks(1)
    const clickId = first.clicks[0]!.body.click_id

    const later = await browser.visit(`${site.origin}/later?ref=${jane.code}`)
    await trackerLoaded(later.page)
    await sleep(300)
    expect(await later.page.evaluate(() => window.refline?.clickId)).toBeUndefined()
    expect(await later.page.inputValue('input[name=refline_click_id]')).toBe('')
    expect(later.clicks).toEqual([])

    await later.page.evaluate(() => window.refline!.consent!(true))
    await later.waitForClicks(1)
    // The new click carries the one it replaces.
    expect(later.clicks[0]!.body.prev_click_id).toBe(clickId)
  })

  it('stays silent when consent is refused, also for later navigations', async () => {
    const jane = program.affiliates.jane!
    site.page('/refused', html({ tag: tag({ consent: 'pending' }) }))
    const visit = await browser.visit(`${site.origin}/refused?ref=${jane.code}`)
    await trackerLoaded(visit.page)
    await visit.page.evaluate(() => window.refline!.consent!(false))
    await visit.page.evaluate((code) => history.pushState(null, '', `/refused/next?ref=${code}`), jane.code)
    await sleep(700)
    expect(visit.clicks).toEqual([])
    expect(await cookieNames()).toEqual([])
    expect(await clickRows(program.id)).toEqual([])
  })

  it('takes the consent call from the stub queue when the banner answered before the script loaded', async () => {
    const jane = program.affiliates.jane!
    site.script(
      '/banner.js',
      "window.refline = window.refline || { q: [] }; refline.q.push(['consent', true])",
    )
    site.page(
      '/early',
      html({ head: '<script src="/banner.js"></script>', tag: tag({ consent: 'pending' }) }),
    )
    const visit = await browser.visit(`${site.origin}/early?ref=${jane.code}`)
    await visit.waitForClicks(1)
    expect(await cookieNames()).toEqual(['rl_click', 'rl_ref'])
  })
})

describe('consent(false)', () => {
  it('deletes the cookies (also with data-domain) and stops tracking', async () => {
    const { jane } = program.affiliates
    site.page('/withdraw', html({ body: form, tag: tag({ domain: '.shop.refline.test' }) }))
    const visit = await browser.visit(`${site.origin}/withdraw?ref=${jane!.code}`)
    await visit.waitForClicks(1)
    expect(await cookieNames()).toEqual(['rl_click', 'rl_ref'])

    await visit.page.evaluate(() => window.refline!.consent!(false))
    expect(await cookieNames()).toEqual([])
    expect(await visit.page.evaluate(() => [window.refline?.clickId, window.refline?.ref])).toEqual([
      undefined,
      undefined,
    ])
    await visit.page.evaluate(
      (code) => history.pushState(null, '', `/withdraw/again?via=${code}`),
      jane!.code,
    )
    await sleep(700)
    expect(visit.clicks).toHaveLength(1)
    expect(await cookieNames()).toEqual([])
    expect(await waitForClicks(program.id, 1)).toHaveLength(1)
  })
})
