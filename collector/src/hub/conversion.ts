/** Plans a conversion: attribute it, compute the commission, and count the revenue. */
import { computeCommission } from '../domain/commissions'
import { newId } from '../lib/crypto'
import type { ConversionBody } from '../lib/schemas'
import type { ConversionResult } from '../shared'
import { customerStatement, rollupStatement } from './d1-writes'
import type { LocalStore } from './local-store'
import { commissionPlan, type HubProgram } from './program-config'
import { resolveAttribution } from './resolve-attribution'
import type { EventContext, EventPlan, HubEvent } from './types'

export function planConversion(
  db: D1Database,
  store: LocalStore,
  program: HubProgram,
  ctx: EventContext,
  input: ConversionBody,
): EventPlan<ConversionResult> {
  const at = input.occurred_at ? Date.parse(input.occurred_at) : ctx.now
  const customer = input.customer_id ? store.customer(ctx.mode, input.customer_id) : null
  const result = resolveAttribution(store, program, ctx.mode, customer, input, at)
  const { affiliate, affiliateRef: affRef, sub } = result
  const firstConversionAt = customer?.first_conversion_at ?? null

  // Self-referral: the customer's email is the affiliate's own. The commission waits for a person.
  const selfReferral = !!affiliate && !!customer?.email_hash && customer.email_hash === affiliate.emailHash
  const decision = affiliate
    ? computeCommission({
        plan: commissionPlan(program, affiliate),
        amount: input.amount,
        currency: input.currency,
        at,
        firstConversionAt,
        clickAt: result.clickAt,
        flagged: selfReferral,
      })
    : null

  const id = newId('cnv')
  const commissionId = decision ? newId('com') : null
  const iso = new Date(at).toISOString()
  const nowIso = new Date(ctx.now).toISOString()
  const body: ConversionResult = {
    conversion: {
      id,
      event_id: input.event_id,
      affiliate: affRef,
      commission:
        decision && commissionId
          ? {
              id: commissionId,
              amount: decision.amount,
              currency: decision.currency,
              status: decision.status,
            }
          : null,
    },
  }
  const key = { programId: ctx.programId, mode: ctx.mode, affiliateId: affiliate?.id ?? null, sub, at }
  const statements = [
    db
      .prepare(
        `INSERT INTO conversions (id, program_id, mode, event_id, customer_id, affiliate_id, click_id, sub, amount, currency, metadata, occurred_at, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .bind(
        id,
        ctx.programId,
        ctx.mode,
        input.event_id,
        input.customer_id ?? null,
        affiliate?.id ?? null,
        customer?.click_id ?? result.clickId,
        sub,
        input.amount,
        input.currency,
        input.metadata ? JSON.stringify(input.metadata) : null,
        iso,
        nowIso,
      ),
    rollupStatement(db, { ...key, currency: input.currency }, { conversions: 1, revenue: input.amount }),
  ]
  if (input.customer_id) {
    statements.push(
      customerStatement(db, {
        programId: ctx.programId,
        mode: ctx.mode,
        customerId: input.customer_id,
        affiliateId: affiliate?.id ?? null,
        clickId: result.clickId,
        sub,
        firstConversionAt: iso,
        at: nowIso,
      }),
    )
  }
  if (decision && commissionId && affiliate) {
    statements.push(
      db
        .prepare(
          `INSERT INTO commissions (id, program_id, mode, affiliate_id, conversion_id, kind, amount, original_amount, bonus, currency, status, reason, due_at, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, 'conversion', ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .bind(
          commissionId,
          ctx.programId,
          ctx.mode,
          affiliate.id,
          id,
          decision.amount,
          decision.amount,
          decision.bonus,
          decision.currency,
          decision.status,
          selfReferral ? 'self_referral' : null,
          new Date(decision.dueAt).toISOString(),
          nowIso,
          nowIso,
        ),
      rollupStatement(db, { ...key, currency: decision.currency }, { commission: decision.amount }),
    )
  }
  const events: HubEvent[] = [
    {
      type: 'conversion',
      mode: ctx.mode,
      at,
      affiliate: affRef,
      amount: input.amount,
      currency: input.currency,
    },
  ]
  if (decision) {
    events.push({
      type: 'commission',
      mode: ctx.mode,
      at,
      affiliate: affRef,
      amount: decision.amount,
      currency: decision.currency,
      status: decision.status,
    })
  }
  if (selfReferral) {
    events.push({
      type: 'alert',
      mode: ctx.mode,
      at,
      affiliate: affRef,
      message: `Self-referral: customer ${input.customer_id} has the affiliate's own email; commission put on hold`,
    })
  }
  return {
    statements,
    body,
    events,
    commit: () => {
      if (input.customer_id) {
        store.saveCustomer({
          mode: ctx.mode,
          customer_id: input.customer_id,
          affiliate_id: customer?.affiliate_id ?? affiliate?.id ?? null,
          click_id: customer?.click_id ?? result.clickId,
          click_at: customer?.click_at ?? result.clickAt,
          sub,
          email_hash: customer?.email_hash ?? null,
          first_conversion_at: firstConversionAt ?? at,
          signup_event_id: customer?.signup_event_id ?? null,
        })
      }
      store.addTotals(ctx.mode, affiliate?.id ?? null, input.currency, {
        conversions: 1,
        revenue: input.amount,
      })
      if (decision)
        store.addTotals(ctx.mode, affiliate?.id ?? null, decision.currency, { commission: decision.amount })
    },
  }
}
