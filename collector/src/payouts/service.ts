/**
 * What the payout API and the dashboard's payouts page both do, in one place: validate, ask the
 * program's hub to decide, read the payout back, and build its files. Routes only authenticate
 * and scope (program, mode).
 */
import type { Context } from 'hono'
import { z } from 'zod'
import { normalizeCurrency } from '../domain/money'
import { type Env, hubFor } from '../lib/env'
import { ApiError } from '../lib/errors'
import { MAX_FUTURE_MS, parseInstant } from '../lib/schemas'
import { parseWith, readJson } from '../lib/validate'
import type { Mode, PayoutRecord } from '../shared'
import { findPayout, listPayouts } from './data'
import { exportCsv, payoutCurrencies, paypalCsv } from './files'

const periodEnd = z
  .string({ error: 'must be an ISO 8601 date or date-time' })
  .max(40, 'must be an ISO 8601 date or date-time')
  .transform((value, ctx) => {
    const ms = parseInstant(value, 'end')
    if (ms === null) {
      ctx.addIssue({
        code: 'custom',
        message:
          'must be an ISO 8601 date (2026-11-30, its end in UTC) or date-time with a zone (2026-11-30T23:59:59Z)',
      })
      return z.NEVER
    }
    if (ms > Date.now() + MAX_FUTURE_MS) {
      ctx.addIssue({ code: 'custom', message: 'must not be more than a day in the future' })
      return z.NEVER
    }
    return ms
  })

/** The body is optional: no body at all means `{}`. */
export async function optionalJson(c: Context): Promise<unknown> {
  const req = c.req.raw
  if (req.body === null || req.headers.get('content-length') === '0') return {}
  return readJson(c)
}

export const payoutInput = z.strictObject({ period_end: periodEnd.optional() })

const LIST_MAX = 50

export async function createPayout(
  env: Env,
  programId: string,
  mode: Mode,
  body: unknown,
): Promise<{ status: 200 | 201; payout: PayoutRecord | null }> {
  const input = parseWith(payoutInput, body)
  const now = Date.now()
  // Nothing can be created after now, so a later period end is now.
  const end = Math.min(input.period_end ?? now, now)
  const result = await hubFor(env, programId).createPayout({ programId, mode, now }, end)
  if (!result.ok) throw new ApiError(result.code, result.message, result.field)
  if (!result.body.payout_id) return { status: 200, payout: null }
  return { status: 201, payout: await getPayout(env.DB, programId, mode, result.body.payout_id) }
}

export async function markPayoutPaid(
  env: Env,
  programId: string,
  mode: Mode,
  payoutId: string,
): Promise<PayoutRecord> {
  const result = await hubFor(env, programId).markPayoutPaid({ programId, mode, now: Date.now() }, payoutId)
  if (!result.ok) throw new ApiError(result.code, result.message, result.field)
  return getPayout(env.DB, programId, mode, payoutId)
}

export async function getPayout(
  db: D1Database,
  programId: string,
  mode: Mode,
  payoutId: string,
): Promise<PayoutRecord> {
  const payout = payoutId.length <= 64 ? await findPayout(db, programId, mode, payoutId) : null
  if (!payout) throw new ApiError('not_found', 'No payout with that id', 'id')
  return payout
}

export function parseLimit(value: string | undefined): number {
  if (value === undefined || value === '') return 20
  const n = /^\d{1,3}$/.test(value) ? Number(value) : Number.NaN
  if (!Number.isInteger(n) || n < 1 || n > LIST_MAX)
    throw new ApiError('invalid_request', `limit must be an integer from 1 to ${LIST_MAX}`, 'limit')
  return n
}

export function payoutList(db: D1Database, programId: string, mode: Mode, limit?: string) {
  return listPayouts(db, programId, mode, parseLimit(limit))
}

/** The PayPal file of one currency: `currency` may be omitted when the payout holds only one. */
export function paypalFile(
  payout: PayoutRecord,
  currency: string | undefined,
): { name: string; body: string } {
  const held = payoutCurrencies(payout)
  let cur: string | undefined
  if (currency === undefined || currency === '') {
    if (held.length > 1) {
      throw new ApiError(
        'invalid_request',
        `This payout holds ${held.join(', ')}: choose one with ?currency= (PayPal takes one currency per file)`,
        'currency',
      )
    }
    cur = held[0]
  } else {
    cur = currency.length === 3 ? (normalizeCurrency(currency) ?? undefined) : undefined
    if (!cur) throw new ApiError('invalid_request', 'currency must be a 3-letter ISO 4217 code', 'currency')
    if (!held.includes(cur))
      throw new ApiError(
        'invalid_request',
        `This payout holds no ${cur} (it holds ${held.join(', ')})`,
        'currency',
      )
  }
  return { name: `payout-${payout.id}-${cur}-paypal.csv`, body: paypalCsv(payout, cur ?? '') }
}

export function exportFile(payout: PayoutRecord): { name: string; body: string } {
  return { name: `payout-${payout.id}.csv`, body: exportCsv(payout) }
}
