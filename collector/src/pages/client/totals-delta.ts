/**
 * Arithmetic on totals for applying live events locally. A founder's live message carries the
 * program's totals after the event, so the difference from the previous message is exactly what
 * the event changed (counts, revenue, commission, refunds), whatever its kind. That difference is
 * added to the filtered views at once; the server's numbers replace them at the next refetch.
 */
import type { Money, Totals } from '../../shared'
import { emptyTotals } from '../../shared'

const COUNTS = ['clicks', 'unique_clicks', 'signups', 'conversions', 'refunds'] as const
const MONIES = ['revenue', 'commission'] as const

function moneyDiff(a: Money, b: Money): Money {
  const out: Money = {}
  for (const cur of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const d = (a[cur] ?? 0) - (b[cur] ?? 0)
    if (d) out[cur] = d
  }
  return out
}

/** `after − before`. */
export function diffTotals(after: Totals, before: Totals): Totals {
  const d = emptyTotals()
  for (const k of COUNTS) d[k] = after[k] - before[k]
  for (const k of MONIES) d[k] = moneyDiff(after[k], before[k])
  return d
}

/** Adds `delta` into `target`, in place. */
export function addTotals(target: Totals, delta: Totals): void {
  for (const k of COUNTS) target[k] += delta[k]
  for (const k of MONIES)
    for (const [cur, v] of Object.entries(delta[k])) target[k][cur] = (target[k][cur] ?? 0) + v
}

export function isZero(d: Totals): boolean {
  return COUNTS.every((k) => d[k] === 0) && MONIES.every((k) => Object.values(d[k]).every((v) => !v))
}

/**
 * What to show once the server has answered: its number, plus whatever part of the events
 * received just before (or during) the fetch it may not have seen yet. Clicks reach D1 in
 * batches up to a second after their live message, so a fetch can miss the latest few; without
 * this, the table would step back and forward again during a burst. `recent` is the sum of the
 * events applied locally in that window; the local lead kept is at most that, in its direction.
 */
export function keepRecent(fetched: number, local: number, recent: number): number {
  const lead = local - fetched
  if (recent > 0) return fetched + Math.min(Math.max(lead, 0), recent)
  if (recent < 0) return fetched + Math.max(Math.min(lead, 0), recent)
  return fetched
}

export function reconcileTotals(fetched: Totals, local: Totals | undefined, recent: Totals): Totals {
  if (!local) return fetched
  const out = emptyTotals()
  for (const k of COUNTS) out[k] = keepRecent(fetched[k], local[k], recent[k])
  for (const k of MONIES) {
    for (const cur of new Set([...Object.keys(fetched[k]), ...Object.keys(recent[k])])) {
      const v = keepRecent(fetched[k][cur] ?? 0, local[k][cur] ?? 0, recent[k][cur] ?? 0)
      if (v || cur in fetched[k]) out[k][cur] = v
    }
  }
  return out
}
