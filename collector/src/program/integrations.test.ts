/**
 * The Settings page's integrations in the Workers runtime: Stripe is connected with its signing
 * secret (a bad one is named next to its field, never echoed) and disconnected; a webhook endpoint
 * is added with its secret shown once, refused URLs are named, its delivery log lists what was
 * sent, and it is deleted; and none of it works without the CSRF token.
 */
import { describe, expect, it } from 'vitest'
import { fetchPage, postForm, signIn } from '../../test/dashboard-session'
import { call, createProgram } from '../../test/helpers'

describe('settings integrations', () => {
  it('connects Stripe with its signing secret, names a bad one, and disconnects', async () => {
    const { program, keys } = await createProgram({ name: 'Stripe Form Co' })
    const session = await signIn()
    const q = `?program=${program.id}`
    const page = await fetchPage(`/dashboard/settings${q}`, { headers: { cookie: session.cookie } })
    expect(page.text).toContain(`value="http://collector.test/v1/integrations/stripe/${program.id}"`)
    expect(page.text).toContain('<code>invoice.paid</code>')
    expect(page.text).toContain('<strong>Not connected</strong>')

    const bad = await postForm(session, `/dashboard/settings/stripe${q}`, { webhook_secret: 'sk_live_oops' })
    expect(bad.status).toBe(400)
    expect(bad.text).toMatch(/id="e-stripe_webhook_secret"[^>]*>[^<]*whsec_/)
    expect(bad.text).not.toContain('sk_live_oops')
    expect((await call('GET', '/v1/integrations/stripe', { token: keys.secret })).body.stripe.connected).toBe(
      false,
    )

    const forged = await postForm(
      session,
      `/dashboard/settings/stripe${q}`,
      { webhook_secret: 'whsec_abcdefgh1234' },
      { csrf: false },
    )
    expect(forged.status).toBe(403)

    const ok = await postForm(session, `/dashboard/settings/stripe${q}`, {
      webhook_secret: 'whsec_abcdefgh1234',
      test_webhook_secret: '',
    })
    expect(ok.status).toBe(303)
    const after = await fetchPage(ok.headers.get('location') ?? '', { headers: { cookie: session.cookie } })
    expect(after.text).toContain('<strong>Connected</strong>')
    expect(after.text).toContain('last event none yet')
    expect(after.text).not.toContain('whsec_abcdefgh1234')
    expect((await call('GET', '/v1/integrations/stripe', { token: keys.secret })).body.stripe.connected).toBe(
      true,
    )

    // The restricted key for reconciliation: named when wrong, stored, shown by its last four only, kept when left empty.
    const wrongKey = await postForm(session, `/dashboard/settings/stripe${q}`, {
      webhook_secret: 'whsec_abcdefgh1234',
      restricted_key: 'sk_live_notrestricted',
    })
    expect(wrongKey.status).toBe(400)
    expect(wrongKey.text).toMatch(/id="e-stripe_restricted_key"/)
    expect(wrongKey.text).not.toContain('sk_live_notrestricted')
    const withKey = await postForm(session, `/dashboard/settings/stripe${q}`, {
      webhook_secret: 'whsec_abcdefgh1234',
      restricted_key: 'rk_live_readonly0000wxyz',
    })
    expect(withKey.status).toBe(303)
    const shown = await fetchPage(withKey.headers.get('location') ?? '', {
      headers: { cookie: session.cookie },
    })
    expect(shown.text).toContain('Stored, ending in wxyz')
    expect(shown.text).not.toContain('rk_live_readonly0000wxyz')
    await postForm(session, `/dashboard/settings/stripe${q}`, { webhook_secret: 'whsec_abcdefgh5678' })
    const kept = (await call('GET', '/v1/integrations/stripe', { token: keys.secret })).body.stripe
    expect(kept.restricted_key).toEqual({ set: true, last4: 'wxyz' })

    const off = await postForm(session, `/dashboard/settings/stripe/disconnect${q}`, {})
    expect(off.status).toBe(303)
    expect((await call('GET', '/v1/integrations/stripe', { token: keys.secret })).body.stripe.connected).toBe(
      false,
    )
  })

  it('adds a webhook endpoint with its secret shown once, names a refused URL, lists its deliveries and deletes it', async () => {
    const { program, keys } = await createProgram({ name: 'Hook Form Co' })
    const session = await signIn()
    const q = `?program=${program.id}`
    const refused = await postForm(session, `/dashboard/settings/webhooks${q}`, {
      url: 'ftp://nope.example/x',
    })
    expect(refused.status).toBe(400)
    expect(refused.text).toMatch(/id="e-endpoint_url"/)
    expect(refused.text).toContain('value="ftp://nope.example/x"')

    const form = new URLSearchParams([
      ['url', 'https://hooks.example/refline'],
      ['events', 'affiliate.created'],
      ['events', 'conversion.created'],
    ])
    const added = await postForm(session, `/dashboard/settings/webhooks${q}`, form)
    expect(added.status).toBe(200)
    const secret = /id="new-endpoint-secret" class="link-url" readonly="" value="(whsec_[^"]+)"/.exec(
      added.text,
    )?.[1]
    expect(secret).toBeTruthy()
    const list = (await call('GET', '/v1/webhook-endpoints', { token: keys.secret })).body.endpoints
    expect(list).toHaveLength(1)
    expect(list[0]).toMatchObject({
      url: 'https://hooks.example/refline',
      events: ['affiliate.created', 'conversion.created'],
    })
    const id = list[0].id as string
    const again = await fetchPage(`/dashboard/settings${q}`, { headers: { cookie: session.cookie } })
    expect(again.text).toContain(`data-endpoint="${id}"`)
    expect(again.text).not.toContain(secret ?? 'missing')

    // An event makes a delivery; the log lists it (the example host never answers, so it is pending or failed).
    await call('POST', '/v1/affiliates', {
      token: keys.secret,
      body: { name: 'Hooked', email: 'hooked@example.com' },
    })
    const log = await fetchPage(`/dashboard/settings/webhooks/${id}${q}`, {
      headers: { cookie: session.cookie },
    })
    expect(log.status).toBe(200)
    expect(log.text).toContain('affiliate.created')
    expect(log.text).toMatch(/data-delivery="[^"]+"/)

    const forged = await postForm(
      session,
      `/dashboard/settings/webhooks/${id}/delete${q}`,
      {},
      { csrf: false },
    )
    expect(forged.status).toBe(403)
    const deleted = await postForm(session, `/dashboard/settings/webhooks/${id}/delete${q}`, {})
    expect(deleted.status).toBe(303)
    expect((await call('GET', '/v1/webhook-endpoints', { token: keys.secret })).body.endpoints).toHaveLength(
      0,
    )
    const gone = await fetchPage(`/dashboard/settings/webhooks/${id}${q}`, {
      headers: { cookie: session.cookie },
    })
    expect(gone.status).toBe(404)
  })
})
