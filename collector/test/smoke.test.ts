import { describe, expect, it } from 'vitest'
import { call } from './helpers'

describe('smoke', () => {
  it('answers healthz', async () => {
    const res = await call('GET', '/healthz')
    expect(res.status).toBe(200)
  })
})
