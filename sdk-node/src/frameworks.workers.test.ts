/** The framework snippets of docs/node-sdk.md, run for real inside workerd. */
import { describe, expect, inject, it } from 'vitest'
import { app } from '../test/snippets/hono-app.js'
import { ReflineValidationError } from './index.js'

const env = { REFLINE_SECRET_KEY: 'sk_test_hono', REFLINE_URL: inject('fakeCollectorUrl') }

describe('Hono snippet', () => {
  it('reports the signup with the click id from the rl_click cookie and redirects', async () => {
    const logs: unknown[][] = []
    const original = console.log
    console.log = (...args: unknown[]) => logs.push(args)
    try {
      const res = await app.request(
        '/signup',
        {
          method: 'POST',
          body: new URLSearchParams({ email: 'ann@example.com', refline_click_id: '' }),
          headers: { cookie: 'rl_click=clk_hono_snippet_0001' },
        },
        env,
      )
      expect(res.status).toBe(303)
      expect(res.headers.get('location')).toBe('/welcome')
    } finally {
      console.log = original
    }
    expect(logs).toContainEqual(['referred by', 'jane'])
  })

  it('still signs the user up when tracking is rejected', async () => {
    const errors: unknown[][] = []
    const original = console.error
    console.error = (...args: unknown[]) => errors.push(args)
    try {
      const res = await app.request(
        '/signup',
        { method: 'POST', body: new URLSearchParams({ email: 'not-an-email' }) },
        env,
      )
      expect(res.status).toBe(303)
    } finally {
      console.error = original
    }
    expect(errors[0]?.[1]).toBeInstanceOf(ReflineValidationError)
    expect(errors[0]?.[1]).toMatchObject({ field: 'email' })
  })
})
