import { env } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { signToken } from '../src/lib/signing'
import { call, createAffiliate, createProgram, sendClick } from './helpers'
import { openSocket, settle, upgrade } from './live-socket'

async function liveToken(sk: string, body?: Record<string, unknown>): Promise<string> {
  const res = await call('POST', '/v1/live/tokens', { token: sk, ...(body ? { body } : {}) })
  expect(res.status).toBe(201)
  return res.body.token as string
}

function portalToken(portalUrl: string): string {
  return new URL(portalUrl).pathname.split('/').pop() ?? ''
}

describe('GET /v1/live', () => {
  it('sends a snapshot of the live totals on connect', async () => {
    const { keys } = await createProgram()
    await call('POST', '/v1/conversions', {
      token: keys.secret,
      body: { event_id: 'inv_1', amount: 4900, currency: 'USD' },
    })
    const socket = await openSocket(`/v1/live?token=${await liveToken(keys.secret)}`)
    const [snapshot] = await socket.waitFor(1)
    expect(snapshot).toMatchObject({
      type: 'snapshot',
      mode: 'live',
      totals: { conversions: 1, revenue: { USD: 4900 } },
    })
  })

  it('gives the founder every event and each affiliate only its own', async () => {
    const { keys } = await createProgram()
    const jane = await createAffiliate(keys.secret, { name: 'Jane' })
    const omar = await createAffiliate(keys.secret, { name: 'Omar' })
    const founder = await openSocket(`/v1/live?token=${await liveToken(keys.secret)}`)
    const testFounder = await openSocket(`/v1/live?token=${await liveToken(keys.test_secret)}`)
    const janeSocket = await openSocket(`/v1/live?token=${portalToken(jane.portal_url)}`)
    const omarSocket = await openSocket(
      `/v1/live?token=${await liveToken(keys.secret, { affiliate_id: omar.id })}`,
    )
    await Promise.all([
      founder.waitFor(1),
      testFounder.waitFor(1),
      janeSocket.waitFor(1),
      omarSocket.waitFor(1),
    ])

    const conv = await call('POST', '/v1/conversions', {
      token: keys.secret,
      body: { event_id: 'inv_jane', ref: jane.code, amount: 10_000, currency: 'USD' },
    })
    expect(conv.status).toBe(201)
    expect((await sendClick(keys.publishable, { ref: omar.code })).status).toBe(202)
    await call('POST', '/v1/signups', { token: keys.secret, body: { customer_id: 'cus_nobody' } })

    await founder.waitFor(5)
    await janeSocket.waitFor(3)
    await omarSocket.waitFor(2)
    await settle()
    expect(founder.messages.map((m) => m.type)).toEqual([
      'snapshot',
      'conversion',
      'commission',
      'click',
      'signup',
    ])
    expect(janeSocket.messages.map((m) => m.type)).toEqual(['snapshot', 'conversion', 'commission'])
    expect(omarSocket.messages.map((m) => m.type)).toEqual(['snapshot', 'click'])
    expect(testFounder.messages.map((m) => m.type)).toEqual(['snapshot'])

    // Totals follow the socket's scope: the affiliate sees its own, the founder the program's.
    const janeLast = janeSocket.messages.at(-1)
    expect(janeLast?.totals).toMatchObject({ clicks: 0, conversions: 1, revenue: { USD: 10_000 } })
    expect(omarSocket.messages.at(-1)?.totals).toMatchObject({ clicks: 1, conversions: 0, revenue: {} })
    expect(founder.messages.at(-1)?.totals).toMatchObject({ clicks: 1, signups: 1, conversions: 1 })
    expect(founder.messages[1]).toMatchObject({
      type: 'conversion',
      affiliate: { id: jane.id, code: jane.code },
      amount: 10_000,
      currency: 'USD',
    })
    for (const ws of [founder, testFounder, janeSocket, omarSocket]) ws.ws.close(1000, 'done')
  })

  it('keeps test-mode events on test-mode sockets', async () => {
    const { keys } = await createProgram()
    const live = await openSocket(`/v1/live?token=${await liveToken(keys.secret)}`)
    const test = await openSocket(`/v1/live?token=${await liveToken(keys.test_secret)}`)
    await call('POST', '/v1/conversions', {
      token: keys.test_secret,
      body: { event_id: 'inv_t', amount: 100, currency: 'EUR' },
    })
    await test.waitFor(2)
    await settle()
    expect(test.messages[1]).toMatchObject({ type: 'conversion', totals: { revenue: { EUR: 100 } } })
    expect(live.messages.map((m) => m.type)).toEqual(['snapshot'])
  })

  it('answers a snapshot request with fresh totals', async () => {
    const { keys } = await createProgram()
    const socket = await openSocket(`/v1/live?token=${await liveToken(keys.secret)}`)
    await socket.waitFor(1)
    socket.ws.send('snapshot')
    const messages = await socket.waitFor(2)
    expect(messages[1]?.type).toBe('snapshot')
  })

  it('refuses a missing, forged, expired or revoked credential with 401 before the upgrade', async () => {
    const { program, keys } = await createProgram()
    const aff = await createAffiliate(keys.secret)
    const good = await liveToken(keys.secret)
    const [body, sig] = good.split('.')
    const forged = `${btoa(JSON.stringify({ kind: 'live', exp: Date.now() + 60_000, p: 'prg_other', m: 'live' })).replace(/=+$/, '')}.${sig}`
    const programId = program.id
    const expired = await signToken(env, { kind: 'live', exp: Date.now() - 1, p: programId, m: 'live' })
    const fresh = await signToken(env, { kind: 'live', exp: Date.now() + 60_000, p: programId, m: 'live' })
    expect((await upgrade(`/v1/live?token=${fresh}`)).status).toBe(101)

    for (const path of [
      '/v1/live',
      '/v1/live?token=nope',
      `/v1/live?token=${forged}`,
      `/v1/live?token=${expired}`,
      `/v1/live?token=${body}.${sig?.slice(0, -2)}xx`,
      `/v1/live?token=${keys.secret}`,
      '/v1/live?program=prg_x',
    ]) {
      const res = await upgrade(path)
      expect(res.status, path).toBe(401)
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('unauthorized')
    }

    // A disabled affiliate's portal token stops working at once.
    await call('PATCH', `/v1/affiliates/${aff.id}`, { token: keys.secret, body: { status: 'disabled' } })
    expect((await upgrade(`/v1/live?token=${portalToken(aff.portal_url)}`)).status).toBe(401)
  })

  it('issues live tokens only to secret keys, for affiliates of the key’s program', async () => {
    const { keys } = await createProgram()
    const other = await createProgram()
    const stranger = await createAffiliate(other.keys.secret)
    expect((await call('POST', '/v1/live/tokens', {})).status).toBe(401)
    expect((await call('POST', '/v1/live/tokens', { token: keys.publishable })).status).toBe(403)
    const res = await call('POST', '/v1/live/tokens', {
      token: keys.secret,
      body: { affiliate_id: stranger.id },
    })
    expect(res.status).toBe(400)
    expect(res.body.error.field).toBe('affiliate_id')
    const ok = await call('POST', '/v1/live/tokens', { token: keys.secret })
    expect(ok.body.url).toBe(`ws://collector.test/v1/live?token=${encodeURIComponent(ok.body.token)}`)
    expect(Date.parse(ok.body.expires_at) - Date.now()).toBeLessThanOrEqual(10 * 60_000)
  })

  it('sends the self-referral alert to founders only, never to the affiliate’s socket', async () => {
    const { keys } = await createProgram()
    const email = `sneaky-${Date.now()}@example.com`
    const aff = await createAffiliate(keys.secret, { email })
    const founder = await openSocket(`/v1/live?token=${await liveToken(keys.secret)}`)
    const portal = await openSocket(`/v1/live?token=${portalToken(aff.portal_url)}`)
    const viaToken = await openSocket(
      `/v1/live?token=${await liveToken(keys.secret, { affiliate_id: aff.id })}`,
    )
    await Promise.all([founder.waitFor(1), portal.waitFor(1), viaToken.waitFor(1)])
    const customer = 'cus_self_referral_42'
    const signup = await call('POST', '/v1/signups', {
      token: keys.secret,
      body: { customer_id: customer, ref: aff.code, email },
    })
    expect(signup.status).toBe(201)
    const conv = await call('POST', '/v1/conversions', {
      token: keys.secret,
      body: { event_id: 'inv_self', customer_id: customer, amount: 5000, currency: 'USD' },
    })
    expect(conv.status).toBe(201)
    await founder.waitFor(5)
    await portal.waitFor(4)
    await settle()
    const alert = founder.messages.find((m) => m.type === 'alert')
    expect(alert).toMatchObject({ type: 'alert', affiliate: { id: aff.id } })
    expect(JSON.stringify(alert)).toContain(customer)
    for (const socket of [portal, viaToken]) {
      expect(socket.messages.map((m) => m.type)).toEqual(['snapshot', 'signup', 'conversion', 'commission'])
      const text = JSON.stringify(socket.messages)
      expect(text).not.toContain(customer)
      expect(text).not.toContain('self_referral')
      expect(text).not.toContain('"message"')
    }
    for (const ws of [founder, portal, viaToken]) ws.ws.close(1000, 'done')
  })

  it('expects a WebSocket upgrade', async () => {
    const { keys } = await createProgram()
    const res = await call('GET', `/v1/live?token=${await liveToken(keys.secret)}`)
    expect(res.status).toBe(400)
  })
})
