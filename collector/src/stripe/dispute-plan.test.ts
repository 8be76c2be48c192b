/** The dispute planner as a pure function of the commission and the dispute's stored state. */
import { describe, expect, it } from 'vitest'
import type { CommissionStatus } from '../shared'
import { type DisputeInput, type DisputeState, planDispute } from './dispute-plan'

const ctx = { programId: 'prg_1', mode: 'live' as const, now: Date.UTC(2026, 0, 10) }
const input = (step: DisputeInput['step']): DisputeInput => ({
  event_id: `dispute:dp_1:${step}`,
  dispute_id: 'dp_1',
  conversion_event_id: 'in_1',
  step,
})
const commission = (status: CommissionStatus, o: Partial<NonNullable<DisputeState['commission']>> = {}) => ({
  id: 'com_1',
  affiliate_id: 'aff_1',
  affiliate_code: 'jane',
  affiliate_name: 'Jane',
  conversion_id: 'cnv_1',
  kind: 'conversion' as const,
  original_amount: 980,
  due_at: '2026-02-01T00:00:00.000Z',
  created_at: '2026-01-01T00:00:00.000Z',
  updated_at: '2026-01-01T00:00:00.000Z',
  amount: 980,
  clawed_back: 0,
  currency: 'USD',
  status,
  reason: null,
  sub: null,
  ...o,
})
const open = (previous: CommissionStatus) => ({
  status: 'open' as const,
  previous_status: previous,
  previous_reason: null,
})

describe('planDispute', () => {
  it('puts a pending commission on hold and remembers it was pending', () => {
    const plan = planDispute(ctx, input('open'), { commission: commission('pending'), dispute: null })
    expect(plan.body.dispute.commission).toMatchObject({ status: 'on_hold', amount: 980 })
    expect(plan.statements[0]?.params).toContain('pending')
    expect(plan.statements[1]?.sql).toMatch(/status = 'on_hold', reason = 'dispute'/)
    expect(plan.local.totals ?? []).toEqual([])
    expect(plan.events).toMatchObject([{ type: 'commission', status: 'on_hold' }])
    expect(plan.webhooks).toMatchObject([
      {
        type: 'commission.updated',
        data: { commission: { id: 'com_1', status: 'on_hold', reason: 'dispute' } },
      },
    ])
  })

  it('plans nothing for an opening it has already seen', () => {
    const plan = planDispute(ctx, input('open'), {
      commission: commission('on_hold', { reason: 'dispute' }),
      dispute: open('pending'),
    })
    expect(plan.statements).toEqual([])
    expect(plan.events).toEqual([])
  })

  it('reverses a held commission when the dispute is lost and lowers the totals by its amount', () => {
    const plan = planDispute(ctx, input('lost'), {
      commission: commission('on_hold', { reason: 'dispute', amount: 780 }),
      dispute: open('approved'),
    })
    expect(plan.body.dispute.commission).toMatchObject({ status: 'reversed', amount: 0 })
    expect(plan.local.totals).toEqual([
      { mode: 'live', affiliateId: 'aff_1', currency: 'USD', delta: { commission: -780 } },
    ])
  })

  it('claws back what is left of a commission already paid when the dispute is lost', () => {
    const plan = planDispute(ctx, input('lost'), {
      commission: commission('paid', { clawed_back: -200 }),
      dispute: open('paid'),
    })
    expect(plan.body.dispute.commission).toMatchObject({ amount: -780, status: 'approved' })
    expect(plan.statements.some((s) => /'clawback'/.test(s.sql))).toBe(true)
    expect(plan.local.totals?.[0]?.delta).toEqual({ commission: -780 })
  })

  it('restores the status and reason from before the dispute when it is won', () => {
    const plan = planDispute(ctx, input('won'), {
      commission: commission('on_hold', { reason: 'dispute' }),
      dispute: { status: 'open', previous_status: 'on_hold', previous_reason: 'self_referral' },
    })
    expect(plan.body.dispute.commission).toMatchObject({ status: 'on_hold' })
    const restore = plan.statements.find((s) => s.sql.startsWith('UPDATE commissions'))
    expect(restore?.params.slice(0, 2)).toEqual(['on_hold', 'self_referral'])
    expect(plan.local.totals ?? []).toEqual([])
  })

  it('does not close a dispute twice (a won dispute redelivered as lost changes nothing)', () => {
    const plan = planDispute(ctx, input('lost'), {
      commission: commission('pending'),
      dispute: { status: 'won', previous_status: 'pending', previous_reason: null },
    })
    expect(plan.statements).toEqual([])
    expect(plan.local).toEqual({})
  })

  it('leaves a reversed commission alone', () => {
    const plan = planDispute(ctx, input('open'), {
      commission: commission('reversed', { amount: 0 }),
      dispute: null,
    })
    expect(plan.body.dispute.commission).toMatchObject({ status: 'reversed' })
    expect(plan.statements.every((s) => !s.sql.startsWith('UPDATE commissions'))).toBe(true)
  })
})
