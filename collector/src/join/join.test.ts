/**
 * The join page and applications in the Workers runtime with the real migrations: the page only
 * exists while open, bad input re-renders the form with the field named and the values kept, the
 * honeypot and the per-IP limit hold, and a pending applicant attributes nothing until approved.
 */
import { createExecutionContext, env } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { BROWSER_UA, call, clickId, createProgram, hub, sendClick } from '../../test/helpers'
import worker from '../index'

let ipSeq = 0
/** A client IP no other test uses: the join limiter counts per IP for the whole run. */
function freshIp(): string {
  ipSeq++
  return `198.51.${100 + (ipSeq % 50)}.${Math.floor(Math.random() * 250) + 1}`
}

async function page(method: 'GET' | 'POST', path: string, form?: Record<string, string>, ip = freshIp()) {
  const headers: Record<string, string> = { 'user-agent': BROWSER_UA, 'cf-connecting-ip': ip }
  if (form) headers['content-type'] = 'application/x-www-form-urlencoded'
  const req = new Request(`http://collector.test${path}`, {
    method,
    headers,
    body: form ? new URLSearchParams(form).toString() : undefined,
  })
  const res = await worker.fetch(req, env, createExecutionContext())
  return { status: res.status, headers: res.headers, html: await res.text() }
}

async function openProgram(join: Record<string, unknown> = {}) {
  const created = await createProgram({
    name: 'Acme Analytics',
    commission: { type: 'percent', percent: 20 },
  })
  const slug = `acme-${crypto.randomUUID().slice(0, 8)}`
  const res = await call('PATCH', '/v1/program', {
    token: created.keys.secret,
    body: { slug, join: { enabled: true, terms_url: 'https://acme.example/terms', ...join } },
  })
  expect(res.status).toBe(200)
  return { ...created, slug }
}

const good = (email: string) => ({
  name: 'Jane Writer',
  email,
  website: 'janewrites.example',
  promotion: 'A newsletter for 4,000 founders',
  terms: 'on',
})

async function affiliatesOf(sk: string) {
  return (await call('GET', '/v1/affiliates', { token: sk })).body.affiliates as Array<{
    id: string
    code: string
    email: string
    status: string
  }>
}

