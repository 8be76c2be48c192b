/**
 * The examples of docs/browser-script.md, run as written in real Chromium: the stub, the consent
 * banner hookups (with stand-ins for Cookiebot, OneTrust, CookieYes and Klaro that answer the
 * way those tools do) and the Buy Button snippet.
 */
import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { type Browser, launchBrowser, trackerLoaded } from './support/browser'
import { collector, createProgram, sleep, type TestProgram } from './support/collector'
import { html, type Site, scriptTag, startSite } from './support/site'

const doc = readFileSync(new URL('../../docs/browser-script.md', import.meta.url), 'utf8')

/** The first fenced block of `lang` after `marker` in the doc. */
function example(marker: string, lang = 'js'): string {
  const at = doc.indexOf(marker)
  if (at < 0) throw new Error(`docs/browser-script.md has no "${marker}"`)
  const match = doc.slice(at).match(new RegExp(`\`\`\`${lang}\\n([\\s\\S]*?)\`\`\``))
  if (!match) throw new Error(`no ${lang} block after "${marker}"`)
  return match[1]!
}

const stub = example('define this stub', 'html').replace(/<\/?script>/g, '')

let browser: Browser
let site: Site
let program: TestProgram

beforeAll(async () => {
  ;[browser, site] = await Promise.all([launchBrowser(), startSite()])
  site.script('/stub.js', stub)
})
afterAll(async () => {
  await Promise.all([browser?.close(), site?.close()])
})
beforeEach(async () => {
  await browser.context.clearCookies()
  program = await createProgram()
})

/**
 * A page in the documented order: the stub, the banner hookup from the doc, then the stand-in
 * banner, which answers before the tracker has loaded; the tracker waits for consent.
 */
async function visitWithBanner(name: string, hookup: string, banner: string, body = '') {
  site.script(`/${name}-hookup.js`, hookup)
  site.script(`/${name}-banner.js`, banner)
  site.page(
    `/${name}`,
    html({
      head: `<script src="/stub.js"></script><script src="/${name}-hookup.js"></script><script src="/${name}-banner.js"></script>`,
      body,
      tag: scriptTag(`${collector().url}/r.js`, { key: program.publishable, consent: 'pending' }),
    }),
  )
  const visit = await browser.visit(`${site.origin}/${name}?ref=${program.affiliates.jane!.code}`)
  await trackerLoaded(visit.page)
  return visit
}

describe('docs/browser-script.md', () => {
  it('the stub queues consent() and ready() until the script loads', async () => {
    site.script(
      '/early.js',
      `window.seen = []
       refline.consent(true)
       refline.ready(function (r) { seen.push(r.clickId) })`,
    )
    site.page(
      '/stub-page',
      html({
        head: '<script src="/stub.js"></script><script src="/early.js"></script>',
        tag: scriptTag(`${collector().url}/r.js`, { key: program.publishable, consent: 'pending' }),
      }),
    )
    const visit = await browser.visit(`${site.origin}/stub-page?ref=${program.affiliates.jane!.code}`)
    await visit.waitForClicks(1)
    expect(await visit.page.evaluate(() => (window as unknown as { seen: unknown[] }).seen)).toEqual([
      visit.clicks[0]!.body.click_id,
    ])
  })

  it('Cookiebot: marketing consent starts tracking, no marketing consent keeps it off', async () => {
    const hookup = example('**Cookiebot**')
    const accepted = await visitWithBanner(
      'cookiebot',
      hookup,
      `window.Cookiebot = { consent: { marketing: true } }; window.dispatchEvent(new Event('CookiebotOnAccept'))`,
    )
    await accepted.waitForClicks(1)

    await browser.context.clearCookies()
    const statisticsOnly = await visitWithBanner(
      'cookiebot-stats',
      hookup,
      `window.Cookiebot = { consent: { marketing: false } }; window.dispatchEvent(new Event('CookiebotOnAccept'))`,
    )
    const declined = await visitWithBanner(
      'cookiebot-no',
      hookup,
      `window.dispatchEvent(new Event('CookiebotOnDecline'))`,
    )
    await sleep(500)
    expect(statisticsOnly.clicks).toEqual([])
    expect(declined.clicks).toEqual([])
    expect(await browser.context.cookies(site.origin)).toEqual([])
  })

  it('OneTrust: the Targeting group starts tracking', async () => {
    const hookup = example('**OneTrust**')
    const visit = await visitWithBanner(
      'onetrust',
      hookup,
      `window.OnetrustActiveGroups = ',C0001,C0002,C0004,'; OptanonWrapper()`,
    )
    await visit.waitForClicks(1)
    const without = await visitWithBanner(
      'onetrust-no',
      hookup,
      `window.OnetrustActiveGroups = ',C0001,C0002,'; OptanonWrapper()`,
    )
    await sleep(500)
    expect(without.clicks).toEqual([])
  })

  it('CookieYes: advertisement consent starts tracking', async () => {
    const visit = await visitWithBanner(
      'cookieyes',
      example('**CookieYes**'),
      `window.getCkyConsent = () => ({ isUserActionCompleted: true, categories: { necessary: true, advertisement: true } })
       document.dispatchEvent(new CustomEvent('cookieyes_consent_update', { detail: {} }))`,
    )
    await visit.waitForClicks(1)
  })

  it('Klaro: the service callback forwards consent', async () => {
    const visit = await visitWithBanner(
      'klaro',
      `window.klaroService = ${example('**Klaro**')}`,
      'klaroService.callback(true, klaroService)',
    )
    await visit.waitForClicks(1)
  })

  it('the Buy Button snippet sets client-reference-id', async () => {
    site.script('/buy-button.js', example('**Buy Buttons**'))
    site.page(
      '/buy',
      html({
        head: '<script src="/stub.js"></script>',
        body: '<stripe-buy-button buy-button-id="buy_btn_1"></stripe-buy-button><script defer src="/buy-button.js"></script>',
        tag: scriptTag(`${collector().url}/r.js`, { key: program.publishable }),
      }),
    )
    const visit = await browser.visit(`${site.origin}/buy?ref=${program.affiliates.jane!.code}`)
    await visit.waitForClicks(1)
    await visit.page.waitForFunction(() =>
      document.querySelector('stripe-buy-button')?.hasAttribute('client-reference-id'),
    )
    expect(await visit.page.getAttribute('stripe-buy-button', 'client-reference-id')).toBe(
      visit.clicks[0]!.body.click_id,
    )
  })
})
