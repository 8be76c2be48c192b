/**
 * What the commissions API and the dashboard do with commissions, each change decided by the
 * program's hub (so totals, history and live messages follow): list, read one, change one or many,
 * approve everything due. `routes/commissions.ts` and the dashboard's routes call these.
 */

import type { FindAffiliateOptions } from '../affiliates/data'
import { affiliateFilter } from '../affiliates/filter'
import type { CommissionAction } from '../hub/commission-status'
import { type Env, hubFor } from '../lib/env'
import { ApiError } from '../lib/errors'
import { queryText, queryTime } from '../lib/validate'
import type { CommissionHistoryEntry, CommissionRecord, CommissionStatus, ErrorCode, Mode } from '../shared'
import {
  COMMISSION_STATUSES,
  commissionHistory,
  commissionJson,
  findCommissionRow,
  listCommissionRows,
} from './data'

export interface CommissionFilter {
  status?: string | undefined
  affiliate?: string | undefined
  from?: string | undefined
  to?: string | undefined
  limit?: string | undefined
}

export const LIST_QUERY = ['status', 'affiliate', 'from', 'to', 'limit', 'format']

/**
 * The commissions matching the filters, newest first; a bad filter is a 400 naming it. `asker`
 * says which affiliates the `affiliate` filter may name: a key passes its mode (a live key names
 * live affiliates only), the dashboard nothing (it sees every affiliate, as its stats do).
 */
export async function listCommissions(
  db: D1Database,
  programId: string,
  mode: Mode,
  filter: CommissionFilter,
  asker: FindAffiliateOptions,
): Promise<CommissionRecord[]> {
  const statuses = filter.status
    ? [...new Set(queryText(filter.status, 'status', 128)?.split(',') ?? [])]
    : []
  for (const s of statuses) {
    if (!COMMISSION_STATUSES.includes(s as CommissionStatus))
      throw new ApiError(
        'invalid_request',
        `status must be one of ${COMMISSION_STATUSES.join(', ')}`,
        'status',
      )
  }
  const from = queryTime(filter.from, 'from', 'start')
  const to = queryTime(filter.to, 'to', 'end')
  if (from !== null && to !== null && from > to)
    throw new ApiError('invalid_request', 'from must not be after to', 'from')
  // Digits only: `Number()` would also take "1e2", "0x10" and " 5".
  const limit = filter.limit === undefined ? 100 : /^\d{1,3}$/.test(filter.limit) ? Number(filter.limit) : NaN
  if (!Number.isInteger(limit) || limit < 1 || limit > 500)
    throw new ApiError('invalid_request', 'limit must be an integer from 1 to 500', 'limit')
  const affiliateId = await affiliateFilter(db, programId, filter.affiliate, asker)
  const rows = await listCommissionRows(db, programId, mode, {
    statuses: statuses as CommissionStatus[],
    ...(affiliateId ? { affiliateId } : {}),
    from,
    to,
    limit,
  })
  return rows.map(commissionJson)
}

export async function getCommission(
  db: D1Database,
  programId: string,
  mode: Mode,
  id: string,
): Promise<CommissionRecord & { history: CommissionHistoryEntry[] }> {
  const row = id.length <= 64 ? await findCommissionRow(db, programId, mode, id) : undefined
  if (!row) throw new ApiError('not_found', 'No commission with that id', 'id')
  return { ...commissionJson(row), history: await commissionHistory(db, programId, mode, id) }
}

export async function changeCommissionStatus(
  env: Env,
  programId: string,
  mode: Mode,
  commissionId: string,
  action: CommissionAction,
  reason?: string,
): Promise<{ commission: CommissionRecord }> {
  const result = await hubFor(env, programId).setCommissionStatus(
    { programId, mode, now: Date.now() },
    commissionId,
    action,
    reason,
  )
  if (!result.ok) throw new ApiError(result.code, result.message, result.field)
  return result.body
}

export type BulkResult =
  | { id: string; ok: true; commission: CommissionRecord }
  | { id: string; ok: false; error: { code: ErrorCode; message: string } }

/** Decides each commission in turn (each one by the hub); one refusal never stops the others. */
export async function changeMany(
  env: Env,
  programId: string,
  mode: Mode,
  ids: string[],
  action: CommissionAction,
  reason?: string,
): Promise<BulkResult[]> {
  const hub = hubFor(env, programId)
  const results: BulkResult[] = []
  for (const id of ids) {
    const res = await hub.setCommissionStatus({ programId, mode, now: Date.now() }, id, action, reason)
    results.push(
      res.ok
        ? { id, ok: true, commission: res.body.commission }
        : { id, ok: false, error: { code: res.code, message: res.message } },
    )
  }
  return results
}

export async function approveDue(
  env: Env,
  programId: string,
  mode: Mode,
  includePending: boolean,
): Promise<{ approved: number }> {
  const result = await hubFor(env, programId).approveDueCommissions(
    { programId, mode, now: Date.now() },
    includePending,
  )
  if (!result.ok) throw new ApiError(result.code, result.message, result.field)
  return result.body
}
