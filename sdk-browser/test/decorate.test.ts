/**
 * Handing the click id to the page: hidden inputs (also in forms rendered later), Stripe Payment
 * Links and pricing tables, so signups and Stripe checkouts carry it with no extra code.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { type Browser, launchBrowser, type Visit } from './support/browser'
import { collector, createProgram, type TestProgram } from './support/collector'
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

const tag = () => scriptTag(`${collector().url}/r.js`, { key: program.publishable })
const clickIdOf = (visit: Visit) => visit.clicks.at(-1)!.body.click_id as string

describe('hidden inputs', () => {
  it('fill every input named refline_click_id, also in a form rendered after load, and the form posts it', async () => {
    const jane = program.affiliates.jane!
    site.script(
      '/late-form.js',
      `setTimeout(() => {
         const form = document.createElement('form')
         form.method = 'post'
         form.action = '/signup'
         form.id = 'late'
         form.innerHTML = '<input name="email" value="a@example.com"><input type="hidden" name="refline_click_id">'
         document.getElementById('app').append(form)
       }, 300)`,
    )
    site.page(
      '/forms',
      html({
        head: '<script defer src="/late-form.js"></script>',
        body: `<form id="a"><input type="hidden" name="refline_click_id"></form>
               <form id="b"><input type="hidden" name="refline_click_id" value="stale"><input name="other"></form>
               <div id="app"></div>`,
        tag: tag(),
      }),
    )
    const visit = await browser.visit(`${site.origin}/forms?ref=${jane.code}`)
    await visit.waitForClicks(1)
    const clickId = clickIdOf(visit)
    await visit.page.waitForSelector('#late')
    await visit.page.waitForFunction(
      (id) => (document.querySelector('#late [name=refline_click_id]') as HTMLInputElement).value === id,
      clickId,
    )
    expect(
      await visit.page.$$eval('input[name=refline_click_id]', (els) =>
        els.map((e) => (e as HTMLInputElement).value),
      ),
    ).toEqual([clickId, clickId, clickId])
    expect(await visit.page.inputValue('input[name=other]')).toBe('')

    await Promise.all([
      visit.page.waitForURL('**/signup'),
      visit.page.evaluate(() => (document.getElementById('late') as HTMLFormElement).submit()),
    ])
    expect(site.posts.at(-1)?.path).toBe('/signup')
    expect(site.posts.at(-1)?.body.get('refline_click_id')).toBe(clickId)
  })

  it('follow a new click id after a single-page navigation to another ref link', async () => {
    const { jane, omar } = program.affiliates
    site.page('/spa-form', html({ body: '<input type="hidden" name="refline_click_id">', tag: tag() }))
    const visit = await browser.visit(`${site.origin}/spa-form?ref=${jane!.code}`)
    await visit.waitForClicks(1)
    await visit.page.evaluate((code) => history.pushState(null, '', `?ref=${code}`), omar!.code)
    await visit.waitForClicks(2)
    expect(await visit.page.inputValue('input[name=refline_click_id]')).toBe(clickIdOf(visit))
    expect(clickIdOf(visit)).not.toBe(visit.clicks[0]!.body.click_id)
  })
})

describe('Stripe', () => {
  it('adds client_reference_id to Payment Links, keeping their own parameters, and to pricing tables', async () => {
    const { jane, omar } = program.affiliates
    site.script(
      '/late-link.js',
      `setTimeout(() => {
         const a = document.createElement('a')
         a.id = 'late'
         a.href = 'https://buy.stripe.com/test_late'
         a.textContent = 'Buy later'
         document.body.append(a)
       }, 300)`,
    )
    site.page(
      '/pricing',
      html({
        head: '<script defer src="/late-link.js"></script>',
        body: `<a id="plain" href="https://buy.stripe.com/test_abc">Buy</a>
               <a id="prefilled" href="https://buy.stripe.com/test_def?prefilled_email=a%40example.com&locale=fr">Buy</a>
               <a id="other" href="https://example.com/buy.stripe.com/">Not Stripe</a>
               <a id="checkout" href="https://checkout.stripe.com/c/pay/cs_test">Checkout session</a>
               <stripe-pricing-table pricing-table-id="prctbl_123" publishable-key="pk_test_123"></stripe-pricing-table>`,
        tag: tag(),
      }),
    )
    const visit = await browser.visit(`${site.origin}/pricing?ref=${jane!.code}`)
    await visit.waitForClicks(1)
    const clickId = clickIdOf(visit)
    await visit.page.waitForSelector('#late')
    await visit.page.waitForFunction(() =>
      (document.getElementById('late') as HTMLAnchorElement).href.includes('client_reference_id'),
    )
    const hrefs = () =>
      visit.page.$$eval('a', (links) => Object.fromEntries(links.map((a) => [a.id, a.getAttribute('href')])))
    expect(await hrefs()).toEqual({
      plain: `https://buy.stripe.com/test_abc?client_reference_id=${clickId}`,
      prefilled: `https://buy.stripe.com/test_def?prefilled_email=a%40example.com&locale=fr&client_reference_id=${clickId}`,
      other: 'https://example.com/buy.stripe.com/',
      checkout: 'https://checkout.stripe.com/c/pay/cs_test',
      late: `https://buy.stripe.com/test_late?client_reference_id=${clickId}`,
    })
    expect(await visit.page.getAttribute('stripe-pricing-table', 'client-reference-id')).toBe(clickId)
    expect(clickId).toMatch(/^[A-Za-z0-9_-]{1,200}$/)

    // A new click replaces the reference instead of adding a second one.
    await visit.page.evaluate((code) => history.pushState(null, '', `?via=${code}`), omar!.code)
    await visit.waitForClicks(2)
    const next = clickIdOf(visit)
    expect((await hrefs()).plain).toBe(`https://buy.stripe.com/test_abc?client_reference_id=${next}`)
    expect(await visit.page.getAttribute('stripe-pricing-table', 'client-reference-id')).toBe(next)
  })

  it('leaves Stripe elements alone for a visitor without a click', async () => {
    site.page(
      '/pricing-direct',
      html({
        body: `<a href="https://buy.stripe.com/test_abc">Buy</a><stripe-pricing-table pricing-table-id="prctbl_1"></stripe-pricing-table>`,
        tag: tag(),
      }),
    )
    const visit = await browser.visit(`${site.origin}/pricing-direct`)
    await visit.page.waitForFunction(() => typeof window.refline?.consent === 'function')
    expect(await visit.page.getAttribute('a', 'href')).toBe('https://buy.stripe.com/test_abc')
    expect(await visit.page.getAttribute('stripe-pricing-table', 'client-reference-id')).toBeNull()
  })
})
