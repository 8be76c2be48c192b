/**
 * Attribution rules: which affiliate gets credit for a signup or a conversion.
 * Pure functions of their inputs; the ProgramHub gathers the inputs and stores the outputs.
 */

export type AttributionModel = 'last_click' | 'first_click'

export interface Touch {
  clickId: string
  affiliateId: string | null
  at: number
}

export interface AttributionInput {
  /** The affiliate a known customer already belongs to (kept for recurring revenue). */
  customer?: { affiliateId: string | null; clickAt: number | null } | null
  /** The click the event carries, with the first click of the same visitor when known. */
  click?: { last: Touch; first: Touch | null } | null
  /** The affiliate whose promotion code the buyer used, when there is no usable click. */
  promoAffiliateId?: string | null
  /** The affiliate named by a `ref` code on the event, when there is no usable click or promotion code. */
  refAffiliateId?: string | null
  model: AttributionModel
  cookieDays: number
  /** When the event happened (ms since epoch). */
  at: number
}

export interface Attribution {
  affiliateId: string | null
  clickId: string | null
  clickAt: number | null
  via: 'customer' | 'click' | 'promo_code' | 'ref' | 'none'
}

const DAY = 86_400_000

/** True when a click at `clickAt` still credits an event at `at` under a window of `cookieDays`. */
export function withinWindow(clickAt: number, at: number, cookieDays: number): boolean {
  return at >= clickAt - 60_000 && at - clickAt <= cookieDays * DAY
}

/**
 * Picks the affiliate for an event. A customer attributed at signup keeps its affiliate; otherwise
 * the click decides (last click, or the visitor's first click when the program says so and it is
 * still inside the window); otherwise an affiliate's promotion code used at checkout (typed by the
 * buyer at the moment of paying, so it outranks a remembered `ref`); otherwise a `ref` code;
 * otherwise nobody.
 */
export function attribute(input: AttributionInput): Attribution {
  const customer = input.customer
  if (customer?.affiliateId) {
    return { affiliateId: customer.affiliateId, clickId: null, clickAt: customer.clickAt, via: 'customer' }
  }
  const click = input.click
  if (click) {
    const candidates = input.model === 'first_click' && click.first ? [click.first, click.last] : [click.last]
    for (const touch of candidates) {
      if (touch.affiliateId && withinWindow(touch.at, input.at, input.cookieDays)) {
        return { affiliateId: touch.affiliateId, clickId: touch.clickId, clickAt: touch.at, via: 'click' }
      }
    }
  }
  if (input.promoAffiliateId) {
    return {
      affiliateId: input.promoAffiliateId,
      clickId: click?.last.clickId ?? null,
      clickAt: null,
      via: 'promo_code',
    }
  }
  if (input.refAffiliateId) {
    return {
      affiliateId: input.refAffiliateId,
      clickId: click?.last.clickId ?? null,
      clickAt: null,
      via: 'ref',
    }
  }
  return { affiliateId: null, clickId: click?.last.clickId ?? null, clickAt: null, via: 'none' }
}

/** What the hub remembers of a customer, as attribution needs it. */
export interface CustomerFacts {
  affiliate_id: string | null
  click_id: string | null
  click_at: number | null
  sub: string | null
  email_hash: string | null
  first_conversion_at: number | null
  signup_event_id: string | null
}

/**
 * First attribution wins: what credited a customer first (affiliate, click, sub, first
 * conversion, signup) stays, and a later event only fills what is still unknown; a newer email
 * hash replaces an older one. D1's customer upsert applies the same rule with COALESCE.
 */
export function mergeCustomer(existing: CustomerFacts | null, next: CustomerFacts): CustomerFacts {
  if (!existing) return next
  return {
    affiliate_id: existing.affiliate_id ?? next.affiliate_id,
    click_id: existing.click_id ?? next.click_id,
    click_at: existing.click_at ?? next.click_at,
    sub: existing.sub ?? next.sub,
    email_hash: next.email_hash ?? existing.email_hash,
    first_conversion_at: existing.first_conversion_at ?? next.first_conversion_at,
    signup_event_id: existing.signup_event_id ?? next.signup_event_id,
  }
}
