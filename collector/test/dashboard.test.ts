import { exports } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { ADMIN, call, createAffiliate, createProgram } from './helpers'
import { upgrade } from './live-socket'

/** Every Set-Cookie header (workerd has getAll; the DOM-ish types don't). */
function setCookies(headers: Headers): string[] {
  return (headers as unknown as { getAll(name: string): string[] }).getAll('set-cookie')
}

function cookieOf(res: { headers: Headers }, name: string): string {
  const found = setCookies(res.headers).find((c) => c.startsWith(`${name}=`))
  return found ? (found.split(';')[0] ?? '') : ''
}

let ipSeq = 0

/** Each sign-in from its own client IP: sign-in attempts are rate limited per IP. */
async function signIn(token = ADMIN) {
  const ip = `198.51.99.${++ipSeq % 250}`
  const page = await fetchPage('/dashboard/sign-in', { headers: { 'cf-connecting-ip': ip } })
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)?.[1] ?? ''
  const res = await fetchPage('/dashboard/sign-in', {
    method: 'POST',
    headers: {
      cookie: cookieOf(page, 'rl_signin'),
      'cf-connecting-ip': ip,
      'content-type': 'application/x-www-form-urlencoded',
      'sec-fetch-site': 'same-origin',
    },
    body: new URLSearchParams({ _csrf: csrf, token }).toString(),
  })
  return { res, session: cookieOf(res, 'rl_session') }
}

const worker = (exports as unknown as { default: { fetch(r: Request): Promise<Response> } }).default

async function fetchPage(path: string, init: RequestInit = {}) {
  const res = await worker.fetch(new Request(`http://collector.test${path}`, { redirect: 'manual', ...init }))
  return { status: res.status, headers: res.headers, text: await res.text() }
}

async function csrfOf(session: string): Promise<string> {
  const page = await fetchPage('/dashboard', { headers: { cookie: session } })
  return /name="csrf-token" content="([^"]+)"/.exec(page.text)?.[1] ?? ''
}

describe('dashboard sessions', () => {
  it('signs in with the admin token into a signed HttpOnly SameSite=Strict cookie', async () => {
    // With no program yet, /dashboard sends the founder to the Programs page to create one.
    const empty = await signIn()
    const first = await fetchPage('/dashboard', { headers: { cookie: empty.session } })
    expect(first.status).toBe(303)
    expect(first.headers.get('location')).toMatch(/^\/dashboard\/programs/)
    await createProgram()
    const { res, session } = await signIn()
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe('/dashboard')
    const raw = setCookies(res.headers).find((c) => c.startsWith('rl_session=')) ?? ''
    expect(raw).toMatch(/HttpOnly/)
    expect(raw).toMatch(/SameSite=Strict/)
    const page = await fetchPage('/dashboard', { headers: { cookie: session } })
    expect(page.status).toBe(200)
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'")
    expect(page.text).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/)
  })

  it('refuses a wrong token, a forged cookie and a sign-in without its CSRF cookie', async () => {
    const wrong = await signIn('not-the-admin-token')
    expect(wrong.res.status).toBe(401)
    expect(wrong.session).toBe('')
    const forged = await fetchPage('/dashboard', {
      headers: { cookie: 'rl_session=eyJraW5kIjoic2Vzc2lvbiJ9.AAAA' },
    })
    expect(forged.status).toBe(303)
    expect(forged.headers.get('location')).toBe('/dashboard/sign-in')
    const noCsrf = await fetchPage('/dashboard/sign-in', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: ADMIN }).toString(),
    })
    expect(cookieOf(noCsrf, 'rl_session')).toBe('')
  })

  it('requires the session CSRF token and same-origin for every mutation', async () => {
    const { program } = await createProgram()
    const { session } = await signIn()
    const csrf = await csrfOf(session)
    const path = `/dashboard/api/affiliates?program=${program.id}&mode=live`
    const body = JSON.stringify({ name: 'Sam Rivera', email: 'sam@example.com' })
    const headers = { cookie: session, 'content-type': 'application/json' }
    expect((await fetchPage(path, { method: 'POST', headers, body })).status).toBe(403)
    expect(
      (await fetchPage(path, { method: 'POST', headers: { ...headers, 'x-csrf-token': 'bogus' }, body }))
        .status,
    ).toBe(403)
    const crossSite = await fetchPage(path, {
      method: 'POST',
      headers: { ...headers, 'x-csrf-token': csrf, 'sec-fetch-site': 'cross-site' },
      body,
    })
    expect(crossSite.status).toBe(403)
    const ok = await fetchPage(path, { method: 'POST', headers: { ...headers, 'x-csrf-token': csrf }, body })
    expect(ok.status).toBe(201)
    expect(JSON.parse(ok.text).affiliate.portal_url).toMatch(/\/portal\/[A-Za-z0-9]{32}$/)
    expect((await fetchPage(`/dashboard/api/overview?program=${program.id}`)).status).toBe(401)
  })

  it('signing out clears the cookie and ends the session', async () => {
    const { session } = await signIn()
    const csrf = await csrfOf(session)
    const out = await fetchPage('/dashboard/sign-out', {
      method: 'POST',
      headers: {
        cookie: session,
        'content-type': 'application/x-www-form-urlencoded',
        'sec-fetch-site': 'same-origin',
      },
      body: new URLSearchParams({ _csrf: csrf }).toString(),
    })
    expect(out.status).toBe(303)
    expect(setCookies(out.headers).join()).toMatch(/rl_session=;/)
    expect((await fetchPage('/dashboard', { headers: { cookie: session } })).status).toBe(303)
  })

  it('opens a founder socket with the session cookie, for an existing program only', async () => {
    const { program } = await createProgram()
    const { session } = await signIn()
    expect((await upgrade(`/v1/live?program=${program.id}&mode=test`, { cookie: session })).status).toBe(101)
    expect((await upgrade('/v1/live?program=prg_unknown', { cookie: session })).status).toBe(404)
    expect((await upgrade(`/v1/live?program=${program.id}`)).status).toBe(401)
  })
})

describe('affiliate portal', () => {
  it('renders for an active token and is a plain 404 otherwise', async () => {
    const { keys } = await createProgram({ landing_url: 'https://acme.example/pricing' })
    const aff = await createAffiliate(keys.secret, { name: 'Jane Cooper' })
    const path = new URL(aff.portal_url).pathname
    const page = await fetchPage(path)
    expect(page.status).toBe(200)
    expect(page.headers.get('referrer-policy')).toBe('no-referrer')
    expect(page.text).toContain('Jane Cooper')
    expect(page.text).toContain(`https://acme.example/pricing?ref=${aff.code}`)
    const data = await fetchPage(`${path}/data.json`)
    expect(JSON.parse(data.text)).toMatchObject({
      signups: [],
      conversions: [],
      commissions: [],
      payouts: [],
    })
    const missing = await fetchPage('/portal/AbCdEfGhIjKlMnOpQrStUvWxYz012345')
    expect(missing).toMatchObject({ status: 404, text: 'Not found' })
    await call('PATCH', `/v1/affiliates/${aff.id}`, { token: keys.secret, body: { status: 'disabled' } })
    expect((await fetchPage(path)).status).toBe(404)
    expect((await fetchPage(`${path}/data.json`)).status).toBe(404)
  })
})
