/**
 * Where a commission's history hears that it was paid: `paid` rows in `commission_events`,
 * built from the payout and its commissions, joining the same D1 batch that marks them paid, so
 * the history can never disagree with the status.
 */
import { historyForIdsStmts } from '../commissions/history'
import type { Stmt } from '../hub/types'

export function paidHistoryStmts(payoutId: string, commissionIds: string[], atIso: string): Stmt[] {
  return historyForIdsStmts({
    ids: commissionIds,
    type: 'paid',
    actor: 'payout',
    refId: payoutId,
    at: Date.parse(atIso),
  })
}
