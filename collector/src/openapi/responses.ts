/**
 * The answers of the v1 API as zod schemas, for the document only (the routes build their
 * answers with the types of shared.ts). Each is checked against its shared.ts type at compile
 * time (`Fits` below), so a field renamed or retyped there fails `pnpm typecheck` here. The
 * document leaves answer objects open (extra properties allowed): the contract grows by adding
 * fields, and an older client must keep validating newer answers.
 */
import { z } from 'zod'
import type {
  Affiliate,
  ClickResult,
  CommissionRecord,
  ConversionResult,
  LiveTokenResult,
  PortalLinkResult,
  Program,
  ProgramCreated,
  RefundResult,
  SignupResult,
  StatsResult,
  WebhookDelivery,
  WebhookEndpoint,
} from '../shared'

/** Compile-time: every value of shared type T is a valid answer under schema S. */
type Fits<T, S extends z.ZodType> = [T] extends [z.output<S>] ? true : false
function fits<_T extends true>(): void {}

const iso = z.string().describe('ISO 8601 date-time')
const money = z
  .record(z.string(), z.number().int())
  .describe('Minor units per ISO 4217 currency, e.g. {"USD": 4900}')
const mode = z.enum(['live', 'test'])
const affiliateRef = z.object({ id: z.string(), code: z.string() })

export const commissionRule = z.union([
  z.object({ type: z.literal('percent'), percent: z.number() }),
  z.object({ type: z.literal('flat'), amount: z.number().int(), currency: z.string() }),
])

export const program = z.object({
  id: z.string(),
  name: z.string(),
  currency: z.string(),
  cookie_days: z.number().int(),
  attribution: z.enum(['last_click', 'first_click']),
  commission: commissionRule,
  recurring_months: z.number().int().nullable(),
  hold_days: z.number().int(),
  bonus: z
    .object({ amount: z.number().int(), currency: z.string(), within_hours: z.number().int() })
    .nullable(),
  landing_url: z.string().nullable(),
  allowed_origins: z.array(z.string()),
  slug: z.string().nullable().describe('The join page is /join/<slug>'),
  join: z.object({ enabled: z.boolean(), auto_approve: z.boolean(), terms_url: z.string().nullable() }),
  paid_traffic: z.enum(['allowed', 'forbidden']),
  fraud: z
    .object({
      click_flood: z.object({ max_clicks: z.number().int(), window_minutes: z.number().int() }),
      amount_outlier: z.object({ factor: z.number(), min_samples: z.number().int() }),
      conversion_burst: z.object({ max_conversions: z.number().int(), window_minutes: z.number().int() }),
      ip_blocklist: z.array(z.string()).describe('Addresses and CIDR ranges whose clicks are not counted'),
      tracking_gap: z.object({ hours: z.number().int(), min_clicks_7d: z.number().int() }),
      unattributed_share: z.object({
        max_share: z.number(),
        min_conversions: z.number().int(),
        window_hours: z.number().int(),
      }),
      refund_spike: z.object({
        min_refunds: z.number().int(),
        max_share: z.number(),
        window_hours: z.number().int(),
      }),
      webhook_failing: z.object({ failures: z.number().int() }),
    })
    .describe('Fraud-rule and tracking-health thresholds (docs/fraud.md, docs/alerts.md)'),
  click_retention_days: z
    .number()
    .int()
    .nullable()
    .describe('Raw clicks older than this many days are deleted (rollups kept); null = kept'),
  created_at: iso,
})
fits<Fits<Program, typeof program>>()

const keys = z.object({
  publishable: z.string(),
  secret: z.string(),
  test_publishable: z.string(),
  test_secret: z.string(),
})
export const programCreated = z.object({ program, keys })
fits<Fits<ProgramCreated, typeof programCreated>>()
export const keysRolled = z.object({ keys })

export const affiliate = z.object({
  id: z.string(),
  code: z.string(),
  name: z.string(),
  email: z.string().nullable().describe('null when a test key looks at a live affiliate'),
  commission: commissionRule.nullable(),
  signup_reward: z
    .object({ amount: z.number().int(), currency: z.string(), within_hours: z.number().int().optional() })
    .nullable()
    .describe('The affiliate’s own signup reward over the program’s (amount 0: none); null = the program’s'),
  status: z.enum(['pending', 'active', 'rejected', 'disabled']),
  mode,
  portal_url: z
    .string()
    .nullable()
    .describe('Only in the answer that creates the affiliate or issues a new link'),
  link: z.string(),
  created_at: iso,
  promo_codes: z.array(z.string()).optional(),
})
fits<Fits<Affiliate, typeof affiliate>>()

export const portalLink = z.object({ portal_url: z.string() })
fits<Fits<PortalLinkResult, typeof portalLink>>()

