/**
 * The `Refline` client: one method per API call, each turning camelCase input into the
 * collector's snake_case JSON and handing it to the transport (timeouts, retries, errors).
 */
import type { ConversionResult, RefundResult, SignupResult, StatsResult } from '@refline/collector/shared'
import { type CookieSource, clickIdFrom } from './click-id.js'
import { ReflineValidationError } from './errors.js'
import { type RequestOptions, send, type TransportConfig } from './transport.js'
import type {
  AffiliateListResult,
  AffiliateResult,
  CreateAffiliateInput,
  ReflineOptions,
  StatsQuery,
  Timestamp,
  TrackConversionInput,
  Tracked,
  TrackedConversion,
  TrackedRefund,
  TrackedSignup,
  TrackRefundInput,
  TrackSignupInput,
  UpdateAffiliateInput,
} from './types.js'
import { verifyWebhook } from './webhook.js'

const DEFAULT_TIMEOUT_MS = 10_000
const DEFAULT_MAX_RETRIES = 3

/**
 * Server-side client for a Refline collector. Create one per process and share it.
 *
 * @example
 * ```ts
 * import { Refline } from '@refline/node'
 *
 * const refline = new Refline({
 *   secretKey: process.env.REFLINE_SECRET_KEY!,
 *   baseUrl: 'https://refline.example.com',
 * })
 * ```
 */
export class Refline {
  readonly #config: TransportConfig

