/**
 * One HTTP call to the collector with a timeout per attempt and retries: the only place the SDK
 * touches the network. Uses nothing but `fetch`, `AbortController` and timers, so it runs the same
 * on Node, Bun, Deno and Workers.
 */
import {
  errorFromResponse,
  ReflineAbortError,
  ReflineApiError,
  ReflineConnectionError,
  type ReflineError,
  ReflineTimeoutError,
} from './errors.js'
import { isRetryableStatus, parseRetryAfter, retryDelayMs } from './retry.js'
import { VERSION } from './version.js'

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>

export interface TransportConfig {
  secretKey: string
  baseUrl: string
  timeoutMs: number
  maxRetries: number
  fetch: FetchLike
}

/** Per-call overrides, accepted as the last argument of every client method. */
export interface RequestOptions {
  /** Cancels the call (including any wait between retries); the call rejects with `ReflineAbortError`. */
  signal?: AbortSignal
  /** Overrides the client's `timeoutMs` for this call. */
  timeoutMs?: number
  /** Overrides the client's `maxRetries` for this call. */
  maxRetries?: number
}

export interface ApiRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE'
  path: string
  body?: unknown
  query?: Record<string, string | undefined>
  /**
   * `all`: safe to repeat (reads, and writes made idempotent by an `event_id`).
   * `rate_limit_only`: a write without an event id; only a 429, which the collector answers before
   * doing anything, is retried, so a lost answer can never create a record twice.
   */
  retry: 'all' | 'rate_limit_only'
}

export interface ApiResponse<T> {
  data: T
  status: number
  /** The collector had already seen this `event_id` and returned the first result (200 + `Idempotent-Replayed`). */
  replayed: boolean
  requestId: string | undefined
}

export async function send<T>(
  config: TransportConfig,
  req: ApiRequest,
  options: RequestOptions = {},
): Promise<ApiResponse<T>> {
  const maxRetries = Math.max(0, options.maxRetries ?? config.maxRetries)
  const timeoutMs = options.timeoutMs ?? config.timeoutMs
  const url = buildUrl(config.baseUrl, req.path, req.query)
  const init: RequestInit = {
    method: req.method,
    headers: {
      authorization: `Bearer ${config.secretKey}`,
      'content-type': 'application/json',
      accept: 'application/json',
      'refline-client': `node/${VERSION}`,
    },
    // Serialised once: every attempt sends byte-identical bodies, so the collector's
    // "same event_id, different body" conflict check can never fire on our own retries.
    body: req.body === undefined ? undefined : JSON.stringify(req.body),
  }

  for (let attempt = 0; ; attempt++) {
    const canRetry = attempt < maxRetries
    const outcome = await attemptOnce(config.fetch, url, init, timeoutMs, options.signal)

    if (outcome.kind === 'network') {
      if (canRetry && req.retry === 'all') {
        await sleep(retryDelayMs(attempt), options.signal)
        continue
      }
      throw outcome.error
    }

    const { response, body, requestId } = outcome
    if (response.ok) {
      if (body === undefined) {
        throw new ReflineApiError(`Refline answered HTTP ${response.status} with a body that is not JSON`, {
          code: 'internal',
          status: response.status,
          requestId,
        })
      }
      return {
        data: body as T,
        status: response.status,
        replayed: response.headers.get('idempotent-replayed') === 'true',
        requestId,
      }
    }

    const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'))
    const retryable = req.retry === 'all' ? isRetryableStatus(response.status) : response.status === 429
    if (canRetry && retryable) {
      await sleep(retryDelayMs(attempt, retryAfterMs), options.signal)
      continue
    }
    throw errorFromResponse(response.status, body, requestId, retryAfterMs)
  }
}

type AttemptOutcome =
  | { kind: 'response'; response: Response; body: unknown; requestId: string | undefined }
  | { kind: 'network'; error: ReflineError }

async function attemptOnce(
  fetch: FetchLike,
  url: string,
  init: RequestInit,
  timeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<AttemptOutcome> {
  if (signal?.aborted) throw abortError(signal)
  const controller = new AbortController()
  let timedOut = false
  const timer = setTimeout(() => {
    timedOut = true
    controller.abort()
  }, timeoutMs)
  const onAbort = () => controller.abort()
  signal?.addEventListener('abort', onAbort, { once: true })
  try {
    const response = await fetch(url, { ...init, signal: controller.signal })
    // The body is read inside the same timeout: a collector that sends headers and then stalls
    // is as stuck as one that never answers.
    const text = await response.text()
    const requestId = response.headers.get('request-id') ?? response.headers.get('cf-ray') ?? undefined
    return { kind: 'response', response, body: parseJson(text), requestId }
  } catch (cause) {
    if (signal?.aborted) throw abortError(signal)
    if (timedOut) {
      return {
        kind: 'network',
        error: new ReflineTimeoutError(`Refline did not answer within ${timeoutMs} ms`, {
          code: 'timeout',
          cause,
        }),
      }
    }
    const detail = cause instanceof Error ? cause.message : String(cause)
    return {
      kind: 'network',
      error: new ReflineConnectionError(`Could not reach Refline at ${url}: ${detail}`, {
        code: 'connection_error',
        cause,
      }),
    }
  } finally {
    clearTimeout(timer)
    signal?.removeEventListener('abort', onAbort)
  }
}

function parseJson(text: string): unknown {
  if (text === '') return undefined
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

function abortError(signal: AbortSignal): ReflineAbortError {
  return new ReflineAbortError('The call was aborted', { code: 'aborted', cause: signal.reason })
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError(signal))
    const onAbort = () => {
      clearTimeout(timer)
      reject(abortError(signal!))
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

function buildUrl(baseUrl: string, path: string, query: ApiRequest['query']): string {
  const url = new URL(baseUrl.replace(/\/+$/, '') + path)
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined) url.searchParams.set(key, value)
  }
  return url.toString()
}
