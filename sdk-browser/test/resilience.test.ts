/**
 * The host page comes first: the tracker never throws into it, never depends on the collector
 * being up, and works under a strict Content Security Policy. Also what GET /r.js answers.
 */
import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { freePort } from '../../scripts/local-collector.mjs'
import { type Browser, launchBrowser } from './support/browser'
import { collector, createProgram, sleep, type TestProgram, waitForClicks } from './support/collector'
import { html, type Site, scriptTag, startSite } from './support/site'

let browser: Browser
let site: Site
let program: TestProgram

beforeAll(async () => {
  ;[browser, site] = await Promise.all([launchBrowser(), startSite()])
  // The page's own watchers, loaded before anything else: every error and CSP violation it sees.
  site.script(
    '/watch.js',
    `window.problems = []
     addEventListener('error', (e) => problems.push('error: ' + e.message))
     addEventListener('unhandledrejection', (e) => problems.push('rejection: ' + e.reason))
     document.addEventListener('securitypolicyviolation', (e) => problems.push('csp: ' + e.violatedDirective + ' ' + e.blockedURI))`,
  )
  site.script(
    '/app.js',
    `document.getElementById('status').textContent = 'app ran'
     window.appRan = true`,
  )
})
afterAll(async () => {
  await Promise.all([browser?.close(), site?.close()])
})
beforeEach(async () => {
  await browser.context.clearCookies()
  program = await createProgram()
})

const problems = (visit: { page: import('playwright-core').Page }) =>
  visit.page.evaluate(() => (window as unknown as { problems: string[] }).problems)

describe('with the collector down', () => {
  it('the page runs as usual and the visitor still gets the cookies and the click id', async () => {
    const jane = program.affiliates.jane!
    const down = `http://127.0.0.1:${await freePort()}`
    site.page(
      '/down',
      html({
        head: '<script src="/watch.js"></script>',
        body: '<p id="status">loading</p><input type="hidden" name="refline_click_id"><a href="https://buy.stripe.com/test_x">Buy</a>',
        tag: `${scriptTag('/dist/refline.js', { key: program.publishable, api: down })}<script defer src="/app.js"></script>`,
      }),
    )
    const visit = await browser.visit(`${site.origin}/down?ref=${jane.code}`)
    await visit.page.waitForFunction(() => (window as unknown as { appRan?: boolean }).appRan === true)
    await visit.page.waitForFunction(() => typeof window.refline?.clickId === 'string')
    await sleep(500)
    expect(visit.clicks.map((c) => c.url)).toEqual([`${down}/v1/clicks`])
    expect(visit.failed).toEqual([`${down}/v1/clicks`])
    const clickId = visit.clicks[0]!.body.click_id
    expect(await visit.page.textContent('#status')).toBe('app ran')
    expect(await visit.page.inputValue('input[name=refline_click_id]')).toBe(clickId)
    expect(await visit.page.getAttribute('a', 'href')).toBe(
      `https://buy.stripe.com/test_x?client_reference_id=${clickId}`,
    )
    expect((await browser.context.cookies(site.origin)).map((c) => c.name).sort()).toEqual([
      'rl_click',
      'rl_ref',
    ])
    expect(await problems(visit)).toEqual([])
    expect(visit.errors).toEqual([])
  })

  it('a script that never loads leaves the page untouched', async () => {
    const down = `http://127.0.0.1:${await freePort()}`
    site.page(
      '/no-script',
      html({
        head: '<script src="/watch.js"></script>',
        body: '<p id="status">loading</p>',
        tag: `${scriptTag(`${down}/r.js`, { key: program.publishable })}<script defer src="/app.js"></script>`,
      }),
    )
    const visit = await browser.visit(`${site.origin}/no-script?ref=x`)
    await visit.page.waitForFunction(() => (window as unknown as { appRan?: boolean }).appRan === true)
    expect(await visit.page.textContent('#status')).toBe('app ran')
  })
})

