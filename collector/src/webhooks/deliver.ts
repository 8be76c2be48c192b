/**
 * One attempt of one delivery: check the URL again, sign, POST, classify the answer. Bounded:
 * 15 s for the whole exchange, at most 1 KB of the answer read (kept as the delivery log's
 * error detail), and redirects are not followed (a 3xx could point anywhere, even inside a network).
 */
import { deliveryHeaders } from './signing'
import { checkWebhookUrl } from './url-policy'

export const ATTEMPT_TIMEOUT_MS = 15_000
export const MAX_RESPONSE_BYTES = 1024
export const USER_AGENT = 'Refline-Webhooks/1 (+https://www.standardwebhooks.com)'

export interface AttemptInput {
  url: string
  secret: string
  eventId: string
  payload: string
}

export type AttemptOutcome =
  | { kind: 'delivered'; statusCode: number }
  /** 410 Gone: the receiver asks never to be called again; the endpoint is disabled. */
  | { kind: 'gone'; statusCode: 410; error: string }
  /** Worth retrying: another status, a network error, a timeout. */
  | { kind: 'failed'; statusCode: number | null; error: string }
  /** Never worth retrying: the URL is no longer allowed. */
  | { kind: 'refused'; error: string }

export interface AttemptOptions {
  allowPrivate: boolean
  now: number
  timeoutMs?: number
  fetch?: typeof fetch
}

/** Reads at most `limit` bytes of a body, then cancels the rest. */
async function readSome(body: ReadableStream<Uint8Array> | null, limit: number): Promise<string> {
  if (!body) return ''
  const reader = body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  try {
    while (size < limit) {
      const { done, value } = await reader.read()
      if (done) break
      chunks.push(value)
      size += value.byteLength
    }
  } finally {
    await reader.cancel().catch(() => {})
  }
  const all = new Uint8Array(Math.min(size, limit))
  let offset = 0
  for (const c of chunks) {
    const part = c.subarray(0, all.length - offset)
    all.set(part, offset)
    offset += part.length
    if (offset >= all.length) break
  }
  return new TextDecoder().decode(all)
}

export async function attemptDelivery(d: AttemptInput, opts: AttemptOptions): Promise<AttemptOutcome> {
  const verdict = checkWebhookUrl(d.url, opts.allowPrivate)
  if (!verdict.ok) return { kind: 'refused', error: `not sent: ${verdict.reason}` }
  const timestamp = Math.floor(opts.now / 1000)
  const headers = {
    'content-type': 'application/json',
    'user-agent': USER_AGENT,
    ...(await deliveryHeaders(d.secret, d.eventId, timestamp, d.payload)),
  }
  const timeoutMs = opts.timeoutMs ?? ATTEMPT_TIMEOUT_MS
  let res: Response
  try {
    res = await (opts.fetch ?? fetch)(verdict.url, {
      method: 'POST',
      headers,
      body: d.payload,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    })
  } catch (err) {
    const name = (err as Error)?.name
    const error =
      name === 'TimeoutError' || name === 'AbortError'
        ? `no answer within ${timeoutMs / 1000} s`
        : `network error: ${(err as Error)?.message ?? String(err)}`
    return { kind: 'failed', statusCode: null, error: error.slice(0, 500) }
  }
  let text = ''
  try {
    text = await readSome(res.body, MAX_RESPONSE_BYTES)
  } catch {
    // A body cut short says nothing more than the status does.
  }
  if (res.status >= 200 && res.status < 300) return { kind: 'delivered', statusCode: res.status }
  const detail = `HTTP ${res.status}${text ? `: ${text.replace(/\s+/g, ' ').trim().slice(0, 300)}` : ''}`
  if (res.status === 410) return { kind: 'gone', statusCode: 410, error: detail }
  return { kind: 'failed', statusCode: res.status, error: detail }
}
