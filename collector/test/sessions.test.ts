/**
 * Sessions and sockets: sign-out ends the session on the server, `/v1/live` refuses foreign
 * origins, portal tokens are stored hashed and rotatable, redirect links never carry userinfo,
 * and a malformed sign-in form is a 4xx.
 */
import { env } from 'cloudflare:test'
import { exports } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { hashLegacyPortalTokens, portalTokenHash } from '../src/lib/portal-token'
import { sessionIdHash } from '../src/lib/session'
import { ADMIN, call, createAffiliate, createProgram } from './helpers'
import { openSocket, settle, upgrade } from './live-socket'

const worker = (exports as unknown as { default: { fetch(r: Request): Promise<Response> } }).default

let ipSeq = 0
const freshIp = () => `198.19.${Math.floor(Math.random() * 200)}.${++ipSeq % 250}`

async function fetchPage(path: string, init: RequestInit = {}) {
  const res = await worker.fetch(new Request(`http://collector.test${path}`, { redirect: 'manual', ...init }))
  return { status: res.status, headers: res.headers, text: await res.text() }
}

function cookieOf(headers: Headers, name: string): string {
  const all = (headers as unknown as { getAll(name: string): string[] }).getAll('set-cookie')
  return all.find((c) => c.startsWith(`${name}=`))?.split(';')[0] ?? ''
}

async function signIn(): Promise<string> {
  const ip = freshIp()
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
  expect(res.status).toBe(303)
  return cookieOf(res.headers, 'rl_session')
}

async function csrfOf(session: string): Promise<string> {
  const page = await fetchPage('/dashboard', { headers: { cookie: session } })
  return /name="csrf-token" content="([^"]+)"/.exec(page.text)?.[1] ?? ''
}

const tokenOf = (portalUrl: string) => new URL(portalUrl).pathname.split('/').pop() ?? ''

