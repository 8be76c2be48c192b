/** Looks up the click an event carries, with the visitor's first click, as attribution touches. */
import type { Touch } from '../domain/attribution'
import type { Mode } from '../shared'
import type { LocalStore, StoredClick } from './local-store'

function toTouch(c: StoredClick): Touch {
  return { clickId: c.click_id, affiliateId: c.affiliate_id, at: c.at }
}

export function clickTouches(
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
