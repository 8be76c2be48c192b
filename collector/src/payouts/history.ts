/**
 * Where a commission's history hears that it was paid. The commission lifecycle keeps no
 * history table yet (see `commissions` in db/schema.ts); when one is added, its `paid` rows are
 * built here from the payout and its commissions, and join the same D1 batch that marks them
 * paid, so the history can never disagree with the status.
 */
import type { Stmt } from '../hub/types'

export function paidHistoryStmts(_payoutId: string, _commissionIds: string[], _atIso: string): Stmt[] {
  return []
}
