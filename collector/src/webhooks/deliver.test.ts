import { describe, expect, it } from 'vitest'
import { attemptDelivery } from './deliver'

const delivery = { secret: 'whsec_c2VjcmV0LWtleS1mb3ItdGVzdHM=', eventId: 'evt_1', payload: '{}' }

describe('attemptDelivery', () => {
  it.each([
    'https://127.0.0.1/hook',
    'https://169.254.169.254/latest/meta-data/',
    'https://localhost/hook',
    'http://hooks.example.com/hook',
  ])('checks the URL again at send time and refuses %s without sending', async (url) => {
    const outcome = await attemptDelivery({ ...delivery, url }, { allowPrivate: false, now: Date.now() })
    expect(outcome.kind).toBe('refused')
    if (outcome.kind === 'refused') expect(outcome.error).toMatch(/^not sent: url/)
  })
})
