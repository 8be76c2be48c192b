/**
 * The dashboard's settings and applications pages in the Workers runtime: a signed-in founder
 * saves settings through the form (the same validation as PATCH /v1/program), a refused value is
 * named next to its field and nothing is saved, and an application is approved with one click.
 */
import { exports } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { ADMIN, call, createProgram } from '../../test/helpers'

const worker = (exports as unknown as { default: { fetch(r: Request): Promise<Response> } }).default

async function fetchPage(path: string, init: RequestInit = {}) {
  const res = await worker.fetch(new Request(`http://collector.test${path}`, { redirect: 'manual', ...init }))
  return { status: res.status, headers: res.headers, text: await res.text() }
}

function cookieOf(headers: Headers, name: string): string {
  const all = (headers as unknown as { getAll(name: string): string[] }).getAll('set-cookie')
  return all.find((c) => c.startsWith(`${name}=`))?.split(';')[0] ?? ''
}

let ipSeq = 0
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

/** The page's form fields as they would be posted unchanged (text inputs, selects, ticked boxes). */
function formOf(html: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const m of html.matchAll(/<input[^>]*name="([^"]+)"[^>]*>/g)) {
    const tag = m[0]
    if (/type="checkbox"/.test(tag) && !/checked/.test(tag)) continue
    out[m[1] ?? ''] = /value="([^"]*)"/.exec(tag)?.[1]?.replace(/&amp;/g, '&') ?? ''
  }
  for (const m of html.matchAll(/<select[^>]*name="([^"]+)"[^>]*>([\s\S]*?)<\/select>/g)) {
    out[m[1] ?? ''] = /<option value="([^"]+)" selected/.exec(m[2] ?? '')?.[1] ?? ''
  }
  for (const m of html.matchAll(/<textarea[^>]*name="([^"]+)"[^>]*>([\s\S]*?)<\/textarea>/g)) {
    out[m[1] ?? ''] = (m[2] ?? '').trim()
  }
  return out
}

function post(session: string, path: string, form: Record<string, string>) {
  return fetchPage(path, {
    method: 'POST',
    headers: {
      cookie: session,
      'content-type': 'application/x-www-form-urlencoded',
      'sec-fetch-site': 'same-origin',
    },
    body: new URLSearchParams(form).toString(),
  })
}