  constructor(options: ReflineOptions) {
    const { secretKey, baseUrl } = options
    if (typeof secretKey !== 'string' || !secretKey.startsWith('sk_')) {
      throw new ReflineValidationError(
        secretKey?.startsWith?.('pk_')
          ? 'Refline needs the secret key (sk_…) on the server; the publishable key (pk_…) is for the browser script'
          : 'Refline needs a secret key (sk_live_… or sk_test_…)',
        { code: 'invalid_request', field: 'secretKey' },
      )
    }
    if (typeof baseUrl !== 'string' || !URL.canParse(baseUrl)) {
      throw new ReflineValidationError('Refline needs baseUrl, the origin of your collector', {
        code: 'invalid_request',
        field: 'baseUrl',
      })
    }
    const userFetch = options.fetch
    this.#config = {
      secretKey,
      baseUrl,
      timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      maxRetries: options.maxRetries ?? DEFAULT_MAX_RETRIES,
      // Wrapped rather than stored: Workers throw "Illegal invocation" when fetch is called
      // detached from globalThis.
      fetch: userFetch ?? ((input, init) => globalThis.fetch(input, init)),
    }
  }

  /**
   * Reads the visitor's click id (the `rl_click` cookie set by the browser script) from a Fetch
   * `Request`, a Node `IncomingMessage`, a `Headers` object or a raw Cookie header.
   *
   * @example
   * ```ts
   * // node:http or Express
   * const clickId = Refline.clickIdFrom(req)
   * // Workers, Hono (c.req.raw), Next.js route handlers
   * const clickId = Refline.clickIdFrom(request)
   * ```
   */
  static clickIdFrom(source: CookieSource): string | undefined {
    return clickIdFrom(source)
  }

  /**
   * Checks the signature of a webhook Refline sent you; see {@link verifyWebhook}.
   *
   * @example
   * ```ts
   * const event = await Refline.verifyWebhook(await request.text(), request.headers, secret)
   * ```
   */
  static verifyWebhook = verifyWebhook

  /**
   * Records a signup and attributes the customer to an affiliate (from the click id, a promotion
   * code or ref).
   * Later conversions of this customer go to the same affiliate. Idempotent per customer.
   *
   * @example
   * ```ts
   * const { signup } = await refline.trackSignup({
   *   customerId: user.id,
   *   clickId: form.get('refline_click_id') ?? Refline.clickIdFrom(request),
   *   email: user.email,
   * })
   * console.log(signup.affiliate?.code) // 'jane', or undefined when nobody referred them
   * ```
   */
  async trackSignup(input: TrackSignupInput, options?: RequestOptions): Promise<TrackedSignup> {
    const eventId = input.eventId ?? `signup:${input.customerId}`
    return this.#track<SignupResult>(
      '/v1/signups',
      eventId,
      {
        event_id: eventId,
        customer_id: input.customerId,
        click_id: input.clickId || undefined,
        ref: input.ref || undefined,
        promo_code: input.promoCode || undefined,
        email: input.email,
        occurred_at: iso(input.occurredAt),
      },
      options,
    )
  }

  /**
   * Records a payment. The affiliate who referred the customer (or the click/ref given) earns the
   * program's commission. Pass your invoice or charge id as `eventId`: sending it twice, from a
   * retry or a replayed webhook, never counts the money twice.
   *
   * @example
   * ```ts
   * const { conversion, replayed } = await refline.trackConversion({
   *   eventId: invoice.id,
   *   customerId: user.id,
   *   amount: 4900, // $49.00 in cents
   *   currency: 'USD',
   * })
   * console.log(conversion.commission?.amount) // 1470 at 30 %
   *
   * // A one-off purchase with an affiliate's promotion code and no click:
   * await refline.trackConversion({ eventId: order.id, promoCode: 'JANE20', amount: 8000, currency: 'USD' })
   * ```
   */
  async trackConversion(input: TrackConversionInput, options?: RequestOptions): Promise<TrackedConversion> {
    const eventId = input.eventId ?? generateEventId('conversion')
    return this.#track<ConversionResult>(
      '/v1/conversions',
      eventId,
      {
        event_id: eventId,
        customer_id: input.customerId,
        click_id: input.clickId || undefined,
        ref: input.ref || undefined,
        promo_code: input.promoCode || undefined,
        amount: input.amount,
        currency: input.currency,
        occurred_at: iso(input.occurredAt),
        metadata: input.metadata,
      },
      options,
    )
  }

  /**
   * Records a full or partial refund of a conversion. A full refund reverses the commission, a
   * partial one reduces it pro rata, and a refund after payout creates a negative clawback.
   *
   * @example
   * ```ts
   * await refline.trackRefund({ eventId: refund.id, conversionEventId: invoice.id }) // full
   * await refline.trackRefund({ eventId: 're_2', conversionEventId: invoice.id, amount: 1000 }) // $10 back
   * ```
   */
  async trackRefund(input: TrackRefundInput, options?: RequestOptions): Promise<TrackedRefund> {
    const eventId = input.eventId ?? generateEventId('refund')
    return this.#track<RefundResult>(
      '/v1/refunds',
      eventId,
      { event_id: eventId, conversion_event_id: input.conversionEventId, amount: input.amount },
      options,
    )
  }

  /**
   * Creates an affiliate and returns it with its portal URL and referral link. Not retried after
   * a network error (there is no event id to make it idempotent); a 429 is retried.
   *
   * @example
   * ```ts
   * const { affiliate } = await refline.createAffiliate({ name: 'Jane Doe', email: 'jane@example.com', code: 'jane' })
   * console.log(affiliate.link, affiliate.portal_url)
   * ```
   */
  async createAffiliate(input: CreateAffiliateInput, options?: RequestOptions): Promise<AffiliateResult> {
    const res = await send<AffiliateResult>(
      this.#config,
      { method: 'POST', path: '/v1/affiliates', body: input, retry: 'rate_limit_only' },
      options,
    )
    return res.data
  }

  /**
   * Lists the program's affiliates.
   *
   * @example
   * ```ts
   * const { affiliates } = await refline.listAffiliates()
   * for (const a of affiliates) console.log(a.code, a.link)
   * ```
   */
  async listAffiliates(options?: RequestOptions): Promise<AffiliateListResult> {
    const res = await send<AffiliateListResult>(
      this.#config,
      { method: 'GET', path: '/v1/affiliates', retry: 'all' },
      options,
    )
    return res.data
  }

  /**
   * Fetches one affiliate by id (`aff_…`) or by code.
   *
   * @example
   * ```ts
   * const { affiliate } = await refline.getAffiliate('jane')
   * ```
   */
  async getAffiliate(idOrCode: string, options?: RequestOptions): Promise<AffiliateResult> {
    const res = await send<AffiliateResult>(
      this.#config,
      { method: 'GET', path: `/v1/affiliates/${encodeURIComponent(idOrCode)}`, retry: 'all' },
      options,
    )
    return res.data
  }

  /**
   * Changes an affiliate's name, email, commission override or status. Sending the same change
   * twice leaves the same result, so it is retried like a read.
   *
   * @example
   * ```ts
   * await refline.updateAffiliate('jane', { commission: { type: 'percent', percent: 40 } })
   * await refline.updateAffiliate('omar', { status: 'disabled' })
   * ```
   */
  async updateAffiliate(
    idOrCode: string,
    patch: UpdateAffiliateInput,
    options?: RequestOptions,
  ): Promise<AffiliateResult> {
    const res = await send<AffiliateResult>(
      this.#config,
      { method: 'PATCH', path: `/v1/affiliates/${encodeURIComponent(idOrCode)}`, body: patch, retry: 'all' },
      options,
    )
    return res.data
  }

  /**
   * Totals, a time series and per-affiliate totals for a date range. Amounts are per currency in
   * minor units. Test-mode data when called with an `sk_test_` key, live data otherwise.
   *
   * @example
   * ```ts
   * const stats = await refline.getStats({ from: new Date(Date.now() - 7 * 864e5), interval: 'day', tz: 'Europe/Paris' })
   * console.log(stats.totals.conversions, stats.totals.commission.USD)
   * ```
   */
  async getStats(query: StatsQuery = {}, options?: RequestOptions): Promise<StatsResult> {
    const res = await send<StatsResult>(
      this.#config,
      {
        method: 'GET',
        path: '/v1/stats',
        query: {
          from: iso(query.from),
          to: iso(query.to),
          affiliate: query.affiliate,
          sub: query.sub,
          interval: query.interval,
          tz: query.tz,
        },
        retry: 'all',
      },
      options,
    )
    return res.data
  }

  async #track<T extends object>(
    path: string,
    eventId: string,
    body: Record<string, unknown>,
    options: RequestOptions | undefined,
  ): Promise<Tracked<T>> {
    const res = await send<T>(this.#config, { method: 'POST', path, body, retry: 'all' }, options)
    return { ...res.data, replayed: res.replayed, eventId }
  }
}

function iso(value: Timestamp | undefined): string | undefined {
  if (value === undefined) return undefined
  return value instanceof Date ? value.toISOString() : value
}

function generateEventId(kind: string): string {
  return `${kind}:${crypto.randomUUID()}`
}
