/**
 * zod schemas for every request body of the v1 API, and the date-time rules shared with the
 * query parsers. Every object is strict: a field the contract does not list is a 400 naming it,
 * never silently dropped (a typo such as `amount_cents` would otherwise be a quiet no-op).
 */
import { z } from 'zod'
import { MAX_AMOUNT, normalizeCurrency } from '../domain/money'
import { promoCodeString, promoCodesInput } from '../stripe/promo-codes'

/**
 * The times the collector accepts anywhere: from 2000-01-01 to the end of year 9999. Older or
 * later instants are typos or attacks, and past ±8.64e15 ms a JavaScript Date cannot even print
 * itself (`toISOString` throws), so nothing outside this range gets past validation.
 */
export const MIN_TIME = Date.UTC(2000, 0, 1)
export const MAX_TIME = Date.UTC(9999, 11, 31, 23, 59, 59, 999)
/** A money event may be dated a little ahead of the collector's clock (clock skew), no more. */
export const MAX_FUTURE_MS = 86_400_000

const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-](\d{2}):(\d{2}))$/i
const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/

function validDate(y: number, m: number, d: number): boolean {
  const t = new Date(Date.UTC(y, m - 1, d))
  return t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d
}

/**
 * Milliseconds of an ISO 8601 date-time with a zone (`2025-03-01T12:00:00Z`, `…+01:00`), or of
 * a calendar date when `dateOnly` says which end of the UTC day it stands for; null for anything
 * else: other formats (`Date.parse` takes "March 7" and "1"), impossible dates (30 February, hour
 * 25) and instants outside MIN_TIME…MAX_TIME.
 */
export function parseInstant(value: string, dateOnly?: 'start' | 'end'): number | null {
  let ms: number
  const date = dateOnly ? DATE_ONLY.exec(value) : null
  if (date) {
    const [y, m, d] = [Number(date[1]), Number(date[2]), Number(date[3])]
    if (!validDate(y, m, d)) return null
    ms = Date.UTC(y, m - 1, d) + (dateOnly === 'end' ? 86_400_000 - 1 : 0)
  } else {
    const t = DATE_TIME.exec(value)
    if (!t) return null
    const [y, mo, d, h, mi, s] = [1, 2, 3, 4, 5, 6].map((i) => Number(t[i] ?? 0)) as number[]
    if (!validDate(y!, mo!, d!) || h! > 23 || mi! > 59 || s! > 59) return null
    const offH = Number(t[9] ?? 0)
    const offM = Number(t[10] ?? 0)
    if (offH > 23 || offM > 59) return null
    const frac = Number(`0.${t[7] ?? '0'}`)
    const sign = t[8]?.startsWith('-') ? -1 : 1
    ms = Date.UTC(y!, mo! - 1, d!, h, mi, s) + Math.floor(frac * 1000) - sign * (offH * 60 + offM) * 60_000
  }
  return ms >= MIN_TIME && ms <= MAX_TIME ? ms : null
}

const RANGE = 'between 2000-01-01 and 9999-12-31'

/** An ISO 8601 date-time with a zone, inside the accepted range and at most a day ahead of now. */
const occurredAt = z
  .string({ error: 'must be an ISO 8601 date-time such as 2025-03-01T12:00:00Z' })
  .max(40, 'must be an ISO 8601 date-time such as 2025-03-01T12:00:00Z')
  .superRefine((value, ctx) => {
    const ms = parseInstant(value)
    if (ms === null) {
      ctx.addIssue({
        code: 'custom',
        message: `must be an ISO 8601 date-time with a zone (such as 2025-03-01T12:00:00Z), ${RANGE}`,
      })
    } else if (ms > Date.now() + MAX_FUTURE_MS) {
      ctx.addIssue({ code: 'custom', message: 'must not be more than a day in the future' })
    }
  })

/** ISO 4217, three letters in either case (Stripe sends lower case), stored upper case. */
export const currency = z
  .string({ error: 'must be a 3-letter ISO 4217 code' })
  .regex(/^[A-Za-z]{3}$/, 'must be a 3-letter ISO 4217 code')
  .transform((code, ctx) => {
    const normalized = normalizeCurrency(code)
    if (!normalized) {
      ctx.addIssue({ code: 'custom', message: `unknown currency "${code}"` })
      return z.NEVER
    }
    return normalized
  })

/** Minor units (cents): an integer, never a float, from 1 to MAX_AMOUNT. */
const amount = z
  .number({ error: 'must be an integer amount in minor units' })
  .int('must be an integer amount in minor units')
  .positive('must be greater than 0')
  .max(MAX_AMOUNT, `must be at most ${MAX_AMOUNT}`)

const id = (max = 255) =>
  z
    .string({ error: 'must be a string' })
    .trim()
    .min(1, 'must not be empty')
    .max(max, `must be at most ${max} characters`)
const eventId = id(255)
const clickId = z
  .string({ error: 'must be a string' })
  .regex(/^[A-Za-z0-9_-]{16,64}$/, 'must be 16–64 URL-safe characters')
