/**
 * One reconciliation of a program's mode over a range: reads Stripe with the mode's restricted
 * key and D1, then compares (compare.ts). Shared by `GET /v1/reconciliation` (a fresh run on every
 * call) and the Health page (panel-data.ts, which keeps its result for a few minutes).
 */
import type { Env } from '../lib/env'
import { ApiError } from '../lib/errors'
import { queryTime } from '../lib/validate'
import type { Mode } from '../shared'
import { getIntegration } from '../stripe/data'
import { invoiceCustomers, invoicesToLookUp, type ReconciliationLists, reconcile } from './compare'
import {
  heldInvoiceIds,
  invoiceConversions,
  MAX_ROWS,
  recordedConversionIds,
  referredCustomers,
  refundsAfterPayout,
} from './data'
import { MAX_LOOKUPS, stripeReader } from './stripe-api'

export const DAY_MS = 86_400_000
export const DEFAULT_DAYS = 30
export const MAX_DAYS = 93

export interface ReconciliationRange {
  from: number
  to: number
}

export interface Reconciliation extends ReconciliationLists {
  from: string
  to: string
  /** True when a bound was reached (2,000 invoices or rows, 100 single lookups): the lists are partial. */
  truncated: boolean
}

/** `?from&to`: ISO dates or date-times; default the last 30 days; at most 93 days. */
export function reconciliationRange(
  query: { from?: string | undefined; to?: string | undefined },
  now: number,
): ReconciliationRange {
  const from = queryTime(query.from, 'from', 'start')
  const to = queryTime(query.to, 'to', 'end') ?? now
  const start = from ?? to - DEFAULT_DAYS * DAY_MS
  if (start > to) throw new ApiError('invalid_request', 'from must not be after to', 'from')
  if (to - start > MAX_DAYS * DAY_MS)
    throw new ApiError('invalid_request', `from must be at most ${MAX_DAYS} days before to`, 'from')
  return { from: start, to }
}

/** The field naming the restricted key of a mode, in answers and errors. */
export function restrictedKeyField(mode: Mode): 'restricted_key' | 'test_restricted_key' {
  return mode === 'live' ? 'restricted_key' : 'test_restricted_key'
}

/** The stored restricted key of the mode, or null when there is none. */
export async function restrictedKeyOf(env: Env, programId: string, mode: Mode): Promise<string | null> {
  const row = await getIntegration(env.DB, programId)
  return (mode === 'live' ? row?.restrictedKey : row?.testRestrictedKey) ?? null
}

/** A fresh reconciliation with the mode's stored restricted key; never kept (`GET /v1/reconciliation`). */
export async function runReconciliation(
  env: Env,
  programId: string,
  mode: Mode,
  range: ReconciliationRange,
): Promise<Reconciliation> {
  const field = restrictedKeyField(mode)
  const key = await restrictedKeyOf(env, programId, mode)
  if (!key) {
    throw new ApiError(
      'conflict',
      `No ${mode === 'live' ? 'live' : 'test-mode'} restricted key is stored: PUT /v1/integrations/stripe with ${field} (a read-only Stripe key, ${mode === 'live' ? 'rk_live_' : 'rk_test_'}…) to reconcile`,
      field,
    )
  }
  return reconcileWithKey(env, programId, mode, key, range)
}

/** A reconciliation with the given restricted key of the mode (the caller has read it from D1). */
export async function reconcileWithKey(
  env: Env,
  programId: string,
  mode: Mode,
  key: string,
  range: ReconciliationRange,
): Promise<Reconciliation> {
  const field = restrictedKeyField(mode)
  const scope = { programId, mode }
  const window = { from: new Date(range.from).toISOString(), to: new Date(range.to).toISOString() }
  const stripe = await stripeReader(env, key, field)
  const [listed, conversions, refunds] = await Promise.all([
    stripe.paidInvoices(range.from, range.to),
    invoiceConversions(env.DB, scope, window),
    refundsAfterPayout(env.DB, scope, window),
  ])
  const ids = listed.invoices.map((i) => i.id)
  const toLookUp = invoicesToLookUp(conversions.slice(0, MAX_ROWS), listed.invoices)
  const [referred, recorded, held, lookedUp] = await Promise.all([
    referredCustomers(env.DB, scope, invoiceCustomers(listed.invoices)),
    recordedConversionIds(env.DB, scope, ids),
    heldInvoiceIds(env.DB, scope, ids),
    stripe.invoicesById(toLookUp),
  ])
  const lists = reconcile({
    mode,
    invoices: listed.invoices,
    lookedUp,
    referred,
    recorded,
    held,
    conversions: conversions.slice(0, MAX_ROWS),
    refunds: refunds.slice(0, MAX_ROWS),
  })
  return {
    from: window.from,
    to: window.to,
    ...lists,
    truncated:
      listed.truncated ||
      conversions.length > MAX_ROWS ||
      refunds.length > MAX_ROWS ||
      toLookUp.length > MAX_LOOKUPS,
  }
}
