/**
 * Why an event was (or was not) credited to an affiliate, from what was stored with it: a pure
 * function of the journey's rows. `via` names the rule:
 * - `kept_from_signup`: the customer was attributed at signup and keeps that affiliate;
 * - `last_click` / `first_click`: the program's click rule picked the event's click;
 * - `code`: a promotion code or `ref` code on the event credited the affiliate (no usable click);
 * - `window_expired`: the event carried a click, but it was older than the cookie window;
 * - `unknown_ref`: the click carried a ref code of no affiliate;
 * - `none`: nothing on the event pointed at an affiliate.
 */
import type { ClickRow } from './data'

export type AttributionVia =
  | 'kept_from_signup'
  | 'last_click'
  | 'first_click'
  | 'code'
  | 'window_expired'
  | 'unknown_ref'
  | 'none'

export interface ExplainInput {
  affiliateId: string | null
  clickId: string | null
  /** ISO time of the event. */
  at: string
  /** The affiliate the customer got at signup, for a conversion (null for the signup itself). */
  signupAffiliateId: string | null
  clicks: Map<string, Pick<ClickRow, 'affiliateId' | 'createdAt' | 'ref'>>
  model: 'last_click' | 'first_click'
  cookieDays: number
}

const DAY = 86_400_000

export function explainAttribution(e: ExplainInput): { via: AttributionVia; reason: string } {
  if (e.affiliateId && e.signupAffiliateId === e.affiliateId)
    return {
      via: 'kept_from_signup',
      reason: 'The customer was attributed at signup and keeps that affiliate.',
    }
  const click = e.clickId ? e.clicks.get(e.clickId) : undefined
  if (e.affiliateId) {
    if (click?.affiliateId === e.affiliateId)
      return {
        via: e.model,
        reason: `The ${e.model === 'first_click' ? 'first' : 'last'} click within the ${e.cookieDays}-day cookie window credited the affiliate.`,
      }
    return { via: 'code', reason: 'A promotion code or ref code on the event credited the affiliate.' }
  }
  if (click?.affiliateId) {
    const age = Date.parse(e.at) - Date.parse(click.createdAt)
    if (age > e.cookieDays * DAY)
      return {
        via: 'window_expired',
        reason: `The click was ${Math.floor(age / DAY)} days old, outside the ${e.cookieDays}-day cookie window.`,
      }
  }
  if (click && !click.affiliateId)
    return {
      via: 'unknown_ref',
      reason: `The click carried ref "${click.ref}", which is no affiliate's code.`,
    }
  return { via: 'none', reason: 'Nothing on the event pointed at an affiliate.' }
}
