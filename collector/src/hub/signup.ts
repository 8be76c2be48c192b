/**
 * Plans a signup: attribute the customer once, for every later conversion, and pay a signup
 * reward (a kind `signup` commission) when the signup qualifies: the affiliate's own reward when
 * the founder set one, else the program's.
 */
import { checkSignup } from '../alerts/fraud-check'
import type { FraudMemory } from '../alerts/fraud-memory'
import { alertParts } from '../alerts/plan'
import { historyStmt } from '../commissions/history'
import { qb, toStmt } from '../db/builder'
import { commissions, signups } from '../db/schema'
import { mergeCustomer } from '../domain/attribution'
import { computeSignupReward } from '../domain/commissions'
import { newId } from '../lib/crypto'
import type { SignupBody } from '../lib/schemas'
import type { SignupResult } from '../shared'
import { customerStatement, rollupStatement } from './d1-writes'
import type { LocalStore } from './local-store'
import { type HubProgram, signupRewardFor } from './program-config'
import { resolveAttribution } from './resolve-attribution'
import type { EventContext, EventPlan, HubEvent, HubResult, TotalsChange } from './types'

export function planSignup(
  store: LocalStore,
  program: HubProgram,
  ctx: EventContext,
  input: SignupBody & { event_id: string; email_hash: string | null; email_disposable?: boolean },
  fraud?: FraudMemory,
): EventPlan<SignupResult> | HubResult<never> | { replayOf: string } {
  const existing = store.customer(ctx.mode, input.customer_id)
  if (existing?.signup_event_id) return { replayOf: existing.signup_event_id }

  const at = input.occurred_at ? Date.parse(input.occurred_at) : ctx.now
  const result = resolveAttribution(store, program, ctx.mode, existing, input, at)
  const { affiliate, sub } = result
  const id = newId('sgn')
  const iso = new Date(at).toISOString()
  const nowIso = new Date(ctx.now).toISOString()
  const body: SignupResult = {
    signup: {
      id,
      customer_id: input.customer_id,
      affiliate: result.affiliateRef,
    },
  }
  const statements = [
    toStmt(
      qb.insert(signups).values({
        id,
        programId: ctx.programId,
        mode: ctx.mode,
        eventId: input.event_id,
        customerId: input.customer_id,
        affiliateId: affiliate?.id ?? null,
        clickId: result.clickId,
        sub,
        occurredAt: iso,
        createdAt: nowIso,
      }),
    ),
    customerStatement({
      programId: ctx.programId,
      mode: ctx.mode,
      customerId: input.customer_id,
      affiliateId: affiliate?.id ?? null,
      clickId: result.clickId,
      sub,
      emailHash: input.email_hash,
      signedUpAt: iso,
      at: nowIso,
    }),
    rollupStatement(
      { programId: ctx.programId, mode: ctx.mode, affiliateId: affiliate?.id ?? null, sub, at, currency: '' },
      { signups: 1 },
    ),
  ]
  const totals: TotalsChange[] = [
    { mode: ctx.mode, affiliateId: affiliate?.id ?? null, currency: '', delta: { signups: 1 } },
  ]
  const events: HubEvent[] = [{ type: 'signup', mode: ctx.mode, at, affiliate: body.signup.affiliate }]
  // Fraud rules (alerts/fraud-check.ts): self-referral by email or by the affiliate's own browser,
  // duplicate customer, disposable email, paid-ad or flooding click. The reward waits for a person;
  // the customer's facts are kept for their later conversions; an alert goes to the founder.
  const verdict = fraud
    ? checkSignup(fraud, program, ctx.mode, ctx.now, input, affiliate, result.clickId)
    : null
  if (fraud && verdict) fraud.setCustomerFlags(ctx.mode, input.customer_id, verdict.flags)
  const selfReferral = verdict
    ? verdict.reason !== null
    : !!affiliate && !!input.email_hash && input.email_hash === affiliate.emailHash
  const rewardRule = affiliate ? signupRewardFor(program, affiliate) : null
  const reward = affiliate
    ? computeSignupReward({
        reward: rewardRule?.reward ?? null,
        affiliateOverride: rewardRule?.override ?? false,
        holdDays: program.settings.hold_days,
        at,
        clickAt: result.clickAt,
        flagged: selfReferral,
      })
    : null
  if (reward && affiliate) {
    const commissionId = newId('com')
    const reason = selfReferral ? (verdict?.reason ?? 'self_referral') : null
    statements.push(
      toStmt(
        qb.insert(commissions).values({
          id: commissionId,
          programId: ctx.programId,
          mode: ctx.mode,
          affiliateId: affiliate.id,
          conversionId: id,
          kind: 'signup',
          amount: reward.amount,
          originalAmount: reward.amount,
          currency: reward.currency,
          status: reward.status,
          reason,
          dueAt: new Date(reward.dueAt).toISOString(),
          rule: JSON.stringify(reward.rule),
          createdAt: nowIso,
          updatedAt: nowIso,
        }),
      ),
      historyStmt({
        programId: ctx.programId,
        mode: ctx.mode,
        commissionId,
        type: 'created',
        status: reward.status,
        amount: reward.amount,
        reason,
        actor: 'event',
        refId: id,
        at: ctx.now,
      }),
      rollupStatement(
        {
          programId: ctx.programId,
          mode: ctx.mode,
          affiliateId: affiliate.id,
          sub,
          at,
          currency: reward.currency,
        },
        { commission: reward.amount },
      ),
    )
    totals.push({
      mode: ctx.mode,
      affiliateId: affiliate.id,
      currency: reward.currency,
      delta: { commission: reward.amount },
    })
    events.push({
      type: 'commission',
      mode: ctx.mode,
      at,
      affiliate: body.signup.affiliate,
      amount: reward.amount,
      currency: reward.currency,
      status: reward.status,
    })
    body.signup.commission = {
      id: commissionId,
      amount: reward.amount,
      currency: reward.currency,
      status: reward.status,
    }
  }
  const flagged = alertParts(ctx, verdict?.alerts ?? [])
  statements.push(...flagged.statements)
  events.push(...flagged.events)
  return {
    statements,
    body,
    webhooks: [{ type: 'signup.created', data: body.signup }, ...flagged.webhooks],
    local: {
      customers: [
        {
          mode: ctx.mode,
          customer_id: input.customer_id,
          ...mergeCustomer(existing, {
            affiliate_id: affiliate?.id ?? null,
            click_id: result.clickId,
            click_at: result.clickAt,
            sub,
            email_hash: input.email_hash,
            first_conversion_at: null,
            signup_event_id: input.event_id,
          }),
        },
      ],
      totals,
    },
    events,
  }
}