export const clickResult = z.object({ click_id: z.string(), attributed: z.boolean() })
fits<Fits<ClickResult, typeof clickResult>>()

export const signupResult = z.object({
  signup: z.object({ id: z.string(), customer_id: z.string(), affiliate: affiliateRef.nullable() }),
})
fits<Fits<SignupResult, typeof signupResult>>()

const commissionSummary = z.object({
  id: z.string(),
  amount: z.number().int(),
  currency: z.string(),
  status: z.string(),
})

export const conversionResult = z.object({
  conversion: z.object({
    id: z.string(),
    event_id: z.string(),
    affiliate: affiliateRef.nullable(),
    commission: commissionSummary.nullable(),
  }),
})
fits<Fits<ConversionResult, typeof conversionResult>>()

export const refundResult = z.object({
  refund: z.object({ id: z.string(), amount: z.number().int(), commission: commissionSummary.nullable() }),
})
fits<Fits<RefundResult, typeof refundResult>>()

export const commission = z.object({
  id: z.string(),
  affiliate: z.object({ id: z.string(), code: z.string(), name: z.string() }),
  conversion_id: z.string().nullable(),
  kind: z.string().describe('conversion, clawback or signup'),
  rule: z
    .object({
      source: z.enum(['program', 'affiliate', 'promotion', 'signup_reward']),
      promotion: z.string().optional().describe('The promotion whose window it fell in'),
      recurring_month: z
        .number()
        .int()
        .optional()
        .describe('Whole months since the customer’s first conversion'),
      bonus: z.number().int().optional().describe('The bonus included in amount'),
      affiliate_override: z
        .literal(true)
        .optional()
        .describe('On a signup_reward: it was the affiliate’s own reward, not the program’s'),
    })
    .nullable()
    .describe('Which rule produced it; null for commissions made before rules were recorded'),
  amount: z.number().int(),
  original_amount: z.number().int(),
  currency: z.string(),
  status: z.string().describe('pending, approved, on_hold, paid, reversed or rejected'),
  reason: z.string().nullable(),
  due_at: z.string().nullable(),
  created_at: iso,
  updated_at: iso,
})
fits<Fits<CommissionRecord, typeof commission>>()

const totals = z.object({
  clicks: z.number().int(),
  unique_clicks: z.number().int(),
  signups: z.number().int(),
  conversions: z.number().int(),
  refunds: z.number().int(),
  revenue: money,
  commission: money,
})

export const stats = z.object({
  from: iso,
  to: iso,
  interval: z.enum(['hour', 'day']),
  tz: z.string(),
  mode,
  totals,
  series: z.array(totals.extend({ t: iso })),
  affiliates: z.array(z.object({ id: z.string(), code: z.string(), name: z.string(), totals })),
})
fits<Fits<StatsResult, typeof stats>>()

export const liveToken = z.object({ token: z.string(), url: z.string(), expires_at: iso })
fits<Fits<LiveTokenResult, typeof liveToken>>()

export const webhookEndpoint = z.object({
  id: z.string(),
  url: z.string(),
  events: z.array(z.string()),
  status: z.enum(['enabled', 'disabled']),
  disabled_reason: z.string().nullable(),
  mode,
  created_at: iso,
  secret: z.string().optional().describe('whsec_…, only in the answer that creates the endpoint'),
})
fits<Fits<WebhookEndpoint, typeof webhookEndpoint>>()

export const webhookDelivery = z.object({
  id: z.string(),
  event_id: z.string(),
  type: z.string(),
  status: z.enum(['pending', 'delivered', 'failed']),
  attempts: z.number().int(),
  response_code: z.number().int().nullable(),
  last_error: z.string().nullable(),
  next_attempt_at: z.string().nullable(),
  last_attempt_at: z.string().nullable(),
  delivered_at: z.string().nullable(),
  created_at: iso,
})
fits<Fits<WebhookDelivery, typeof webhookDelivery>>()

const storedKey = z.object({ set: z.literal(true), last4: z.string() }).nullable()

export const stripeIntegration = z.object({
  stripe: z.object({
    connected: z.boolean(),
    webhook_url: z.string(),
    last_event_at: z.string().nullable(),
    last_delivery_at: z.string().nullable(),
    last_delivery_error: z.string().nullable(),
    test_mode_secret: z.boolean(),
    restricted_key: storedKey.describe('The live restricted key for reconciliation (never the key)'),
    test_restricted_key: storedKey.describe('The test-mode restricted key (never the key)'),
    events: z.array(z.string()),
  }),
})

/** Any JSON object: answers whose shape belongs to another document (Stripe's event outcome). */
export const anyObject = z.record(z.string(), z.unknown())
