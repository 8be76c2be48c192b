import { createHmac } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { ReflineSignatureError } from './errors.js'
import { signWebhook, verifyWebhook } from './webhook.js'

const secret = 'whsec_test_secret'
const body = JSON.stringify({ type: 'commission.approved', commission: { id: 'com_1', amount: 1470 } })
const t = 1_777_000_000

describe('webhook signatures', () => {
  it('signs with HMAC-SHA256 over "<t>.<payload>" in hex, as documented', async () => {
    const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')
    expect(await signWebhook(body, secret, t)).toBe(`t=${t},v1=${expected}`)
  })

  it('verifies a genuine delivery and returns its parsed body', async () => {
    const header = await signWebhook(body, secret, t)
    await expect(verifyWebhook(body, header, secret, { now: t + 10 })).resolves.toEqual(JSON.parse(body))
  })

  it('verifies raw bytes as well as strings', async () => {
    const header = await signWebhook(body, secret, t)
    const bytes = new TextEncoder().encode(body)
    await expect(verifyWebhook(bytes, header, secret, { now: t })).resolves.toMatchObject({
      type: 'commission.approved',
    })
  })

  it('rejects a body changed by one byte', async () => {
    const header = await signWebhook(body, secret, t)
    await expect(verifyWebhook(body.replace('1470', '9470'), header, secret, { now: t })).rejects.toThrow(
      ReflineSignatureError,
    )
  })

  it('rejects a signature made with another secret', async () => {
    const header = await signWebhook(body, 'whsec_other', t)
    await expect(verifyWebhook(body, header, secret, { now: t })).rejects.toMatchObject({
      code: 'invalid_signature',
    })
  })

  it('rejects a delivery older than 300 s and accepts one just inside', async () => {
    const header = await signWebhook(body, secret, t)
    await expect(verifyWebhook(body, header, secret, { now: t + 300 })).resolves.toBeDefined()
    await expect(verifyWebhook(body, header, secret, { now: t + 301 })).rejects.toThrow(/300 s/)
    await expect(verifyWebhook(body, header, secret, { now: t - 301 })).rejects.toThrow(/300 s/)
  })

  it('rejects a timestamp changed without re-signing', async () => {
    const header = (await signWebhook(body, secret, t)).replace(`t=${t}`, `t=${t + 60}`)
    await expect(verifyWebhook(body, header, secret, { now: t + 60 })).rejects.toThrow(ReflineSignatureError)
  })

  it('accepts any of several v1 signatures, as sent during secret rotation', async () => {
    const good = (await signWebhook(body, secret, t)).split('v1=')[1]
    const header = `t=${t},v1=${'ab'.repeat(32)},v1=${good}`
    await expect(verifyWebhook(body, header, secret, { now: t })).resolves.toBeDefined()
  })

  it.each([
    undefined,
    null,
    '',
    'garbage',
    `t=${t}`,
    'v1=abcd',
    `t=${t},v1=xyz`,
    `t=soon,v1=${'ab'.repeat(32)}`,
  ])('rejects a missing or malformed header: %s', async (header) => {
    await expect(verifyWebhook(body, header, secret, { now: t })).rejects.toThrow(ReflineSignatureError)
  })
})
