/** zod schemas for every request body of the v1 API. */
import { z } from 'zod'
import { MAX_AMOUNT, normalizeCurrency } from '../domain/money'

export const currency = z
  .string()
  .length(3, 'must be a 3-letter ISO 4217 code')
  .transform((code, ctx) => {
    const normalized = normalizeCurrency(code)
    if (!normalized) {
      ctx.addIssue({ code: 'custom', message: `unknown currency "${code}"` })
      return z.NEVER
    }
    return normalized
  })

const amount = z
  .number({ error: 'must be an integer amount in minor units' })
  .int('must be an integer amount in minor units')
  .positive('must be greater than 0')
  .max(MAX_AMOUNT, `must be at most ${MAX_AMOUNT}`)

const id = (max = 255) =>
  z.string().trim().min(1, 'must not be empty').max(max, `must be at most ${max} characters`)
const eventId = id(255)
const timestamp = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time' })
const clickId = z.string().regex(/^[A-Za-z0-9_-]{16,64}$/, 'must be 16–64 URL-safe characters')
const code = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'must be 1–64 letters, digits, "-" or "_"')

export const commissionRule = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('percent'),
    percent: z
      .number()
      .min(0)
      .max(100)
      .refine((p) => Math.abs(p * 100 - Math.round(p * 100)) < 1e-9, 'at most two decimals'),
  }),
  z.object({ type: z.literal('flat'), amount: z.number().int().min(0).max(MAX_AMOUNT), currency }),
])

export const programInput = z.object({
  name: id(200),
  currency: currency.default('USD'),
  cookie_days: z.number().int().min(1).max(400).default(30),
  attribution: z.enum(['last_click', 'first_click']).default('last_click'),
  commission: commissionRule.default({ type: 'percent', percent: 30 }),
  recurring_months: z.number().int().min(0).max(1200).nullable().default(null),
  hold_days: z.number().int().min(0).max(365).default(30),
  bonus: z
    .object({
      amount: z.number().int().positive().max(MAX_AMOUNT),
      currency,
      within_hours: z.number().int().min(1).max(8760),
    })
    .nullable()
    .default(null),
  landing_url: z
    .url({ protocol: /^https?$/ })
    .nullable()
    .default(null),
  allowed_origins: z
    .array(z.url({ protocol: /^https?$/ }))
    .max(50)
    .default([]),
})

export const affiliateInput = z.object({
  name: id(200),
  email: z.email(),
  code: code.optional(),
  commission: commissionRule.nullable().optional(),
})

export const affiliatePatch = z.object({
  name: id(200).optional(),
  email: z.email().optional(),
  commission: commissionRule.nullable().optional(),
  status: z.enum(['active', 'disabled']).optional(),
})

/** Cuts an over-long descriptive field instead of losing the click over it. */
const clipped = (max: number) => z.string().transform((s) => s.slice(0, max))

/**
 * A click comes from a visitor's browser: the fields that decide attribution are strict, the
 * descriptive ones are clipped, and a malformed `prev_click_id` (say, from a crafted link) is
 * dropped rather than costing the click.
 */
export const clickInput = z.object({
  key: z.string().min(1),
  click_id: clickId.optional(),
  prev_click_id: clickId.optional().catch(undefined),
  ref: z.string().trim().min(1).max(64),
  url: clipped(2048).default(''),
  referrer: clipped(2048).optional(),
  sub: clipped(128).optional(),
})

export const signupInput = z.object({
  event_id: eventId.optional(),
  customer_id: id(255),
  click_id: clickId.optional(),
  ref: z.string().trim().min(1).max(64).optional(),
  email: z.email().max(320).optional(),
  occurred_at: timestamp.optional(),
})

export const conversionInput = z.object({
  event_id: eventId,
  customer_id: id(255).optional(),
  click_id: clickId.optional(),
  ref: z.string().trim().min(1).max(64).optional(),
  amount,
  currency,
  occurred_at: timestamp.optional(),
  metadata: z
    .record(z.string().max(64), z.union([z.string().max(1024), z.number(), z.boolean(), z.null()]))
    .optional(),
})

export const refundInput = z.object({
  event_id: eventId,
  conversion_event_id: eventId,
  amount: amount.optional(),
})

export type ProgramInput = z.infer<typeof programInput>
export type AffiliateInput = z.infer<typeof affiliateInput>
export type ClickBody = z.infer<typeof clickInput>
export type SignupBody = z.infer<typeof signupInput>
export type ConversionBody = z.infer<typeof conversionInput>
export type RefundBody = z.infer<typeof refundInput>
