/**
 * A scripted stand-in for `fetch`: each call takes the next step of the script and records what
 * the SDK sent, so tests can assert on every attempt.
 */
import type { FetchLike } from '../src/transport.js'

export type Step =
  | { status: number; body?: unknown; headers?: Record<string, string> }
  | { networkError: string }
  | { hang: true }

export interface RecordedCall {
  url: string
  method: string
  headers: Headers
  body: unknown
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Step {
  return { status, body, headers }
}

export function apiError(status: number, code: string, message: string, field?: string): Step {
  return { status, body: { error: { code, message, ...(field ? { field } : {}) } } }
}

export function scriptedFetch(steps: Step[]): FetchLike & { calls: RecordedCall[] } {
  const calls: RecordedCall[] = []
  const fetch = async (url: string, init: RequestInit): Promise<Response> => {
    calls.push({
      url,
      method: init.method ?? 'GET',
      headers: new Headers(init.headers),
      body: typeof init.body === 'string' ? JSON.parse(init.body) : undefined,
    })
    const step = steps[Math.min(calls.length - 1, steps.length - 1)]
    if (!step) throw new Error('fake fetch: empty script')
    if ('networkError' in step) throw new TypeError(step.networkError)
    if ('hang' in step) {
      // Like a real fetch to a server that never answers: settles only when aborted.
      return new Promise((_, reject) => {
        init.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')))
      })
    }
    const text = typeof step.body === 'string' ? step.body : JSON.stringify(step.body ?? null)
    return new Response(text, { status: step.status, headers: step.headers })
  }
  return Object.assign(fetch, { calls })
}
