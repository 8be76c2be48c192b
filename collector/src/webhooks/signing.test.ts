import { Webhook } from 'standardwebhooks'
import { describe, expect, it } from 'vitest'
import { deliveryHeaders, newEndpointSecret, secretKeyBytes, signDelivery } from './signing'

describe('webhook signing (Standard Webhooks)', () => {
  const body = JSON.stringify({
    id: 'evt_1',
    type: 'signup.created',
    created_at: '2026-12-01T08:00:00.000Z',
    data: {},
  })

  it('makes whsec_ secrets of 32 random bytes', () => {
    const a = newEndpointSecret()
    expect(a).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/)
    expect(secretKeyBytes(a)).toHaveLength(32)
    expect(newEndpointSecret()).not.toBe(a)
  })

  it('signs what the standardwebhooks library verifies', async () => {
    const secret = newEndpointSecret()
    const now = Math.floor(Date.now() / 1000)
    const headers = await deliveryHeaders(secret, 'evt_1', now, body)
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body))
  })

  it('makes the same signature as the standardwebhooks library', async () => {
    const secret = newEndpointSecret()
    const at = new Date('2026-12-01T08:00:00Z')
    expect(await signDelivery(secret, 'evt_1', at.getTime() / 1000, body)).toBe(
      new Webhook(secret).sign('evt_1', at, body),
    )
  })

  it('signs a body changed by one byte differently', async () => {
    const secret = newEndpointSecret()
    const now = Math.floor(Date.now() / 1000)
    const headers = await deliveryHeaders(secret, 'evt_1', now, body)
    expect(() => new Webhook(secret).verify(body.replace('signup', 'signUp'), headers)).toThrow()
  })
})