describe('join page', () => {
  it('is a 404 while closed, for an unknown slug, and for a program with no slug', async () => {
    const { keys, slug } = await openProgram()
    expect((await page('GET', `/join/${slug}`)).status).toBe(200)
    await call('PATCH', '/v1/program', { token: keys.secret, body: { join: { enabled: false } } })
    expect((await page('GET', `/join/${slug}`)).status).toBe(404)
    expect((await page('POST', `/join/${slug}`, good('closed@example.com'))).status).toBe(404)
    expect((await page('GET', '/join/no-such-program')).status).toBe(404)
    expect(await affiliatesOf(keys.secret)).toEqual([])
  })

  it('shows the form in the program name with the terms link, under the strict CSP', async () => {
    const { slug } = await openProgram()
    const res = await page('GET', `/join/${slug}`)
    expect(res.html).toContain('Become a Acme Analytics partner')
    expect(res.html).toContain('href="https://acme.example/terms"')
    expect(res.html).not.toMatch(/<script|style=/)
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'")
  })

  it('creates a pending affiliate with its website and note, and a confirmation page', async () => {
    const { keys, slug } = await openProgram()
    const res = await page('POST', `/join/${slug}`, good('jane@example.com'))
    expect(res.status).toBe(200)
    expect(res.html).toContain('will review your application')
    const [aff] = await affiliatesOf(keys.secret)
    expect(aff).toMatchObject({ email: 'jane@example.com', status: 'pending' })
    const row = await env.DB.prepare('SELECT website, promotion, mode FROM affiliates WHERE id = ?')
      .bind(aff?.id)
      .first()
    expect(row).toEqual({
      website: 'https://janewrites.example',
      promotion: 'A newsletter for 4,000 founders',
      mode: 'live',
    })
    // The same email again adds nothing.
    await page('POST', `/join/${slug}`, good('jane@example.com'))
    expect(await affiliatesOf(keys.secret)).toHaveLength(1)
  })

  it('re-renders the form naming the field and keeping the values, writing nothing', async () => {
    const { keys, slug } = await openProgram()
    const cases: Array<[Record<string, string>, string]> = [
      [{ ...good('a@example.com'), email: 'not-an-email' }, 'email-error'],
      [{ ...good('b@example.com'), name: '' }, 'name-error'],
      [{ ...good('c@example.com'), terms: '' }, 'terms-error'],
      [{ ...good('d@example.com'), website: 'javascript:alert(1)' }, 'website-error'],
      [{ ...good('e@example.com'), website: '', promotion: '' }, 'promotion-error'],
      [{ ...good('f@example.com'), name: 'x'.repeat(201) }, 'name-error'],
      [{ ...good('g@example.com'), colour: 'blue' }, '_form-error'],
    ]
    for (const [form, errorId] of cases) {
      const res = await page('POST', `/join/${slug}`, form)
      expect(res.status, JSON.stringify(form)).toBe(400)
      expect(res.html).toContain(`id="${errorId}"`)
    }
    const kept = await page('POST', `/join/${slug}`, { ...good('h@example.com'), email: 'nope' })
    expect(kept.html).toContain('value="Jane Writer"')
    expect(kept.html).toContain('value="nope"')
    expect(kept.html).toContain('A newsletter for 4,000 founders')
    expect(await affiliatesOf(keys.secret)).toEqual([])
  })

  it('drops an application whose honeypot field is filled, with the usual confirmation', async () => {
    const { keys, slug } = await openProgram()
    const res = await page('POST', `/join/${slug}`, {
      ...good('bot@example.com'),
      fax: 'http://spam.example',
    })
    expect(res.status).toBe(200)
    expect(res.html).toContain('Thank you for applying')
    expect(await affiliatesOf(keys.secret)).toEqual([])
  })

  it('limits applications per IP: 429 with Retry-After', async () => {
    const { slug } = await openProgram()
    const ip = freshIp()
    const statuses: number[] = []
    let last: Awaited<ReturnType<typeof page>> | null = null
    for (let i = 0; i < 6; i++) {
      last = await page('POST', `/join/${slug}`, good(`limit${i}@example.com`), ip)
      statuses.push(last.status)
    }
    expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200])
    expect(statuses[5]).toBe(429)
    expect(Number(last?.headers.get('retry-after'))).toBe(60)
  })

  it('a pending applicant attributes nothing and has no portal until approved; then it earns', async () => {
    const { keys, program, slug } = await openProgram()
    await page('POST', `/join/${slug}`, good('earner@example.com'))
    const [pending] = await affiliatesOf(keys.secret)
    if (!pending) throw new Error('no application')
    const click = await sendClick(keys.publishable, { click_id: clickId(), ref: pending.code })
    expect(click.body.attributed).toBe(false)
    const before = await call('POST', '/v1/conversions', {
      token: keys.secret,
      body: { event_id: 'inv_pending', ref: pending.code, amount: 10_000, currency: 'USD' },
    })
    expect(before.body.conversion.affiliate).toBeNull()
    expect(before.body.conversion.commission).toBeNull()

    // A test key cannot decide a live application.
    const refused = await call('POST', `/v1/affiliates/${pending.id}/approve`, { token: keys.test_secret })
    expect(refused.status).toBe(403)

    const approved = await call('POST', `/v1/affiliates/${pending.id}/approve`, { token: keys.secret })
    expect(approved.status).toBe(200)
    expect(approved.body.affiliate.status).toBe('active')
    const portalUrl: string = approved.body.affiliate.portal_url
    expect(portalUrl).toMatch(/\/portal\//)
    const portal = await worker.fetch(new Request(portalUrl), env, createExecutionContext())
    expect(portal.status).toBe(200)
    await portal.text()
    // Deciding twice is a conflict, not a second link.
    expect((await call('POST', `/v1/affiliates/${pending.id}/approve`, { token: keys.secret })).status).toBe(
      409,
    )

    const after = await call('POST', '/v1/conversions', {
      token: keys.secret,
      body: { event_id: 'inv_active', ref: pending.code, amount: 10_000, currency: 'USD' },
    })
    expect(after.body.conversion.commission.amount).toBe(2_000)
    expect(await hub(program.id).audit()).toEqual([])
  })

  it('rejects an application: rejected earns nothing and cannot be rejected twice', async () => {
    const { keys, slug } = await openProgram()
    await page('POST', `/join/${slug}`, good('nope@example.com'))
    const [app] = await affiliatesOf(keys.secret)
    const res = await call('POST', `/v1/affiliates/${app?.id}/reject`, { token: keys.secret })
    expect(res.status).toBe(200)
    expect(res.body.affiliate).toMatchObject({ status: 'rejected', portal_url: null })
    expect((await call('POST', `/v1/affiliates/${app?.id}/reject`, { token: keys.secret })).status).toBe(409)
    const conv = await call('POST', '/v1/conversions', {
      token: keys.secret,
      body: { event_id: 'inv_rejected', ref: app?.code, amount: 10_000, currency: 'USD' },
    })
    expect(conv.body.conversion.commission).toBeNull()
  })

  it('auto-approve makes the applicant active with a working portal link on the confirmation', async () => {
    const { keys, slug } = await openProgram({ auto_approve: true })
    const res = await page('POST', `/join/${slug}`, good('auto@example.com'))
    expect(res.status).toBe(200)
    const portal = /href="(http[^"]+\/portal\/[^"]+)"/.exec(res.html)?.[1]
    expect(portal).toBeTruthy()
    const [aff] = await affiliatesOf(keys.secret)
    expect(aff?.status).toBe('active')
    const opened = await worker.fetch(new Request(portal ?? ''), env, createExecutionContext())
    expect(opened.status).toBe(200)
    await opened.text()
  })
})
