/**
 * The one error shape. Routes throw `ApiError`; `app.onError` turns every error into
 * `{"error": {"code", "message", "field"?}}` with the right status.
 */
import type { Context } from 'hono'
import { HTTPException } from 'hono/http-exception'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import type { ErrorBody, ErrorCode } from '../shared'

const STATUS: Record<ErrorCode, ContentfulStatusCode> = {
  invalid_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  rate_limited: 429,
  internal: 500,
}

export class ApiError extends HTTPException {
  /** Extra response headers, such as `Retry-After` on a 429. */
  headers?: Record<string, string>

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly field?: string,
  ) {
    super(STATUS[code], { message })
  }
}

export function errorBody(code: ErrorCode, message: string, field?: string): ErrorBody {
  return { error: field ? { code, message, field } : { code, message } }
}

export function errorResponse(c: Context, code: ErrorCode, message: string, field?: string): Response {
  return c.json(errorBody(code, message, field), STATUS[code])
}

export function onError(err: Error, c: Context): Response {
  if (err instanceof ApiError) {
    const res = errorResponse(c, err.code, err.message, err.field)
    for (const [name, value] of Object.entries(err.headers ?? {})) res.headers.set(name, value)
    return res
  }
  if (err instanceof HTTPException) {
    const status = err.status
    const code: ErrorCode =
      status === 401
        ? 'unauthorized'
        : status === 404
          ? 'not_found'
          : status === 413
            ? 'payload_too_large'
            : 'invalid_request'
    return errorResponse(c, code, err.message || 'Bad request')
  }
  console.error('unhandled error', c.req.method, c.req.path, err)
  return errorResponse(c, 'internal', 'Internal error')
}
