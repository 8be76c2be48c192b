/**
 * The calls reconciliation makes to Stripe's API, with the official `stripe` package and a
 * restricted read-only key: the paid invoices created in a range (auto-paginated, bounded), and
 * single invoices by id. `STRIPE_API_BASE` points the package at another server (a local one in
 * tests and development); unset, it talks to api.stripe.com.
 */
import type { Env } from '../lib/env'
import { ApiError } from '../lib/errors'
import type { InvoiceLike } from './compare'

/** At most this many invoices are read per reconciliation (20 pages of 100). */
export const MAX_INVOICES = 2_000
/** At most this many invoices are looked up one by one (conversions the list did not hold). */
export const MAX_LOOKUPS = 100
const LOOKUP_CONCURRENCY = 5

/** The setting this capability reads on top of the collector's `Env`. */
export interface ReconciliationEnv extends Env {
  /**
   * Tests and development only: the origin the `stripe` package calls instead of api.stripe.com
   * (`http://127.0.0.1:12111`), a local server that answers Stripe's API.
   */
  STRIPE_API_BASE?: string
}

/** Stripe could not be reached or answered with a server error: a 502, never the founder's fault. */
export class StripeUnavailableError extends Error {}

export interface StripeApiBase {
  host?: string
  port?: number
  protocol?: 'http' | 'https'
}

/** `STRIPE_API_BASE` (`http://127.0.0.1:12111`) as the package's `host`, `port` and `protocol`. */
export function stripeApiBase(value: string | undefined): StripeApiBase {
  if (!value) return {}
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new StripeUnavailableError('STRIPE_API_BASE is not a URL')
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new StripeUnavailableError('STRIPE_API_BASE must be an http or https URL')
  const protocol = url.protocol === 'http:' ? 'http' : 'https'
  return {
    host: url.hostname,
    port: url.port ? Number(url.port) : protocol === 'http' ? 80 : 443,
    protocol,
  }
}

/** Never lets a key reach a message: Stripe masks keys in its errors, and so does this. */
function redact(message: string): string {
  return message.replace(/\b(rk|sk)_(live|test)_[A-Za-z0-9*]+/g, '$1_$2_…').slice(0, 300)
}

interface StripeErrorLike {
  type?: string
  code?: string
  statusCode?: number
  message?: string
}

/** Stripe's answer as the collector's: a refused key is the founder's to fix (409), naming the field. */
function translate(err: unknown, field: string): Error {
  const e = (err ?? {}) as StripeErrorLike
  const message = redact(e.message ?? String(err))
  if (e.type === 'StripeAuthenticationError')
    return new ApiError('conflict', `Stripe refused the restricted key: ${message}`, field)
  if (e.type === 'StripePermissionError')
    return new ApiError(
      'conflict',
      `The restricted key may not read invoices (give it Read on Invoices and Charges): ${message}`,
      field,
    )
  if (e.type === 'StripeRateLimitError') {
    const limited = new ApiError(
      'rate_limited',
      `Stripe is limiting requests; try again in a minute: ${message}`,
    )
    limited.headers = { 'Retry-After': '60' }
    return limited
  }
  return new StripeUnavailableError(`Stripe could not be asked: ${message}`)
}

export interface StripeReader {
  /** Paid invoices created in [from, to] (ms), newest first, at most MAX_INVOICES. */
  paidInvoices(from: number, to: number): Promise<{ invoices: InvoiceLike[]; truncated: boolean }>
  /** Invoices by id, at most MAX_LOOKUPS: null for an id Stripe does not know. */
  invoicesById(ids: string[]): Promise<Map<string, InvoiceLike | null>>
}

/**
 * A reader for one restricted key. `field` names the stored key in errors
 * (`restricted_key` or `test_restricted_key`).
 */
export async function stripeReader(env: Env, key: string, field: string): Promise<StripeReader> {
  const base = stripeApiBase((env as ReconciliationEnv).STRIPE_API_BASE)
  // Loaded on first use: the package is large, and only Stripe's routes need it.
  const { default: Stripe } = await import('stripe')
  const stripe = new Stripe(key, {
    httpClient: Stripe.createFetchHttpClient(),
    maxNetworkRetries: 1,
    timeout: 20_000,
    telemetry: false,
    ...base,
  })
  return {
    async paidInvoices(from, to) {
      const invoices: InvoiceLike[] = []
      let truncated = false
      try {
        const pages = stripe.invoices.list({
          status: 'paid',
          created: { gte: Math.floor(from / 1000), lte: Math.floor(to / 1000) },
          limit: 100,
        })
        for await (const inv of pages) {
          if (invoices.length >= MAX_INVOICES) {
            truncated = true
            break
          }
          invoices.push(inv as unknown as InvoiceLike)
        }
      } catch (err) {
        throw translate(err, field)
      }
      return { invoices, truncated }
    },
    async invoicesById(ids) {
      const found = new Map<string, InvoiceLike | null>()
      const queue = ids.slice(0, MAX_LOOKUPS)
      const worker = async () => {
        for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
          try {
            found.set(id, (await stripe.invoices.retrieve(id)) as unknown as InvoiceLike)
          } catch (err) {
            const e = err as StripeErrorLike
            if (e.type === 'StripeInvalidRequestError' && e.code === 'resource_missing') found.set(id, null)
            else throw translate(err, field)
          }
        }
      }
      await Promise.all(Array.from({ length: LOOKUP_CONCURRENCY }, worker))
      return found
    },
  }
}
