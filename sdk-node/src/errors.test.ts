import { describe, expect, it } from 'vitest'
import { apiError, type Step, scriptedFetch } from '../test/fake-fetch.js'
import { Refline } from './client.js'
import {
  ReflineApiError,
  ReflineAuthenticationError,
  ReflineConflictError,
  ReflineError,
  ReflineNotFoundError,
  ReflinePermissionError,
  ReflineRateLimitError,
  ReflineValidationError,
} from './errors.js'

async function failWith(step: Step): Promise<ReflineError> {
  const fetch = scriptedFetch([step])
  const refline = new Refline({
    secretKey: 'sk_test_x',
    baseUrl: 'http://collector.test',
    fetch,
    maxRetries: 0,
  })
  try {
    await refline.trackConversion({ eventId: 'inv_1', amount: 4900, currency: 'USD' })
  } catch (error) {
    if (error instanceof ReflineError) return error
    throw error
  }
  throw new Error('expected the call to fail')
}

describe('errors', () => {
  it('turns a 400 into a validation error naming the field the collector named', async () => {
    const error = await failWith({
      ...apiError(400, 'invalid_request', 'amount must be a positive integer', 'amount'),
      headers: { 'request-id': 'req_123' },
    })
    expect(error).toBeInstanceOf(ReflineValidationError)
    expect(error).toBeInstanceOf(ReflineError)
    expect(error).toBeInstanceOf(Error)
    expect(error).toMatchObject({
      name: 'ReflineValidationError',
      code: 'invalid_request',
      status: 400,
      field: 'amount',
      requestId: 'req_123',
      message: 'amount must be a positive integer',
      body: {
        error: { code: 'invalid_request', message: 'amount must be a positive integer', field: 'amount' },
      },
    })
  })

  it('falls back to cf-ray for the request id', async () => {
    const error = await failWith({
      ...apiError(404, 'not_found', 'no such conversion'),
      headers: { 'cf-ray': '8a1b2c-AMS' },
    })
    expect(error.requestId).toBe('8a1b2c-AMS')
  })

  it.each([
    [400, 'invalid_request', ReflineValidationError],
    [413, 'payload_too_large', ReflineValidationError],
    [401, 'unauthorized', ReflineAuthenticationError],
    [403, 'forbidden', ReflinePermissionError],
    [404, 'not_found', ReflineNotFoundError],
    [409, 'conflict', ReflineConflictError],
    [429, 'rate_limited', ReflineRateLimitError],
    [500, 'internal', ReflineApiError],
  ] as const)('maps HTTP %i to its class and code', async (status, code, ErrorClass) => {
    const error = await failWith(apiError(status, code, 'x'))
    expect(error).toBeInstanceOf(ErrorClass)
    expect(error.code).toBe(code)
    expect(error.status).toBe(status)
  })

  it('derives the code from the status when the body is not Refline JSON', async () => {
    const error = await failWith({ status: 502, body: '<html>Bad gateway</html>' })
    expect(error).toBeInstanceOf(ReflineApiError)
    expect(error).toMatchObject({ code: 'internal', status: 502, field: undefined })
    expect(error.message).toContain('502')
  })

  it('rejects a success answer whose body is not JSON', async () => {
    const error = await failWith({ status: 201, body: 'ok' })
    expect(error).toBeInstanceOf(ReflineApiError)
    expect(error.status).toBe(201)
  })
})