const code = z
  .string({ error: 'must be a string' })
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'must be 1–64 letters, digits, "-" or "_"')
const ref = z.string({ error: 'must be a string' }).trim().min(1, 'must not be empty').max(64)
const email = z.email({ error: 'must be an email address' }).max(320, 'must be at most 320 characters')
const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).max(2048)

export const commissionRule = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('percent'),
    percent: z
      .number({ error: 'must be a number from 0 to 100' })
      .min(0)
      .max(100)
      .refine((p) => Math.abs(p * 100 - Math.round(p * 100)) < 1e-9, 'at most two decimals'),
  }),
  z.strictObject({
    type: z.literal('flat'),
    amount: z.number().int('must be an integer amount in minor units').min(0).max(MAX_AMOUNT),
    currency,
  }),
])

/**
 * `{<CUR>: minor units}`: the smallest payout per currency. Keys are ISO 4217 codes in either
 * case (stored upper case); at most one entry per currency, so the object stays small.
 */
const minPayout = z
  .record(
    z.string().max(3, 'keys must be 3-letter ISO 4217 codes'),
    z
      .number({ error: 'must be an integer amount in minor units' })
      .int('must be an integer amount in minor units')
      .min(0, 'must be 0 or more')
      .max(MAX_AMOUNT, `must be at most ${MAX_AMOUNT}`),
    { error: 'must be an object of currency codes to amounts in minor units' },
  )
  .transform((value, ctx) => {
    const out: Record<string, number> = {}
    for (const [code, minor] of Object.entries(value)) {
      const cur = normalizeCurrency(code)
      if (!cur || !/^[A-Za-z]{3}$/.test(code)) {
        ctx.addIssue({ code: 'custom', message: `unknown currency "${code}"`, path: [code] })
        return z.NEVER
      }
      if (cur in out) {
        ctx.addIssue({ code: 'custom', message: `${cur} is listed twice`, path: [code] })
        return z.NEVER
      }
      out[cur] = minor
    }
    return out
  })

/** An ISO 8601 date-time with a zone, any instant in the accepted range, stored as UTC ISO. */
const settingsInstant = z
  .string({ error: 'must be an ISO 8601 date-time such as 2025-03-01T12:00:00Z' })
  .max(40, 'must be an ISO 8601 date-time such as 2025-03-01T12:00:00Z')
  .transform((value, ctx) => {
    const ms = parseInstant(value)
    if (ms === null) {
      ctx.addIssue({ code: 'custom', message: `must be an ISO 8601 date-time with a zone, ${RANGE}` })
      return z.NEVER
    }
    return new Date(ms).toISOString()
  })

export const MAX_PROMOTIONS = 50
export const MAX_PROMOTION_AFFILIATES = 100

const signupReward = z.strictObject({
  amount: z.number({ error: 'must be an integer amount in minor units' }).int().positive().max(MAX_AMOUNT),
  currency,
  within_hours: z.number({ error: 'must be a whole number of hours' }).int().min(1).max(8760).optional(),
})

const promotion = z
  .strictObject({
    name: id(100),
    starts_at: settingsInstant,
    ends_at: settingsInstant,
    affiliates: z
      .array(id(64), { error: 'must be a list of affiliate ids' })
      .min(1, 'must list at least one affiliate (leave it out for all)')
      .max(MAX_PROMOTION_AFFILIATES, `at most ${MAX_PROMOTION_AFFILIATES} affiliates`)
      .refine((ids) => new Set(ids).size === ids.length, 'lists an affiliate twice')
      .optional(),
    commission: commissionRule.optional(),
    bonus: z
      .strictObject({
        amount: z
          .number({ error: 'must be an integer amount in minor units' })
          .int()
          .positive()
          .max(MAX_AMOUNT),
        currency,
      })
      .optional(),
  })
  .superRefine((p, ctx) => {
    if (p.ends_at <= p.starts_at)
      ctx.addIssue({ code: 'custom', message: 'must be after starts_at', path: ['ends_at'] })
    if (!p.commission && !p.bonus)
      ctx.addIssue({
        code: 'custom',
        message: 'a promotion needs a commission rule, a bonus or both',
        path: ['commission'],
      })
  })

const promotions = z
  .array(promotion, { error: 'must be a list of promotions' })
  .max(MAX_PROMOTIONS, `at most ${MAX_PROMOTIONS} promotions`)
  .superRefine((list, ctx) => {
    const seen = new Set<string>()
    list.forEach((p, i) => {
      if (seen.has(p.name))
        ctx.addIssue({ code: 'custom', message: `the name "${p.name}" is used twice`, path: [i, 'name'] })
      seen.add(p.name)
    })
  })

