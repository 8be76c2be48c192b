/**
 * The server-set first-party cookie option: with `COOKIE_DOMAIN` set and the collector served on
 * that domain, `GET /go/:code` and a same-site `POST /v1/clicks` answer with `Set-Cookie` for
 * `rl_click` and `rl_ref`, for the program's cookie window; anywhere else, no cookie.
 */
import { createExecutionContext, env } from 'cloudflare:test'
import { beforeAll, describe, expect, it } from 'vitest'
import worker from '../src/index'
import { BROWSER_UA, clickId, createAffiliate, createProgram } from './helpers'

let ipSeq = 0
const freshIp = () => `192.0.2.${(ipSeq++ % 250) + 1}`

/** The Worker with COOKIE_DOMAIN set (or not), reached at `origin`. */
async function fetchAt(origin: string, path: string, init: RequestInit, cookieDomain?: string) {
  const bindings = cookieDomain ? { ...env, COOKIE_DOMAIN: cookieDomain } : env
  const headers = {
    'user-agent': BROWSER_UA,
    'cf-connecting-ip': freshIp(),
    ...(init.headers as Record<string, string>),
  }
  const req = new Request(`${origin}${path}`, { redirect: 'manual', ...init, headers })
  const res = await worker.fetch(req, bindings, createExecutionContext())
  await res.arrayBuffer()
  return {
    status: res.status,
    headers: res.headers,
    cookies: (res.headers as unknown as { getAll(name: string): string[] }).getAll('set-cookie'),
  }
}

let pk: string
let code: string

beforeAll(async () => {
  const { keys } = await createProgram({ landing_url: 'https://www.acme.example/', cookie_days: 45 })
  pk = keys.publishable
  code = (await createAffiliate(keys.secret)).code
})

describe('GET /go/:code with COOKIE_DOMAIN', () => {
  it('sets rl_click and rl_ref from the server, on the domain, for the program’s cookie window', async () => {
    const res = await fetchAt('https://go.acme.example', `/go/${code}`, {}, 'acme.example')
    expect(res.status).toBe(302)
    const id = new URL(res.headers.get('location') ?? '').searchParams.get('rl_click')
    expect(id).toBeTruthy()
    expect(res.cookies).toEqual([
      `rl_click=${id}; Domain=acme.example; Path=/; Max-Age=${45 * 86_400}; SameSite=Lax; Secure`,
      `rl_ref=${code}; Domain=acme.example; Path=/; Max-Age=${45 * 86_400}; SameSite=Lax; Secure`,
    ])
  })

  it('sets no cookie without COOKIE_DOMAIN, or when served on another domain', async () => {
    expect((await fetchAt('https://go.acme.example', `/go/${code}`, {})).cookies).toEqual([])
    const elsewhere = await fetchAt('https://refline.workers.example', `/go/${code}`, {}, 'acme.example')
    expect(elsewhere.status).toBe(302)
    expect(elsewhere.cookies).toEqual([])
  })

  it('sets no cookie for a bot, whose click gets no rl_click', async () => {
    const res = await fetchAt(
      'https://go.acme.example',
      `/go/${code}`,
      { headers: { 'user-agent': 'Googlebot/2.1' } },
      'acme.example',
    )
    expect(res.status).toBe(302)
    expect(res.cookies).toEqual([])
  })
})

describe('POST /v1/clicks with COOKIE_DOMAIN', () => {
  const click = (origin: string | undefined, site?: string) => {
    const id = clickId()
    const headers: Record<string, string> = { 'content-type': 'text/plain' }
    if (origin) headers.origin = origin
    if (site) headers['sec-fetch-site'] = site
    return {
      id,
      init: {
        method: 'POST',
        headers,
        body: JSON.stringify({ key: pk, ref: code, click_id: id, url: 'https://www.acme.example/' }),
      },
    }
  }

  it('answers a click from a page on the domain with the same cookies', async () => {
    const { id, init } = click('https://www.acme.example', 'same-origin')
    const res = await fetchAt('https://www.acme.example', '/v1/clicks', init, 'acme.example')
    expect(res.status).toBe(202)
    expect(res.cookies).toEqual([
      `rl_click=${id}; Domain=acme.example; Path=/; Max-Age=${45 * 86_400}; SameSite=Lax; Secure`,
      `rl_ref=${code}; Domain=acme.example; Path=/; Max-Age=${45 * 86_400}; SameSite=Lax; Secure`,
    ])
  })

  it('sets none for a click from another site, with no Origin, or cross-site', async () => {
    for (const [origin, site] of [
      ['https://evil.example', 'cross-site'],
      ['https://acme.example.evil.example', undefined],
      [undefined, undefined],
      ['https://www.acme.example', 'cross-site'],
    ] as const) {
      const { init } = click(origin, site)
      const res = await fetchAt('https://t.acme.example', '/v1/clicks', init, 'acme.example')
      expect(res.status, `${origin} ${site}`).toBe(202)
      expect(res.cookies, `${origin} ${site}`).toEqual([])
    }
  })

  it('sets none without COOKIE_DOMAIN', async () => {
    const { init } = click('https://www.acme.example', 'same-origin')
    const res = await fetchAt('https://www.acme.example', '/v1/clicks', init)
    expect(res.status).toBe(202)
    expect(res.cookies).toEqual([])
  })
})
