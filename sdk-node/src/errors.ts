/**
 * The SDK's error family. Every failure a call can produce is a `ReflineError`; the subclass says
 * what kind it is, so callers can branch with `instanceof` instead of parsing messages.
 */
import type { ErrorBody, ErrorCode } from '@refline/collector/shared'

/** Codes from the collector's error body, plus the ones the SDK produces itself. */
export type ReflineErrorCode = ErrorCode | 'connection_error' | 'timeout' | 'aborted' | 'invalid_signature'

export interface ReflineErrorOptions {
  code: ReflineErrorCode
  /** HTTP status of the answer, when there was one. */
  status?: number
  /** `Request-Id` (or `cf-ray`) header of the answer, for support requests and logs. */
  requestId?: string
  /** The input field the collector named as wrong, e.g. `amount`. */
  field?: string
  /** The parsed error body, when the answer had one. */
  body?: unknown
  cause?: unknown
}

/**
 * Base class of every error the SDK throws.
 *
 * @example
 * ```ts
 * try {
 *   await refline.trackConversion({ eventId: invoice.id, customerId, amount: 4900, currency: 'USD' })
 * } catch (err) {
 *   if (err instanceof ReflineError) console.error(err.code, err.status, err.requestId)
 *   throw err
 * }
 * ```
 */
export class ReflineError extends Error {
  override name = 'ReflineError'
  readonly code: ReflineErrorCode
  readonly status: number | undefined
  readonly requestId: string | undefined
  readonly field: string | undefined
  readonly body: unknown

  constructor(message: string, options: ReflineErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = options.code
    this.status = options.status
    this.requestId = options.requestId
    this.field = options.field
    this.body = options.body
  }
}

/**
 * 400 `invalid_request` or 413 `payload_too_large`: the input is wrong; `field` names the culprit.
 *
 * @example
 * ```ts
 * if (err instanceof ReflineValidationError) console.error(`fix ${err.field}: ${err.message}`)
 * ```
 */
export class ReflineValidationError extends ReflineError {
  override name = 'ReflineValidationError'
}

/**
 * 401: the secret key is missing, malformed, revoked or from another deployment.
 *
 * @example
 * ```ts
 * if (err instanceof ReflineAuthenticationError) alertOps('REFLINE_SECRET_KEY is wrong or revoked')
 * ```
 */
export class ReflineAuthenticationError extends ReflineError {
  override name = 'ReflineAuthenticationError'
}

/**
 * 403: the key is valid but may not do this (e.g. a publishable key on a secret endpoint).
 *
 * @example
 * ```ts
 * if (err instanceof ReflinePermissionError) console.error(err.message)
 * ```
 */
export class ReflinePermissionError extends ReflineError {
  override name = 'ReflinePermissionError'
}

/**
 * 404: the affiliate, conversion or other record does not exist.
 *
 * @example
 * ```ts
 * await refline.getAffiliate('nobody').catch((err) => err instanceof ReflineNotFoundError ? null : Promise.reject(err))
 * ```
 */
export class ReflineNotFoundError extends ReflineError {
  override name = 'ReflineNotFoundError'
}

/**
 * 409: the same `event_id` was sent before with a different body, or a unique value is taken.
 *
 * @example
 * ```ts
 * if (err instanceof ReflineConflictError && err.field === 'code') return 'That code is taken'
 * ```
 */
export class ReflineConflictError extends ReflineError {
  override name = 'ReflineConflictError'
}

/**
 * 429 after every retry: slow down. `retryAfterMs` is the collector's last `Retry-After`, if any.
 *
 * @example
 * ```ts
 * if (err instanceof ReflineRateLimitError) queue.retryIn(err.retryAfterMs ?? 60_000)
 * ```
 */
export class ReflineRateLimitError extends ReflineError {
  override name = 'ReflineRateLimitError'
  readonly retryAfterMs: number | undefined

  constructor(message: string, options: ReflineErrorOptions & { retryAfterMs?: number }) {
    super(message, options)
    this.retryAfterMs = options.retryAfterMs
  }
}

/**
 * 5xx after every retry, or an answer the SDK could not read.
 *
 * @example
 * ```ts
 * if (err instanceof ReflineApiError) console.error('collector failed', err.status, err.requestId)
 * ```
 */
export class ReflineApiError extends ReflineError {
  override name = 'ReflineApiError'
}

/**
 * The collector could not be reached (DNS, refused connection, reset) after every retry.
 *
 * @example
 * ```ts
 * if (err instanceof ReflineConnectionError) queue.retryLater(input) // the event id makes it safe
 * ```
 */
export class ReflineConnectionError extends ReflineError {
  override name = 'ReflineConnectionError'
}

/**
 * Every attempt ran past `timeoutMs`.
 *
 * @example
 * ```ts
 * const refline = new Refline({ secretKey, baseUrl, timeoutMs: 3000 }) // ReflineTimeoutError after 3 s per attempt
 * ```
 */
export class ReflineTimeoutError extends ReflineConnectionError {
  override name = 'ReflineTimeoutError'
}

/**
 * The caller's `AbortSignal` fired; nothing is retried after that.
 *
 * @example
 * ```ts
 * const controller = new AbortController()
 * setTimeout(() => controller.abort(), 5000)
 * await refline.trackSignup({ customerId }, { signal: controller.signal }) // ReflineAbortError after 5 s
 * ```
 */
export class ReflineAbortError extends ReflineError {
  override name = 'ReflineAbortError'
}

/**
 * `verifyWebhook()` rejected a payload: bad or missing header, wrong signature, or too old.
 *
 * @example
 * ```ts
 * const event = await verifyWebhook(body, header, secret).catch(() => null) // null on ReflineSignatureError
 * ```
 */
export class ReflineSignatureError extends ReflineError {
  override name = 'ReflineSignatureError'
}

/** Builds the right subclass for an HTTP error answer. */
export function errorFromResponse(
  status: number,
  body: unknown,
  requestId: string | undefined,
  retryAfterMs?: number,
): ReflineError {
  const parsed = isErrorBody(body) ? body.error : undefined
  const code: ErrorCode = parsed?.code ?? codeForStatus(status)
  const message = parsed?.message ?? `Refline answered HTTP ${status}`
  const options: ReflineErrorOptions = { code, status, requestId, field: parsed?.field, body }
  if (status === 400 || status === 413 || status === 422) return new ReflineValidationError(message, options)
  if (status === 401) return new ReflineAuthenticationError(message, options)
  if (status === 403) return new ReflinePermissionError(message, options)
  if (status === 404) return new ReflineNotFoundError(message, options)
  if (status === 409) return new ReflineConflictError(message, options)
  if (status === 429) return new ReflineRateLimitError(message, { ...options, retryAfterMs })
  return new ReflineApiError(message, options)
}

function codeForStatus(status: number): ErrorCode {
  switch (status) {
    case 400:
    case 422:
      return 'invalid_request'
    case 401:
      return 'unauthorized'
    case 403:
      return 'forbidden'
    case 404:
      return 'not_found'
    case 409:
      return 'conflict'
    case 413:
      return 'payload_too_large'
    case 429:
      return 'rate_limited'
    default:
      return 'internal'
  }
}

function isErrorBody(body: unknown): body is ErrorBody {
  if (typeof body !== 'object' || body === null) return false
  const error = (body as { error?: unknown }).error
  return typeof error === 'object' && error !== null && typeof (error as { code?: unknown }).code === 'string'
}
