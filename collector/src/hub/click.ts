/** Records a click in the hub: attribute the ref, count it once, and queue it for D1. */
import type { ClickResult } from '../shared'
import type { LocalStore } from './local-store'
import { affiliateForRef, type HubProgram } from './program-config'
import type { ClickRecord, HubEvent } from './types'

/** One row of the click outbox, flushed to D1 in batches. */
export interface OutboxClick {
  click_id: string
  mode: 'live' | 'test'
  affiliate_id: string | null
  ref: string
  sub: string | null
  url: string | null
  referrer: string | null
  ip_hash: string
  is_unique: number
  first_click_id: string | null
  source: 'script' | 'link'
  at: number
  /** 0 for bots, HEAD and prefetch: counted only as bot_clicks. */
  countable: number
}

export function recordClickInStore(
  store: LocalStore,
  program: HubProgram,
  click: ClickRecord,
): { result: ClickResult; event: HubEvent | null } {
  const affiliate = affiliateForRef(program, click.ref, click.mode)
  const affRef = affiliate ? { id: affiliate.id, code: affiliate.code } : null
  const base = {
    click_id: click.clickId,
    mode: click.mode,
    affiliate_id: affiliate?.id ?? null,
    ref: click.ref.slice(0, 64),
    sub: click.sub ?? null,
    url: click.url || null,
    referrer: click.referrer ?? null,
    ip_hash: click.ipHash,
    source: click.source,
    at: click.at,
  }
  if (!click.countable) {
    store.enqueue({ ...base, is_unique: 0, first_click_id: null, countable: 0 } satisfies OutboxClick)
    return { result: { click_id: click.clickId, attributed: !!affiliate }, event: null }
  }
  const existing = store.click(click.clickId)
  if (existing) {
    // A repeated click id is the same click (reloads, double-loaded scripts, retried beacons).
    return { result: { click_id: click.clickId, attributed: existing.affiliate_id !== null }, event: null }
  }
  const prev = click.prevClickId ? store.click(click.prevClickId) : null
  const firstClickId = prev ? (prev.first_click_id ?? prev.click_id) : null
  const isUnique = store.isUniqueClick(base.affiliate_id, click.ipHash, click.at) ? 1 : 0
  const row: OutboxClick = { ...base, is_unique: isUnique, first_click_id: firstClickId, countable: 1 }
  store.insertClick(
    {
      click_id: click.clickId,
      mode: click.mode,
      affiliate_id: base.affiliate_id,
      sub: base.sub,
      ip_hash: click.ipHash,
      first_click_id: firstClickId,
      at: click.at,
      is_unique: isUnique,
    },
    row,
  )
  store.addTotals(click.mode, base.affiliate_id, '', { clicks: 1, unique_clicks: isUnique })
  return {
    result: { click_id: click.clickId, attributed: !!affiliate },
    event: { type: 'click', mode: click.mode, at: click.at, affiliate: affRef },
  }
}
