/**
 * Records a click in the hub: attribute the ref, count it once, run the click rules (flooding,
 * paid-ad click ids) and queue it for D1. A flood's alert is returned for the hub to raise.
 */
import type { FraudMemory } from '../alerts/fraud-memory'
import type { AlertInput } from '../alerts/types'
import { clickFloodAlertKey, isClickFlood, paidClickIds } from '../domain/fraud'
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
  /** Two letters from `request.cf.country`, or null. */
  country?: string | null
  at: number
  /** 0 for bots, HEAD, prefetch and blocked addresses: counted only as bot_clicks. */
  countable: number
  /** Fraud flags (`click_flood`, `paid_traffic`), comma-separated; founders only. */
  flag?: string | null
}

export interface RecordedClick {
  result: ClickResult
  event: HubEvent | null
  /** A click flood's first flagged click in this affiliate's hour: raise this alert. */
  alert: AlertInput | null
}

export function recordClickInStore(
  store: LocalStore,
  fraud: FraudMemory,
  program: HubProgram,
  click: ClickRecord,
): RecordedClick {
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
    country: click.country ?? null,
    at: click.at,
  }
  fraud.noteClickOrigin(click.mode, base.url, click.at)
  if (click.blocked) fraud.bump(click.mode, 'blocked_clicks', 1, click.at)
  if (!click.countable || click.blocked) {
    store.enqueue({ ...base, is_unique: 0, first_click_id: null, countable: 0 } satisfies OutboxClick)
    return { result: { click_id: click.clickId, attributed: !!affiliate }, event: null, alert: null }
  }
  const existing = store.click(click.clickId)
  if (existing) {
    // A repeated click id is the same click (reloads, double-loaded scripts, retried beacons).
    return {
      result: { click_id: click.clickId, attributed: existing.affiliate_id !== null },
      event: null,
      alert: null,
    }
  }
  const prev = click.prevClickId ? store.click(click.prevClickId) : null
  const firstClickId = prev ? (prev.first_click_id ?? prev.click_id) : null

  // Flooding: beyond the limit, clicks from one IP hash for one affiliate are flagged and not unique.
  // The hub's settings hold every threshold already (program-config.ts fills in the defaults).
  const limits = program.settings.fraud.click_flood
  const { unique, flood: earlier } = store.earlierClicks(
    base.affiliate_id,
    click.ipHash,
    click.at,
    click.at - limits.window_minutes * 60_000,
  )
  const flood = !!base.affiliate_id && isClickFlood(earlier, limits)
  const flags = [
    ...(flood ? ['click_flood'] : []),
    ...(paidClickIds(base.url).length ? ['paid_traffic'] : []),
  ]
  const isUnique = !flood && unique ? 1 : 0
  const row: OutboxClick = {
    ...base,
    is_unique: isUnique,
    first_click_id: firstClickId,
    countable: 1,
    flag: flags.length ? flags.join(',') : null,
  }
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
  fraud.flagClick(click.clickId, flags, click.at)
  store.addTotals(click.mode, base.affiliate_id, '', { clicks: 1, unique_clicks: isUnique })

  let alert: AlertInput | null = null
  const key = clickFloodAlertKey(base.affiliate_id, click.at)
  if (flood && affRef && !fraud.alertRaised(key)) {
    alert = {
      type: 'click_flood',
      severity: 'warning',
      message: `Click flood: more than ${limits.max_clicks} clicks from one visitor for ${affRef.code} within ${limits.window_minutes} minutes; later clicks are flagged and not unique`,
      affiliate: affRef,
      data: { clicks: earlier + 1, max_clicks: limits.max_clicks, window_minutes: limits.window_minutes },
      dedupe_key: key,
    }
  }
  return {
    result: { click_id: click.clickId, attributed: !!affiliate },
    event: { type: 'click', mode: click.mode, at: click.at, affiliate: affRef, source: click.source },
    alert,
  }
}
