/**
 * What the Health page's reconciliation panel shows, and how long it is kept. One reconciliation
 * lists 30 days of paid invoices from Stripe (up to 20 pages) and looks conversions up one by one:
 * far too much to repeat on every load of a page a founder refreshes or leaves open, for lists
 * that change slowly. So this isolate keeps the last result per program and mode:
 *
 * - for 5 minutes; an error for 30 s only, so a passing Stripe outage clears quickly, while a
 *   reload loop still cannot hammer a Stripe that is failing or limiting the account;
 * - "Check now" runs it again at once (the founder may just have fixed what the kept result
 *   shows), but at most once per 30 s per program and mode, so the button cannot hammer Stripe
 *   either: pressed again sooner, it shows the result kept;
 * - only for the restricted key it was computed with (its SHA-256 is kept with it): a key changed
 *   or removed, through this isolate or another, is never answered from here; the routes that
 *   change the Stripe integration also drop the program's entries (`dropReconciliationPanels`);
 * - at most 100 entries and 4 million characters of JSON, least recently used out first.
 *
 * `GET /v1/reconciliation` neither reads nor fills it: a caller asking explicitly gets a fresh run.
 * Two loads that miss at the same moment both run: workerd lets no request wait on another's I/O.
 */
import { BoundedCache } from '../lib/bounded-cache'
import { sha256Hex } from '../lib/crypto'
import type { Env } from '../lib/env'
import { ApiError } from '../lib/errors'
import type { Mode } from '../shared'
import { DAY_MS, DEFAULT_DAYS, type Reconciliation, reconcileWithKey, restrictedKeyOf } from './service'
import { StripeUnavailableError } from './stripe-api'

/** How long a panel is kept. */
export const PANEL_TTL_MS = 5 * 60_000
/** How long a panel that could not be computed (Stripe down, key refused, rate limited) is kept. */
export const PANEL_ERROR_TTL_MS = 30_000
/** "Check now" runs at most once per this long per program and mode. */
export const CHECK_NOW_INTERVAL_MS = 30_000
export const PANEL_CACHE_MAX_ENTRIES = 100
/** Bound on the kept panels' JSON: one holds up to 2,000 rows per list. */
export const PANEL_CACHE_MAX_CHARS = 4_000_000

/** What the Health page shows: nothing to reconcile with, the lists, or why Stripe could not be read. */
export type ReconciliationPanelData =
  | { state: 'off' }
  | { state: 'ok'; reconciliation: Reconciliation; checkedAt: string }
  | { state: 'error'; message: string; checkedAt: string }

/** A panel that asked Stripe, with when it did. */
export type CheckedPanel = Exclude<ReconciliationPanelData, { state: 'off' }>

interface Kept {
  /** SHA-256 of the restricted key the panel was computed with. */
  fingerprint: string
  data: CheckedPanel
}

const panels = new BoundedCache<Kept>({
  maxEntries: PANEL_CACHE_MAX_ENTRIES,
  maxWeight: PANEL_CACHE_MAX_CHARS,
})
/** When the last "Check now" of a program and mode began, for as long as it blocks another. */
const checks = new BoundedCache<true>({ maxEntries: PANEL_CACHE_MAX_ENTRIES })

// The mode is part of the key: a test-mode panel is never shown for live, nor the reverse.
const cacheKey = (programId: string, mode: Mode) => `${mode}:${programId}`

export interface PanelRequest {
  programId: string
  mode: Mode
  /** SHA-256 of the mode's stored restricted key. */
  fingerprint: string
  now: number
  /** "Check now": run again unless another check of the program and mode began under 30 s ago. */
  checkNow?: boolean
}

/**
 * The kept panel of the program and mode when it may be served, else `compute`'s, kept.
 *
 * @example
 * await keptPanel({ programId, mode: 'live', fingerprint, now: Date.now() }, () => computePanel(…))
 */
export async function keptPanel(
  req: PanelRequest,
  compute: () => Promise<CheckedPanel>,
): Promise<CheckedPanel> {
  const key = cacheKey(req.programId, req.mode)
  let kept = panels.get(key, req.now)
  if (kept && kept.fingerprint !== req.fingerprint) {
    panels.delete(key)
    kept = undefined
  }
  if (req.checkNow) {
    // A check begun under 30 s ago (finished or still asking Stripe) stands for this one.
    if (kept && checks.get(key, req.now)) return kept.data
    checks.set(key, true, req.now + CHECK_NOW_INTERVAL_MS)
  } else if (kept) {
    return kept.data
  }
  const data = await compute()
  const ttl = data.state === 'ok' ? PANEL_TTL_MS : PANEL_ERROR_TTL_MS
  panels.set(key, { fingerprint: req.fingerprint, data }, req.now + ttl, JSON.stringify(data).length)
  return data
}

/**
 * Forgets the kept panels of a program (both modes unless one is given): called whenever its
 * Stripe integration changes, and after a test-data purge.
 *
 * @example
 * await deleteIntegration(env.DB, programId)
 * dropReconciliationPanels(programId)
 */
export function dropReconciliationPanels(programId: string, modes: readonly Mode[] = ['live', 'test']): void {
  for (const mode of modes) {
    panels.delete(cacheKey(programId, mode))
    checks.delete(cacheKey(programId, mode))
  }
}

/** Panels kept in this isolate (for tests). */
export function keptPanelCount(): number {
  return panels.size
}

async function computePanel(
  env: Env,
  programId: string,
  mode: Mode,
  key: string,
  now: number,
): Promise<CheckedPanel> {
  const checkedAt = new Date(now).toISOString()
  try {
    const reconciliation = await reconcileWithKey(env, programId, mode, key, {
      from: now - DEFAULT_DAYS * DAY_MS,
      to: now,
    })
    return { state: 'ok', reconciliation, checkedAt }
  } catch (err) {
    if (err instanceof ApiError || err instanceof StripeUnavailableError)
      return { state: 'error', message: err.message, checkedAt }
    // The error's name only: an unexpected error's text could carry the request, and so the key.
    console.error('reconciliation panel', programId, mode, err instanceof Error ? err.name : typeof err)
    return { state: 'error', message: 'Reconciliation failed; see the collector’s logs.', checkedAt }
  }
}

/**
 * The last 30 days of the mode, for the Health page, kept as the module header says; never
 * throws (the page must still render).
 *
 * @example
 * const panel = await reconciliationPanel(c.env, program.id, 'live', Date.now())
 */
export async function reconciliationPanel(
  env: Env,
  programId: string,
  mode: Mode,
  now: number,
  options: { checkNow?: boolean } = {},
): Promise<ReconciliationPanelData> {
  const key = await restrictedKeyOf(env, programId, mode)
  if (!key) return { state: 'off' }
  return keptPanel(
    { programId, mode, fingerprint: await sha256Hex(key), now, checkNow: options.checkNow ?? false },
    () => computePanel(env, programId, mode, key, now),
  )
}
