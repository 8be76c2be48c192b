/**
 * The affiliate page's data module: one affiliate of a program, and the founder's changes to it
 * from the dashboard (status, commission override, signup reward, promotion codes). Each change tells the hub
 * to reload, as `PATCH /v1/affiliates/:id` does, and disabling closes the affiliate's sockets.
 */
import { and, eq } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/d1'
import { affiliates } from '../db/schema'
import { affiliateTag } from '../hub/live'
import { closeSockets } from '../hub/sockets'
import { type Env, hubFor } from '../lib/env'
import type { CommissionRule, SignupReward } from '../shared'
import { assertPromoCodesFree, replacePromoCodes } from '../stripe/promo-codes'

export type AffiliateRow = typeof affiliates.$inferSelect

export async function findProgramAffiliate(
  db: D1Database,
  programId: string,
  id: string,
): Promise<AffiliateRow | undefined> {
  return drizzle(db)
    .select()
    .from(affiliates)
    .where(and(eq(affiliates.programId, programId), eq(affiliates.id, id)))
    .get()
}

export interface AffiliateChange {
  status?: 'active' | 'disabled'
  /** null clears the override (the program's rule applies). */
  commission?: CommissionRule | null
  /** null: the program's signup reward applies; amount 0: none for this affiliate. */
  signupReward?: SignupReward | null
  promoCodes?: string[]
}

export async function changeAffiliate(env: Env, row: AffiliateRow, change: AffiliateChange): Promise<void> {
  if (change.promoCodes) await assertPromoCodesFree(env.DB, row.programId, change.promoCodes, row.id)
  const set: Partial<AffiliateRow> = { updatedAt: new Date().toISOString() }
  if (change.status) set.status = change.status
  if (change.commission !== undefined)
    set.commission = change.commission ? JSON.stringify(change.commission) : null
  if (change.signupReward !== undefined)
    set.signupReward = change.signupReward ? JSON.stringify(change.signupReward) : null
  await drizzle(env.DB).update(affiliates).set(set).where(eq(affiliates.id, row.id))
  if (change.promoCodes) await replacePromoCodes(env.DB, row.programId, row.id, change.promoCodes)
  await hubFor(env, row.programId).invalidate()
  if (change.status === 'disabled' && row.status === 'active')
    await closeSockets(env, row.programId, affiliateTag(row.id))
}
