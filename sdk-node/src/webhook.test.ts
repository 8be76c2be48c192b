import { createHmac } from 'node:crypto'
import { Webhook } from 'standardwebhooks'
import { describe, expect, it } from 'vitest'
import { ReflineSignatureError } from './errors.js'
import { signWebhook, verifyWebhook } from './webhook.js'

// A Standard Webhooks secret: whsec_ + base64 of the key bytes.
const secret = `whsec_${Buffer.from('refline-test-key-0123456789abcdef').toString('base64')}`
const id = 'evt_1'
const body = JSON.stringify({
  id,
  type: 'conversion.created',
  created_at: '2026-12-01T08:00:00.000Z',
  data: { conversion: { id: 'cnv_1', amount: 4900, currency: 'USD' } },
})
const t = 1_777_000_000

/** Headers as the standardwebhooks library (an independent implementation) signs them. */
function libraryHeaders(payload = body, at = t, msgId = id, key = secret) {
  const signature = new Webhook(key).sign(msgId, new Date(at * 1000), payload)
  return { 'webhook-id': msgId, 'webhook-timestamp': String(at), 'webhook-signature': signature }
}

describe('verifyWebhook (Standard Webhooks)', () => {
  it('verifies a delivery signed by the standardwebhooks library and returns its body', async () => {
    await expect(verifyWebhook(body, libraryHeaders(), secret, { now: t + 10 })).resolves.toEqual(
      JSON.parse(body),
    )
  })

  it('signs what the standardwebhooks library verifies', async () => {
    const headers = await signWebhook(body, secret, { id })
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body))
  })

  it('signs base64 HMAC-SHA256 over "id.timestamp.body" keyed with the decoded secret', async () => {
    const key = Buffer.from(secret.slice('whsec_'.length), 'base64')
    const expected = createHmac('sha256', key).update(`${id}.${t}.${body}`).digest('base64')
    expect(await signWebhook(body, secret, { id, timestamp: t })).toEqual({
      'webhook-id': id,
      'webhook-timestamp': String(t),
      'webhook-signature': `v1,${expected}`,
    })
  })

  it('reads Fetch Headers, Node header objects in any case, and raw bytes', async () => {
    const h = libraryHeaders()
    await expect(verifyWebhook(body, new Headers(h), secret, { now: t })).resolves.toBeDefined()
    const upper = {
      'Webhook-Id': h['webhook-id'],
      'WEBHOOK-TIMESTAMP': h['webhook-timestamp'],
      'Webhook-Signature': h['webhook-signature'],
    }
    await expect(verifyWebhook(body, upper, secret, { now: t })).resolves.toBeDefined()
    await expect(verifyWebhook(new TextEncoder().encode(body), h, secret, { now: t })).resolves.toBeDefined()
    await expect(verifyWebhook(Buffer.from(body), h, secret, { now: t })).resolves.toBeDefined()
  })

  it('accepts a secret with or without the whsec_ prefix', async () => {
    await expect(verifyWebhook(body, libraryHeaders(), secret.slice(6), { now: t })).resolves.toBeDefined()
  })

  it('rejects a body changed by one byte', async () => {
    await expect(
      verifyWebhook(body.replace('4900', '9900'), libraryHeaders(), secret, { now: t }),
    ).rejects.toThrow(ReflineSignatureError)
  })

  it('rejects a signature made with another secret', async () => {
    const other = `whsec_${Buffer.from('another-key-entirely-0123456789').toString('base64')}`
    await expect(
      verifyWebhook(body, libraryHeaders(body, t, id, other), secret, { now: t }),
    ).rejects.toMatchObject({
      code: 'invalid_signature',
    })
  })

  it('rejects a changed webhook-id or timestamp (both are signed)', async () => {
    const h = libraryHeaders()
    await expect(verifyWebhook(body, { ...h, 'webhook-id': 'evt_2' }, secret, { now: t })).rejects.toThrow(
      /No webhook signature/,
    )
    await expect(
      verifyWebhook(body, { ...h, 'webhook-timestamp': String(t + 1) }, secret, { now: t }),
    ).rejects.toThrow(/No webhook signature/)
  })

  it('rejects a delivery more than 300 s from now either way and accepts one just inside', async () => {
    const h = libraryHeaders()
    await expect(verifyWebhook(body, h, secret, { now: t + 300 })).resolves.toBeDefined()
    await expect(verifyWebhook(body, h, secret, { now: t - 300 })).resolves.toBeDefined()
    await expect(verifyWebhook(body, h, secret, { now: t + 301 })).rejects.toThrow(/300 s/)
    await expect(verifyWebhook(body, h, secret, { now: t - 301 })).rejects.toThrow(/300 s/)
  })

  it('accepts any of several space-separated signatures, as sent while a secret is rotated', async () => {
    const good = libraryHeaders()['webhook-signature']
    const header = `v1,${Buffer.alloc(32, 7).toString('base64')} v1a,ignored ${good}`
    await expect(
      verifyWebhook(body, { ...libraryHeaders(), 'webhook-signature': header }, secret, { now: t }),
    ).resolves.toBeDefined()
  })

  it('ignores signatures of other versions', async () => {
    const sig = libraryHeaders()['webhook-signature'].replace(/^v1,/, 'v2,')
    await expect(
      verifyWebhook(body, { ...libraryHeaders(), 'webhook-signature': sig }, secret, { now: t }),
    ).rejects.toThrow(ReflineSignatureError)
  })

  it.each([
    ['no headers', {}],
    ['no id', { 'webhook-timestamp': String(t), 'webhook-signature': 'v1,AAAA' }],
    [
      'a long id',
      { 'webhook-id': 'e'.repeat(256), 'webhook-timestamp': String(t), 'webhook-signature': 'v1,AAAA' },
    ],
    ['no timestamp', { 'webhook-id': id, 'webhook-signature': 'v1,AAAA' }],
    [
      'a timestamp in ms',
      { 'webhook-id': id, 'webhook-timestamp': `${t}000x`, 'webhook-signature': 'v1,AAAA' },
    ],
    [
      'a word for a timestamp',
      { 'webhook-id': id, 'webhook-timestamp': 'soon', 'webhook-signature': 'v1,AAAA' },
    ],
    ['no signature', { 'webhook-id': id, 'webhook-timestamp': String(t) }],
    [
      'a signature that is not base64',
      { 'webhook-id': id, 'webhook-timestamp': String(t), 'webhook-signature': 'v1,!!!!' },
    ],
    [
      'a signature header of 5 KB',
      { 'webhook-id': id, 'webhook-timestamp': String(t), 'webhook-signature': 'v1,AAAA '.repeat(700) },
    ],
  ])('rejects %s', async (_name, headers) => {
    await expect(verifyWebhook(body, headers, secret, { now: t })).rejects.toThrow(ReflineSignatureError)
  })

  it('rejects a secret that is not base64 with a ReflineSignatureError', async () => {
    await expect(verifyWebhook(body, libraryHeaders(), 'whsec_not base64!', { now: t })).rejects.toThrow(
      /whsec_/,
    )
  })

  it('rejects a signed body that is not JSON', async () => {
    await expect(verifyWebhook('not json', libraryHeaders('not json'), secret, { now: t })).rejects.toThrow(
      /not JSON/,
    )
  })
})