describe('dashboard sessions', () => {
  it('sign-out ends the session on the server: the old cookie stops working at once', async () => {
    const { program } = await createProgram()
    const session = await signIn()
    expect((await fetchPage('/dashboard', { headers: { cookie: session } })).status).toBe(200)
    const socket = await openSocket(`/v1/live?program=${program.id}`, { cookie: session })
    await socket.waitFor(1)
    let closed: number | null = null
    socket.ws.addEventListener('close', (e) => {
      closed = e.code
    })
    const out = await fetchPage('/dashboard/sign-out', {
      method: 'POST',
      headers: {
        cookie: session,
        'content-type': 'application/x-www-form-urlencoded',
        'sec-fetch-site': 'same-origin',
      },
      body: new URLSearchParams({ _csrf: await csrfOf(session) }).toString(),
    })
    expect(out.status).toBe(303)
    // The browser drops the cookie; someone who copied it keeps sending it.
    const page = await fetchPage('/dashboard', { headers: { cookie: session } })
    expect(page.status).toBe(303)
    expect(page.headers.get('location')).toBe('/dashboard/sign-in')
    expect(
      (await fetchPage(`/dashboard/api/overview?program=${program.id}`, { headers: { cookie: session } }))
        .status,
    ).toBe(401)
    expect((await upgrade(`/v1/live?program=${program.id}`, { cookie: session })).status).toBe(401)
    // …and the live socket it had open is closed.
    for (let i = 0; i < 50 && closed === null; i++) await settle(20)
    expect(closed).toBe(4001)
  })

  it('stores only a hash of the session id', async () => {
    const session = await signIn()
    const payload = session.slice('rl_session='.length).split('.')[0] ?? ''
    const sid = (JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/'))) as { sid: string }).sid
    const row = await env.DB.prepare('SELECT id_hash FROM sessions WHERE id_hash = ?')
      .bind(await sessionIdHash(sid))
      .first()
    expect(row).not.toBeNull()
    const dump = JSON.stringify((await env.DB.prepare('SELECT * FROM sessions').all()).results)
    expect(dump).not.toContain(sid)
  })

  it('answers a malformed multipart sign-in form with a 4xx, not a 500', async () => {
    const res = await fetchPage('/dashboard/sign-in', {
      method: 'POST',
      headers: {
        'cf-connecting-ip': freshIp(),
        'content-type': 'multipart/form-data; boundary=----x',
        'sec-fetch-site': 'same-origin',
      },
      body: '------x\r\nContent-Disposition: form-data; name="token"\r\n\r\nnot closed',
    })
    expect(res.status).toBeGreaterThanOrEqual(400)
    expect(res.status).toBeLessThan(500)
    expect(res.text).toContain('sign')
  })
})

describe('GET /v1/live origin rule', () => {
  it('refuses any Origin but the collector’s own, with a session or a token', async () => {
    const { program, keys } = await createProgram()
    const session = await signIn()
    const live = await call('POST', '/v1/live/tokens', { token: keys.secret })
    const aff = await createAffiliate(keys.secret)
    const sessionPath = `/v1/live?program=${program.id}`
    const tokenPath = `/v1/live?token=${live.body.token}`
    const portalPath = `/v1/live?token=${tokenOf(aff.portal_url)}`
    for (const origin of [
      'https://evil.example',
      'http://other.collector.test',
      'https://collector.test',
      'http://collector.test:8080',
      'null',
    ]) {
      for (const [path, headers] of [
        [sessionPath, { cookie: session }],
        [tokenPath, {}],
        [portalPath, {}],
      ] as const) {
        const res = await upgrade(path, { ...headers, origin })
        expect(res.status, `${origin} ${path}`).toBe(403)
        expect(((await res.json()) as { error: { code: string } }).error.code).toBe('forbidden')
      }
    }
    expect((await upgrade(sessionPath, { cookie: session, origin: 'http://collector.test' })).status).toBe(
      101,
    )
    expect((await upgrade(portalPath, { origin: 'http://collector.test' })).status).toBe(101)
    // Server-side clients send no Origin: a token is enough.
    expect((await upgrade(tokenPath)).status).toBe(101)
  })
})

describe('portal links', () => {
  it('are stored hashed, shown on create only, and null in every other answer', async () => {
    const { keys } = await createProgram()
    const aff = await createAffiliate(keys.secret)
    const token = tokenOf(aff.portal_url)
    expect(token).toMatch(/^[A-Za-z0-9]{32}$/)
    const row = await env.DB.prepare('SELECT * FROM affiliates WHERE id = ?').bind(aff.id).first()
    expect(JSON.stringify(row)).not.toContain(token)
    expect(row).toMatchObject({ portal_token: null, portal_token_hash: await portalTokenHash(token) })
    const one = await call('GET', `/v1/affiliates/${aff.id}`, { token: keys.secret })
    expect(one.body.affiliate.portal_url).toBeNull()
    const list = await call('GET', '/v1/affiliates', { token: keys.secret })
    expect(list.body.affiliates[0].portal_url).toBeNull()
    const patched = await call('PATCH', `/v1/affiliates/${aff.id}`, {
      token: keys.secret,
      body: { name: 'New' },
    })
    expect(patched.body.affiliate.portal_url).toBeNull()
    // The portal still opens with the token shown once.
    expect((await fetchPage(`/portal/${token}`)).status).toBe(200)
  })

  it('POST /v1/affiliates/:id/portal-link issues a new link; the old one stops at once, open sockets too', async () => {
    const { keys } = await createProgram()
    const aff = await createAffiliate(keys.secret)
    const old = tokenOf(aff.portal_url)
    const socket = await openSocket(`/v1/live?token=${old}`)
    await socket.waitFor(1)
    let closed: number | null = null
    socket.ws.addEventListener('close', (e) => {
      closed = e.code
    })
    const res = await call('POST', `/v1/affiliates/${aff.id}/portal-link`, { token: keys.secret })
    expect(res.status).toBe(201)
    expect(Object.keys(res.body)).toEqual(['portal_url'])
    const fresh = tokenOf(res.body.portal_url)
    expect(fresh).not.toBe(old)
    expect((await fetchPage(`/portal/${old}`)).status).toBe(404)
    expect((await fetchPage(`/portal/${old}/data.json`)).status).toBe(404)
    expect((await upgrade(`/v1/live?token=${old}`)).status).toBe(401)
    expect((await fetchPage(`/portal/${fresh}`)).status).toBe(200)
    for (let i = 0; i < 50 && closed === null; i++) await settle(20)
    expect(closed).toBe(4001)
    const unknown = await call('POST', '/v1/affiliates/aff_nope/portal-link', { token: keys.secret })
    expect(unknown.status).toBe(404)
    const withBody = await call('POST', `/v1/affiliates/${aff.id}/portal-link`, {
      token: keys.secret,
      body: { portal_url: 'https://mine.example/' },
    })
    expect(withBody.status).toBe(400)
    expect(withBody.body.error.field).toBe('portal_url')
    expect((await fetchPage(`/portal/${fresh}`)).status).toBe(200)
  })

  it('keeps a legacy plaintext token working and hashes it on first use', async () => {
    const { keys } = await createProgram()
    const aff = await createAffiliate(keys.secret)
    const legacy = 'LegacyToken0123456789abcdefABCDEF'
    await env.DB.prepare('UPDATE affiliates SET portal_token = ?, portal_token_hash = NULL WHERE id = ?')
      .bind(legacy, aff.id)
      .run()
    expect((await fetchPage(`/portal/${legacy}`)).status).toBe(200)
    const row = await env.DB.prepare('SELECT portal_token, portal_token_hash FROM affiliates WHERE id = ?')
      .bind(aff.id)
      .first()
    expect(row).toEqual({ portal_token: null, portal_token_hash: await portalTokenHash(legacy) })
    expect((await fetchPage(`/portal/${legacy}`)).status).toBe(200)
  })

  it('the hourly maintenance hashes legacy plaintext tokens that were never used', async () => {
    const { keys } = await createProgram()
    const aff = await createAffiliate(keys.secret)
    const legacy = 'UnusedLegacyToken0123456789abcdef'
    await env.DB.prepare('UPDATE affiliates SET portal_token = ?, portal_token_hash = NULL WHERE id = ?')
      .bind(legacy, aff.id)
      .run()
    expect(await hashLegacyPortalTokens(env.DB)).toBeGreaterThanOrEqual(1)
    const row = await env.DB.prepare('SELECT portal_token, portal_token_hash FROM affiliates WHERE id = ?')
      .bind(aff.id)
      .first()
    expect(row).toEqual({ portal_token: null, portal_token_hash: await portalTokenHash(legacy) })
    expect(
      await env.DB.prepare('SELECT COUNT(*) AS n FROM affiliates WHERE portal_token IS NOT NULL').first('n'),
    ).toBe(0)
    expect((await fetchPage(`/portal/${legacy}`)).status).toBe(200)
  })
})

describe('redirect links', () => {
  it('never send the visitor to a URL with userinfo, nor pass on a click id they did not make', async () => {
    const { keys } = await createProgram({
      landing_url: 'https://acme.example/',
      allowed_origins: ['https://docs.acme.example'],
    })
    const aff = await createAffiliate(keys.secret)
    const bot = { 'user-agent': 'curl/8.0' }
    for (const to of [
      'http://evil.com@acme.example/',
      'https://evil.com:pw@docs.acme.example/x',
      'https://user@acme.example/pricing',
    ]) {
      const res = await call('GET', `/go/${aff.code}?to=${encodeURIComponent(to)}`)
      const location = new URL(res.headers.get('location') ?? '')
      expect(res.status).toBe(302)
      expect(location.username + location.password, to).toBe('')
      expect(location.href).not.toContain('evil.com')
    }
    const forged = await call(
      'GET',
      `/go/${aff.code}?to=${encodeURIComponent('/?rl_click=someoneelsesclickid0')}`,
      {
        headers: bot,
      },
    )
    expect(forged.headers.get('location')).not.toContain('someoneelsesclickid0')
  })
})
