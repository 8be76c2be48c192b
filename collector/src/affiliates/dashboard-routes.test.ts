import { createExecutionContext, env } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { ADMIN, call, createAffiliate, createProgram } from '../../test/helpers'
import worker from '../index'

let ipSeq = 0

async function fetchPage(path: string, init: RequestInit = {}) {
  const req = new Request(`http://collector.test${path}`, { redirect: 'manual', ...init })
  const res = await worker.fetch(req, env, createExecutionContext())
  return { status: res.status, headers: res.headers, text: await res.text() }
}

function cookieOf(headers: Headers, name: string): string {
  const all = (headers as unknown as { getAll(n: string): string[] }).getAll('set-cookie')
  return all.find((c) => c.startsWith(`${name}=`))?.split(';')[0] ?? ''
}

async function signIn(): Promise<string> {
  const ip = `198.51.77.${++ipSeq % 250}`
  const page = await fetchPage('/dashboard/sign-in', { headers: { 'cf-connecting-ip': ip } })
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)?.[1] ?? ''
  const res = await fetchPage('/dashboard/sign-in', {
    method: 'POST',
    headers: {
      cookie: cookieOf(page.headers, 'rl_signin'),
      'cf-connecting-ip': ip,
      'content-type': 'application/x-www-form-urlencoded',
      'sec-fetch-site': 'same-origin',
    },
    body: new URLSearchParams({ _csrf: csrf, token: ADMIN }).toString(),
  })
  return cookieOf(res.headers, 'rl_session')
}

async function post(session: string, path: string, csrf: string, fields: Record<string, string>) {
  return fetchPage(path, {
    method: 'POST',
    headers: {
      cookie: session,
      'content-type': 'application/x-www-form-urlencoded',
      'sec-fetch-site': 'same-origin',
      origin: 'http://collector.test',
    },
    body: new URLSearchParams({ _csrf: csrf, ...fields }).toString(),
  })
}

describe('the affiliate page', () => {
  it('shows links, figures and lists, and changes codes, commission, status and the portal link', async () => {
    const { program, keys } = await createProgram({ commission: { type: 'percent', percent: 20 } })
    const jane = await createAffiliate(keys.secret, { name: 'Jane' })
    await call('POST', '/v1/conversions', {
      token: keys.secret,
      body: { event_id: 'inv_page', ref: jane.code, customer_id: 'cus_p', amount: 4900, currency: 'USD' },
    })
    const session = await signIn()
    const path = `/dashboard/affiliates/${jane.id}?program=${program.id}&mode=live`
    const page = await fetchPage(`${path}&sub=news&page=/pricing`, { headers: { cookie: session } })
    expect(page.status).toBe(200)
    expect(page.text).toContain(jane.link)
    expect(page.text).toContain(`${jane.link}?to=%2Fpricing&amp;sub=news`)
    expect(page.text).toContain('$49.00')
    expect(page.text).toContain('cus_p')
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)?.[1] ?? ''

    const codes = await post(session, path, csrf, { action: 'promo-codes', promo_codes: 'JANE20, JANEBF' })
    expect(codes.status).toBe(200)
    const got = await call('GET', `/v1/affiliates/${jane.id}`, { token: keys.secret })
    expect(got.body.affiliate.promo_codes).toEqual(['JANE20', 'JANEBF'])

    const bad = await post(session, path, csrf, { action: 'commission', type: 'percent', value: '300' })
    expect(bad.status).toBe(400)
    expect(bad.text).toContain('percent')
    const rate = await post(session, path, csrf, { action: 'commission', type: 'percent', value: '35' })
    expect(rate.status).toBe(200)
    expect(
      (await call('GET', `/v1/affiliates/${jane.id}`, { token: keys.secret })).body.affiliate.commission,
    ).toEqual({
      type: 'percent',
      percent: 35,
    })

    const link = await post(session, path, csrf, { action: 'portal-link' })
    expect(link.status).toBe(201)
    const fresh = /(http:\/\/collector\.test\/portal\/[A-Za-z0-9_-]+)/.exec(link.text)?.[1] ?? ''
    expect(fresh).not.toBe('')
    expect((await fetchPage(new URL(jane.portal_url).pathname)).status).toBe(404)
    expect((await fetchPage(new URL(fresh).pathname)).status).toBe(200)

    const off = await post(session, path, csrf, { action: 'disable' })
    expect(off.status).toBe(303)
    expect(
      (await call('GET', `/v1/affiliates/${jane.id}`, { token: keys.secret })).body.affiliate.status,
    ).toBe('disabled')
    await post(session, path, csrf, { action: 'enable' })
    expect(
      (await call('GET', `/v1/affiliates/${jane.id}`, { token: keys.secret })).body.affiliate.status,
    ).toBe('active')
    expect(await (await import('../lib/env')).hubFor(env, program.id).audit()).toEqual([])
  })

  it('refuses a post without the CSRF token and a page without a session', async () => {
    const { program, keys } = await createProgram()
    const jane = await createAffiliate(keys.secret)
    const path = `/dashboard/affiliates/${jane.id}?program=${program.id}&mode=live`
    expect((await fetchPage(path)).status).toBe(303)
    const session = await signIn()
    const res = await post(session, path, 'wrong', { action: 'disable' })
    expect(res.status).toBe(403)
    expect(
      (await call('GET', `/v1/affiliates/${jane.id}`, { token: keys.secret })).body.affiliate.status,
    ).toBe('active')
  })
})