export const programInput = z.strictObject({
  name: id(200),
  currency: currency.default('USD'),
  cookie_days: z.number().int().min(1).max(400).default(30),
  attribution: z.enum(['last_click', 'first_click']).default('last_click'),
  commission: commissionRule.default({ type: 'percent', percent: 30 }),
  recurring_months: z.number().int().min(0).max(1200).nullable().default(null),
  hold_days: z.number().int().min(0).max(365).default(30),
  bonus: z
    .strictObject({
      amount: z.number().int().positive().max(MAX_AMOUNT),
      currency,
      within_hours: z.number().int().min(1).max(8760),
    })
    .nullable()
    .default(null),
  landing_url: httpUrl.nullable().default(null),
  allowed_origins: z.array(httpUrl).max(50).default([]),
  min_payout: minPayout.default({}),
  signup_reward: signupReward.nullable().default(null),
  promotions: promotions.default([]),
})

/**
 * An affiliate's own signup reward: the program's shape, but `amount: 0` is allowed and means
 * "no signup reward for this affiliate" (null means "the program's applies").
 */
export const affiliateSignupReward = z.strictObject({
  amount: z
    .number({ error: 'must be an integer amount in minor units' })
    .int('must be an integer amount in minor units')
    .min(0, 'must be 0 (no reward) or more')
    .max(MAX_AMOUNT, `must be at most ${MAX_AMOUNT}`),
  currency,
  within_hours: z.number({ error: 'must be a whole number of hours' }).int().min(1).max(8760).optional(),
})

export const affiliateInput = z.strictObject({
  name: id(200),
  email,
  code: code.optional(),
  commission: commissionRule.nullable().optional(),
  signup_reward: affiliateSignupReward.nullable().optional(),
  promo_codes: promoCodesInput.optional(),
})

export const affiliatePatch = z.strictObject({
  name: id(200).optional(),
  email: email.optional(),
  commission: commissionRule.nullable().optional(),
  signup_reward: affiliateSignupReward.nullable().optional(),
  status: z.enum(['active', 'disabled']).optional(),
  promo_codes: promoCodesInput.optional(),
})

/** Cuts an over-long descriptive field instead of losing the click over it. */
const clipped = (max: number) => z.string({ error: 'must be a string' }).transform((s) => s.slice(0, max))

/**
 * A click comes from a visitor's browser: the fields that decide attribution are strict, the
 * descriptive ones are clipped, and a malformed `prev_click_id` (say, from a crafted link) is
 * dropped rather than costing the click.
 */
export const clickInput = z.strictObject({
  key: z.string({ error: 'must be a string' }).min(1).max(128),
  click_id: clickId.optional(),
  prev_click_id: clickId.optional().catch(undefined),
  ref,
  url: clipped(2048).default(''),
  referrer: clipped(2048).optional(),
  sub: clipped(128).optional(),
})

export const signupInput = z.strictObject({
  event_id: eventId.optional(),
  customer_id: id(255),
  click_id: clickId.optional(),
  ref: ref.optional(),
  promo_code: promoCodeString.optional(),
  email: email.optional(),
  occurred_at: occurredAt.optional(),
})

export const MAX_METADATA_KEYS = 50

export const conversionInput = z.strictObject({
  event_id: eventId,
  customer_id: id(255).optional(),
  click_id: clickId.optional(),
  ref: ref.optional(),
  promo_code: promoCodeString.optional(),
  amount,
  currency,
  occurred_at: occurredAt.optional(),
  /** Flat key/value pairs for the founder's own bookkeeping: no nesting, bounded in count and size. */
  metadata: z
    .record(
      z.string().min(1).max(64, 'keys must be at most 64 characters'),
      z.union([z.string().max(1024), z.number(), z.boolean(), z.null()], {
        error: 'values must be strings (≤ 1024 characters), numbers, booleans or null',
      }),
      { error: 'must be an object of flat key/value pairs' },
    )
    .refine((m) => Object.keys(m).length <= MAX_METADATA_KEYS, `at most ${MAX_METADATA_KEYS} keys`)
    .optional(),
})

export const refundInput = z.strictObject({
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

/** At most this many commissions per approve/reject call, each decided by the hub in turn. */
export const MAX_BULK_COMMISSIONS = 100

export const commissionIdsInput = z.strictObject({
  ids: z
    .array(id(64), { error: 'must be a list of commission ids' })
    .min(1, 'must list at least one commission')
    .max(MAX_BULK_COMMISSIONS, `at most ${MAX_BULK_COMMISSIONS} commissions per call`)
    .refine((ids) => new Set(ids).size === ids.length, 'lists a commission twice'),
  /** Kept in the history (and as the commission's reason when rejected). */
  reason: id(200).optional(),
})

export const approveDueInput = z.strictObject({
  /** Also approve pending commissions whose hold has not ended (never `on_hold` ones). */
  include_pending: z.boolean({ error: 'must be true or false' }).default(false),
})

/** `POST /v1/live/tokens`: a founder's token, or one affiliate's (`affiliate_id`). */
export const liveTokenInput = z.object({ affiliate_id: z.string().min(1).max(64).optional() }).strict()
