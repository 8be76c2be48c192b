/**
 * The Health page and the journey view behind the dashboard session; the purge behind CSRF, same
 * origin and its box; reconciliation's Check now behind CSRF too.
 */
import { describe, expect, it } from 'vitest'
import { fetchPage, postForm, signIn } from './dashboard-session'
import { call, createProgram } from './helpers'

describe('health page and journey view', () => {
  it('need a session, and the purge needs its CSRF token, the same origin and the ticked box', async () => {
    const { program, keys } = await createProgram()
    await call('POST', '/v1/conversions', {
      token: keys.test_secret,
      body: { event_id: 'inv_t', customer_id: 'cus_t', amount: 100, currency: 'USD' },
    })
    for (const path of [
      `/dashboard/health?program=${program.id}`,
      `/dashboard/customers/cus_t?program=${program.id}&mode=test`,
    ]) {
      const res = await fetchPage(path)
      expect(res.status, path).toBe(303)
      expect(res.headers.get('location')).toBe('/dashboard/sign-in')
    }
    const session = await signIn()
    const health = await fetchPage(`/dashboard/health?program=${program.id}&mode=test`, {
      headers: { cookie: session.cookie },
    })
    expect(health.status).toBe(200)
    expect(health.text).toContain('Delete all test data')
    const journey = await fetchPage(`/dashboard/customers/cus_t?program=${program.id}&mode=test`, {
      headers: { cookie: session.cookie },
    })
    expect(journey.status).toBe(200)
    expect(journey.text).toContain('Customer cus_t')

    const purge = `/dashboard/health/purge-test-data?program=${program.id}`
    expect((await postForm(session, purge, { confirm: 'yes' }, { csrf: false })).status).toBe(403)
    expect((await postForm(session, purge, {})).status).toBe(400)
    const conversions = async () =>
      (await call('GET', '/v1/conversions', { token: keys.test_secret })).body.conversions.length
    expect(await conversions()).toBe(1)
    const done = await postForm(session, purge, { confirm: 'yes' })
    expect(done.status).toBe(200)
    expect(done.text).toContain('Test data deleted')
    expect(await conversions()).toBe(0)
  })

  it('Check now is a post behind the CSRF token, answered with the Health page of its program and mode', async () => {
    const { program } = await createProgram()
    const session = await signIn()
    const check = `/dashboard/health/reconcile?program=${program.id}&mode=test`
    expect((await postForm(session, check, {}, { csrf: false })).status).toBe(403)
    const done = await postForm(session, check, {})
    expect(done.status).toBe(303)
    expect(done.headers.get('location')).toBe(
      `/dashboard/health?program=${program.id}&mode=test#reconciliation`,
    )
    const unknown = await postForm(session, '/dashboard/health/reconcile?program=prg_nope&mode=live', {})
    expect(unknown.status).toBe(303)
    expect(unknown.headers.get('location')).toBe('/dashboard')
    // No restricted key stored: nothing to check, and no button to press.
    const page = await fetchPage(`/dashboard/health?program=${program.id}&mode=test`, {
      headers: { cookie: session.cookie },
    })
    expect(page.text).toContain('id="reconciliation-off"')
    expect(page.text).not.toContain('id="reconciliation-refresh"')
  })
})
