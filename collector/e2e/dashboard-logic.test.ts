/**
 * The pure parts of the dashboard's live updates, without a browser: the refetch throttle under
 * a steady stream of events, and the arithmetic that applies events locally and reconciles them
 * with a refetch that may not have seen the latest ones.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { throttle } from '../src/pages/client/dom'
import { diffTotals, keepRecent, reconcileTotals } from '../src/pages/client/totals-delta'
import { emptyTotals, type Totals } from '../src/shared'

const totals = (t: Partial<Totals>): Totals => ({ ...emptyTotals(), ...t })

describe('refetch throttle', () => {
  beforeEach(() => {
    vi.useFakeTimers()
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('runs during a steady stream of requests, at most once per gap', async () => {
    const runs: number[] = []
    const start = Date.now()
    const request = throttle(
      async () => {
        runs.push(Date.now() - start)
      },
      { settleMs: 1_000, gapMs: 2_000 },
    )
    // Five requests a second for ten seconds: a trailing debounce would never run.
    for (let i = 0; i < 50; i++) {
      request()
      await vi.advanceTimersByTimeAsync(200)
    }
    expect(runs.length).toBeGreaterThanOrEqual(4)
    expect(runs[0]).toBeLessThanOrEqual(1_000)
    for (let i = 1; i < runs.length; i++)
      expect((runs[i] ?? 0) - (runs[i - 1] ?? 0)).toBeGreaterThanOrEqual(2_000)
    // And the last request is served too.
    const before = runs.length
    await vi.advanceTimersByTimeAsync(3_000)
    expect(runs.length).toBe(before + 1)
  })

  it('never runs twice at once, and runs again for a request made during a run', async () => {
    let active = 0
    let most = 0
    let count = 0
    const request = throttle(
      async () => {
        active++
        most = Math.max(most, active)
        count++
        await new Promise((r) => setTimeout(r, 5_000))
        active--
      },
      { settleMs: 100, gapMs: 200 },
    )
    request()
    await vi.advanceTimersByTimeAsync(1_000)
    request()
    request()
    await vi.advanceTimersByTimeAsync(20_000)
    expect(most).toBe(1)
    expect(count).toBe(2)
  })
})

describe('local totals', () => {
  it('takes an event’s effect as the difference of two messages’ totals', () => {
    const before = totals({ clicks: 10, revenue: { USD: 5_000 }, commission: { USD: 1_000 } })
    const after = totals({
      clicks: 10,
      conversions: 1,
      revenue: { USD: 9_900 },
      commission: { USD: 1_980 },
    })
    expect(diffTotals(after, before)).toEqual(
      totals({ conversions: 1, revenue: { USD: 4_900 }, commission: { USD: 980 } }),
    )
  })

  it('keeps at most the recent events a refetch may not have seen, in their direction', () => {
    // The server is two clicks behind and two clicks arrived just now: keep them.
    expect(keepRecent(8, 10, 2)).toBe(10)
    // The server has seen them already: take its number.
    expect(keepRecent(10, 10, 2)).toBe(10)
    // The server moved on further than the page knew: take its number.
    expect(keepRecent(12, 10, 2)).toBe(12)
    // The page is ahead by more than its recent events (an old hour left the range): keep only those.
    expect(keepRecent(5, 10, 2)).toBe(7)
    // A rejection just lowered the commission locally; the server hasn't seen it yet.
    expect(keepRecent(1_000, 0, -1_000)).toBe(0)
    expect(keepRecent(1_000, 2_000, 0)).toBe(1_000)
  })

  it('reconciles every count and currency', () => {
    const fetched = totals({ clicks: 8, revenue: { USD: 100 } })
    const local = totals({ clicks: 10, revenue: { USD: 100, EUR: 50 } })
    const recent = totals({ clicks: 2, revenue: { EUR: 50 } })
    expect(reconcileTotals(fetched, local, recent)).toEqual(
      totals({ clicks: 10, revenue: { USD: 100, EUR: 50 } }),
    )
    expect(reconcileTotals(fetched, undefined, recent)).toEqual(fetched)
  })
})