describe('dashboard settings page', () => {
  it('saves a new rate through the form, and names a refused field without saving anything', async () => {
    const { keys, program } = await createProgram({
      name: 'Form Co',
      commission: { type: 'percent', percent: 20 },
    })
    const session = await signIn()
    const path = `/dashboard/settings?program=${program.id}`
    const page = await fetchPage(path, { headers: { cookie: session } })
    expect(page.status).toBe(200)
    expect(page.text).toContain('Changes apply to new events only')
    expect(page.text).toContain(`/v1/integrations/stripe/${program.id}`)
    const form = formOf(page.text)
    expect(form.commission_percent).toBe('20')

    const saved = await post(session, path, { ...form, commission_percent: '35', slug: 'form-co-partners' })
    expect(saved.status).toBe(303)
    const after = (await call('GET', '/v1/program', { token: keys.secret })).body.program
    expect(after.commission).toEqual({ type: 'percent', percent: 35 })
    expect(after.slug).toBe('form-co-partners')

    const refused = await post(session, path, { ...form, commission_percent: '35', cookie_days: '401' })
    expect(refused.status).toBe(400)
    expect(refused.text).toMatch(/id="e-cookie_days"[^>]*>[^<]*cookie_days/)
    expect(refused.text).toContain('value="401"')
    expect((await call('GET', '/v1/program', { token: keys.secret })).body.program.cookie_days).toBe(30)

    // Without the CSRF token nothing is saved.
    const { _csrf, ...noCsrf } = form
    expect((await post(session, path, { ...noCsrf, hold_days: '3' })).status).toBe(403)
    expect((await call('GET', '/v1/program', { token: keys.secret })).body.program.hold_days).toBe(30)
  })

  it('edits the fraud and health thresholds, the IP blocklist and click retention through the form', async () => {
    const { keys, program } = await createProgram({ name: 'Thresholds Co' })
    const session = await signIn()
    const path = `/dashboard/settings?program=${program.id}`
    const form = formOf((await fetchPage(path, { headers: { cookie: session } })).text)
    expect(form.fraud__tracking_gap__hours).toBe('24')
    expect(form.fraud__unattributed_share__max_share).toBe('0.9')
    expect(form.click_retention_days).toBe('')
    const saved = await post(session, path, {
      ...form,
      fraud__tracking_gap__hours: '6',
      fraud__refund_spike__max_share: '0.5',
      fraud_ip_blocklist: '203.0.113.0/24\n2001:db8::/32',
      click_retention_days: '90',
    })
    expect(saved.status).toBe(303)
    const after = (await call('GET', '/v1/program', { token: keys.secret })).body.program
    expect(after.fraud.tracking_gap).toEqual({ hours: 6, min_clicks_7d: 50 })
    expect(after.fraud.refund_spike.max_share).toBe(0.5)
    expect(after.fraud.ip_blocklist).toEqual(['203.0.113.0/24', '2001:db8::/32'])
    expect(after.click_retention_days).toBe(90)

    // A bad entry and a share above 1 come back next to their fields; nothing is saved.
    const again = formOf((await fetchPage(path, { headers: { cookie: session } })).text)
    expect(again.fraud_ip_blocklist).toBe('203.0.113.0/24\n2001:db8::/32')
    const refused = await post(session, path, { ...again, fraud_ip_blocklist: 'not-an-ip' })
    expect(refused.status).toBe(400)
    expect(refused.text).toMatch(/id="e-fraud_ip_blocklist"/)
    const share = await post(session, path, { ...again, fraud__unattributed_share__max_share: '2' })
    expect(share.status).toBe(400)
    expect(share.text).toMatch(/id="e-fraud__unattributed_share__max_share"/)
    const retention = await post(session, path, { ...again, click_retention_days: '' })
    expect(retention.status).toBe(303)
    const final = (await call('GET', '/v1/program', { token: keys.secret })).body.program
    expect(final.click_retention_days).toBeNull()
    expect(final.fraud.ip_blocklist).toEqual(['203.0.113.0/24', '2001:db8::/32'])
  })

  it('lists applications and approves one with a click, showing its portal link once', async () => {
    const { keys, program } = await createProgram({ name: 'Apply Co' })
    const slug = `apply-${crypto.randomUUID().slice(0, 8)}`
    await call('PATCH', '/v1/program', { token: keys.secret, body: { slug, join: { enabled: true } } })
    await fetchPage(`/join/${slug}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'cf-connecting-ip': '192.0.2.77' },
      body: new URLSearchParams({
        name: 'Omar',
        email: 'omar@example.com',
        website: 'https://omar.example',
        promotion: 'YouTube',
        terms: 'on',
      }).toString(),
    })
    const session = await signIn()
    const path = `/dashboard/applications?program=${program.id}`
    const list = await fetchPage(path, { headers: { cookie: session } })
    expect(list.text).toContain('<span id="pending-count">1</span>')
    expect(list.text).toContain('https://omar.example')
    const csrf = /name="_csrf" value="([^"]+)"/.exec(list.text)?.[1] ?? ''
    const id = /data-id="(aff_[^"]+)"/.exec(list.text)?.[1] ?? ''
    const approved = await post(session, `/dashboard/applications/${id}/approve?program=${program.id}`, {
      _csrf: csrf,
    })
    expect(approved.status).toBe(200)
    const portal = /id="approved"[\s\S]*?href="([^"]+\/portal\/[^"]+)"/.exec(approved.text)?.[1]
    expect(portal).toBeTruthy()
    expect(approved.text).toContain('<span id="pending-count">0</span>')
    const aff = (await call('GET', `/v1/affiliates/${id}`, { token: keys.secret })).body.affiliate
    expect(aff.status).toBe('active')
  })
})