describe('under a strict Content Security Policy', () => {
  it('tracks with no eval, no inline code and no violation of its own', async () => {
    const jane = program.affiliates.jane!
    const csp = [
      "default-src 'none'",
      `script-src 'self' ${collector().url}`,
      `connect-src ${collector().url}`,
      "style-src 'none'",
      "require-trusted-types-for 'script'",
      "trusted-types 'none'",
      "base-uri 'none'",
      "form-action 'self'",
    ].join('; ')
    site.page(
      '/csp',
      html({
        head: '<script src="/watch.js"></script>',
        // An inline script, which this policy must block: proof that the policy is enforced.
        body: `<p id="status">loading</p><script>window.inlineRan = true</script>
               <form><input type="hidden" name="refline_click_id"></form><a href="https://buy.stripe.com/test_csp">Buy</a>`,
        tag: `${scriptTag(`${collector().url}/r.js`, { key: program.publishable, strip: true })}<script defer src="/app.js"></script>`,
      }),
      { 'content-security-policy': csp },
    )
    const visit = await browser.visit(`${site.origin}/csp?ref=${jane.code}`)
    await visit.waitForClicks(1)
    await visit.page.waitForFunction(() => (window as unknown as { appRan?: boolean }).appRan === true)
    const clickId = visit.clicks[0]!.body.click_id
    expect(
      await visit.page.evaluate(() => (window as unknown as { inlineRan?: boolean }).inlineRan),
    ).toBeUndefined()
    expect(await problems(visit)).toEqual(['csp: script-src-elem inline'])
    expect(visit.answers[0]).toMatchObject({ status: 202, body: { attributed: true } })
    expect(await visit.page.inputValue('input[name=refline_click_id]')).toBe(clickId)
    expect(await visit.page.getAttribute('a', 'href')).toBe(
      `https://buy.stripe.com/test_csp?client_reference_id=${clickId}`,
    )
    expect(visit.page.url()).toBe(`${site.origin}/csp`)
    expect(await waitForClicks(program.id, 1)).toEqual([expect.objectContaining({ affiliate_id: jane.id })])
  })
})

describe('where cookies are forbidden', () => {
  it('throws nothing into a sandboxed frame (document.cookie throws there)', async () => {
    const jane = program.affiliates.jane!
    const frame = html({
      head: `<script>window.problems = []; addEventListener('error', (e) => problems.push(e.message)); addEventListener('unhandledrejection', (e) => problems.push(String(e.reason)))
             addEventListener('load', () => setTimeout(() => {
               let cookie = 'readable'
               try { document.cookie } catch (e) { cookie = e.name }
               parent.postMessage({ problems, cookie, tracker: typeof (window.refline && window.refline.consent) }, '*')
             }, 300))</script>`,
      body: '<input type="hidden" name="refline_click_id">',
      tag: scriptTag(`${collector().url}/r.js`, { key: program.publishable }),
    })
    site.page(
      '/sandbox',
      html({
        head: `<script>window.report = new Promise((resolve) => addEventListener('message', (e) => resolve(e.data)))</script>`,
        body: `<iframe sandbox="allow-scripts" srcdoc="${frame.replaceAll('&', '&amp;').replaceAll('"', '&quot;')}"></iframe>`,
      }),
    )
    const visit = await browser.visit(`${site.origin}/sandbox?ref=${jane.code}`)
    const report = await visit.page.evaluate(() => (window as unknown as { report: Promise<unknown> }).report)
    expect(report).toEqual({ problems: [], cookie: 'SecurityError', tracker: 'function' })
    expect(visit.errors).toEqual([])
  })
})

describe('GET /r.js', () => {
  it('serves the built script with long caching, an ETag, open CORS and CORP', async () => {
    const res = await fetch(`${collector().url}/r.js`)
    expect(res.status).toBe(200)
    expect(await res.text()).toBe(readFileSync(new URL('../dist/refline.js', import.meta.url), 'utf8'))
    expect(res.headers.get('content-type')).toBe('application/javascript; charset=utf-8')
    expect(res.headers.get('cache-control')).toBe('public, max-age=86400, stale-while-revalidate=604800')
    expect(res.headers.get('access-control-allow-origin')).toBe('*')
    expect(res.headers.get('cross-origin-resource-policy')).toBe('cross-origin')
    const etag = res.headers.get('etag')
    expect(etag).toMatch(/^"[0-9a-f]{32}"$/)

    const again = await fetch(`${collector().url}/r.js`, {
      headers: { 'if-none-match': `W/${etag}, "other"` },
    })
    expect(again.status).toBe(304)
    expect(await again.text()).toBe('')
    const changed = await fetch(`${collector().url}/r.js`, {
      headers: { 'if-none-match': '"an-older-build"' },
    })
    expect(changed.status).toBe(200)
  })
})
