/**
 * The document's entries for payouts (payouts/routes.ts): the request body is the capability's
 * own validator; the answers are checked against shared.ts's PayoutRecord at compile time.
 */
import { z } from 'zod'
import { payoutInput } from '../payouts/service'
import type { PayoutRecord } from '../shared'
import { describeRoute } from './registry'

type Fits<T, S extends z.ZodType> = [T] extends [z.output<S>] ? true : false
function fits<_T extends true>(): void {}

export const payout = z.object({
  id: z.string(),
  status: z.enum(['pending', 'paid']),
  period_end: z.string(),
  created_at: z.string(),
  paid_at: z.string().nullable(),
  items: z.array(
    z.object({
      affiliate: z.object({
        id: z.string(),
        code: z.string(),
        name: z.string(),
        email: z.string().nullable(),
      }),
      currency: z.string(),
      amount: z.number().int(),
      commission_ids: z.array(z.string()),
    }),
  ),
  totals: z.record(z.string(), z.number().int()),
})
fits<Fits<PayoutRecord, typeof payout>>()

const one = z.object({ payout })
const csv = (description: string) => ({ description, schema: z.string(), contentType: 'text/csv' })
const id = { id: 'The payout id' }

describeRoute(
  {
    method: 'post',
    path: '/v1/payouts',
    tag: 'payouts',
    auth: 'secret',
    summary: 'Gather the approved commissions up to period_end into a payout',
    body: payoutInput,
    bodyOptional: true,
    responses: {
      201: { description: 'The new payout', schema: one },
      200: {
        description: 'Nothing is due: `{"payout": null}`',
        schema: z.object({ payout: payout.nullable() }),
      },
    },
  },
  {
    method: 'get',
    path: '/v1/payouts',
    tag: 'payouts',
    auth: 'secret',
    summary: 'Payouts, newest first',
    query: z.object({ limit: z.string().optional().describe('How many, at most') }),
    responses: { 200: { description: 'The payouts', schema: z.object({ payouts: z.array(payout) }) } },
    errors: [400],
  },
  {
    method: 'get',
    path: '/v1/payouts/:id',
    tag: 'payouts',
    auth: 'secret',
    summary: 'One payout',
    params: id,
    responses: { 200: { description: 'The payout', schema: one } },
    errors: [404],
  },
  {
    method: 'post',
    path: '/v1/payouts/:id/paid',
    tag: 'payouts',
    auth: 'secret',
    summary: 'Mark a payout and its commissions paid (idempotent); sends payout.paid',
    params: id,
    responses: { 200: { description: 'The paid payout', schema: one } },
    errors: [400, 404],
  },
  {
    method: 'get',
    path: '/v1/payouts/:id/paypal.csv',
    tag: 'payouts',
    auth: 'secret',
    summary: "PayPal Payouts' upload file, one currency",
    params: id,
    query: z.object({
      currency: z.string().optional().describe('Required when the payout holds several currencies'),
    }),
    responses: { 200: csv('No header row: email, amount, currency, affiliate id, note') },
    errors: [400, 404],
  },
  {
    method: 'get',
    path: '/v1/payouts/:id/export.csv',
    tag: 'payouts',
    auth: 'secret',
    summary: 'The payout as a spreadsheet, with a header row',
    params: id,
    responses: {
      200: csv('affiliate_id,affiliate_code,name,email,currency,amount,amount_minor,commission_ids'),
    },
    errors: [404],
  },
)
