/**
 * Which affiliate × currency balances a new payout pays: pure, so the rule is tested apart from
 * D1. A balance is the sum of the approved commissions in no payout yet (up to the period end)
 * and of the unpaid clawbacks; one that is not above zero, or below the program's minimum for
 * its currency, waits for a later payout with its commissions left unassigned.
 */
import type { Money } from '../shared'

/** Lines per payout at most; the rest wait for the next one (keeps one D1 batch bounded). */
export const MAX_PAYOUT_ITEMS = 200

export interface PayoutBalance {
  affiliateId: string
  currency: string
  amount: number
  count: number
}

export function selectPayable(
  balances: readonly PayoutBalance[],
  minPayout: Money,
  max = MAX_PAYOUT_ITEMS,
): PayoutBalance[] {
  return balances
    .filter((b) => b.amount > 0 && b.amount >= (minPayout[b.currency] ?? 0))
    .sort((a, b) =>
      a.currency === b.currency
        ? a.affiliateId < b.affiliateId
          ? -1
          : a.affiliateId > b.affiliateId
            ? 1
            : 0
        : a.currency < b.currency
          ? -1
          : 1,
    )
    .slice(0, max)
}

/** Per-currency sums of the lines. */
export function payoutTotals(items: ReadonlyArray<{ currency: string; amount: number }>): Money {
  const totals: Money = {}
  for (const i of items) totals[i.currency] = (totals[i.currency] ?? 0) + i.amount
  return totals
}
