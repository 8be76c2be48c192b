/**
 * Gathers what attribution needs for an event — the customer's affiliate, the click it carries
 * (with the visitor's first click), the affiliates its promotion code and `ref` name — and runs
 * the pure rule.
 */
import { type Attribution, attribute, type Touch } from '../domain/attribution'
import type { AffiliateRef, Mode } from '../shared'
import type { LocalStore, StoredClick, StoredCustomer } from './local-store'
import { affiliateForPromoCode, affiliateForRef, type HubAffiliate, type HubProgram } from './program-config'

function toTouch(c: StoredClick): Touch {
  return { clickId: c.click_id, affiliateId: c.affiliate_id, at: c.at }
}

function clickTouches(
  store: LocalStore,
  clickId: string | undefined,
  mode: Mode,
): { touch: { last: Touch; first: Touch | null }; sub: string | null } | null {
  if (!clickId) return null
  const last = store.click(clickId)
  if (!last || last.mode !== mode) return null
  const first = last.first_click_id ? store.click(last.first_click_id) : null
  return { touch: { last: toTouch(last), first: first ? toTouch(first) : null }, sub: last.sub }
}

export interface ResolvedAttribution extends Attribution {
  /** The credited affiliate, only while it is active. */
  affiliate: HubAffiliate | null
  affiliateRef: AffiliateRef | null
  /** The sub-id the customer or the click came with. */
  sub: string | null
}

export function resolveAttribution(
  store: LocalStore,
  program: HubProgram,
  mode: Mode,
  customer: StoredCustomer | null,
  event: { click_id?: string | undefined; ref?: string | undefined; promo_code?: string | undefined },
  at: number,
): ResolvedAttribution {
  const touches = clickTouches(store, event.click_id, mode)
  const result = attribute({
    customer: customer ? { affiliateId: customer.affiliate_id, clickAt: customer.click_at } : null,
    click: touches?.touch ?? null,
    promoAffiliateId: affiliateForPromoCode(program, event.promo_code, mode)?.id ?? null,
    refAffiliateId: affiliateForRef(program, event.ref, mode)?.id ?? null,
    model: program.settings.attribution,
    cookieDays: program.settings.cookie_days,
    at,
  })
  const found = result.affiliateId ? program.byId.get(result.affiliateId) : undefined
  const affiliate = found?.status === 'active' ? found : null
  return {
    ...result,
    affiliate,
    affiliateRef: affiliate ? { id: affiliate.id, code: affiliate.code } : null,
    sub: customer?.sub ?? touches?.sub ?? null,
  }
}
