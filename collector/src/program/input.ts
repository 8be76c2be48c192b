/**
 * The body of `PATCH /v1/program`: every field of program creation (derived from `programInput`,
 * so a field added there is patchable at once), optional and without its default — absent means
 * unchanged — plus the settings only a running program has: slug, join page, paid traffic, fraud.
 */
import { z } from 'zod'
import { isValidBlocklistEntry } from '../domain/fraud'
import { programInput } from '../lib/schemas'

type CreateShape = typeof programInput.shape
type Patchable<S extends Record<string, z.ZodType>> = {
  [K in keyof S]: z.ZodOptional<S[K] extends z.ZodDefault<infer Inner extends z.ZodType> ? Inner : S[K]>
}

function withoutDefaults<S extends Record<string, z.ZodType>>(shape: S): Patchable<S> {
  const out: Record<string, z.ZodType> = {}
  for (const [name, schema] of Object.entries(shape)) {
    // A default would turn "absent" into "reset"; a patch must leave absent fields alone.
    out[name] = (schema instanceof z.ZodDefault ? (schema.unwrap() as z.ZodType) : schema).optional()
  }
  return out as Patchable<S>
}

/** Lower case letters, digits and inner hyphens: `acme`, `acme-partners`. Upper case is folded. */
export const slugInput = z
  .string({ error: 'must be a string' })
  .trim()
  .toLowerCase()
  .min(2, 'must be at least 2 characters')
  .max(63, 'must be at most 63 characters')
  .regex(
    /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/,
    'must be lower-case letters, digits and "-" (not at either end)',
  )

const termsUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).max(2048)

export const joinInput = z.strictObject({
  enabled: z.boolean({ error: 'must be true or false' }).optional(),
  auto_approve: z.boolean({ error: 'must be true or false' }).optional(),
  terms_url: termsUrl.nullable().optional(),
})

const whole = (what: string, min: number, max: number) =>
  z
    .number({ error: `must be a whole number${what}` })
    .int(`must be a whole number${what}`)
    .min(min, `must be at least ${min}`)
    .max(max, `must be at most ${max}`)
    .optional()
const share = z
  .number({ error: 'must be a number from 0 to 1' })
  .min(0, 'must be a number from 0 to 1')
  .max(1, 'must be a number from 0 to 1')
  .optional()

/** The fraud and tracking-health thresholds (`FraudSettings` in shared.ts); each part optional. */
export const fraudInput = z.strictObject({
  click_flood: z
    .strictObject({ max_clicks: whole('', 1, 100_000), window_minutes: whole(' of minutes', 1, 1440) })
    .optional(),
  amount_outlier: z
    .strictObject({
      factor: z
        .number({ error: 'must be a number' })
        .min(1.5, 'must be at least 1.5')
        .max(1000, 'must be at most 1000')
        .optional(),
      min_samples: whole('', 1, 200),
    })
    .optional(),
  conversion_burst: z
    .strictObject({
      max_conversions: whole('', 1, 100_000),
      window_minutes: whole(' of minutes', 1, 1440),
    })
    .optional(),
  ip_blocklist: z
    .array(
      z
        .string({ error: 'must be an address or CIDR range' })
        .trim()
        .max(64)
        .refine(isValidBlocklistEntry, 'must be an IPv4 or IPv6 address or CIDR range, like 203.0.113.0/24'),
      { error: 'must be a list of addresses or CIDR ranges' },
    )
    .max(500, 'must have at most 500 entries')
    .optional(),
  tracking_gap: z
    .strictObject({
      hours: whole(' of hours (0 turns it off)', 0, 720),
      min_clicks_7d: whole('', 1, 10_000_000),
    })
    .optional(),
  unattributed_share: z
    .strictObject({
      max_share: share,
      min_conversions: whole('', 1, 100_000),
      window_hours: whole(' of hours', 1, 720),
    })
    .optional(),
  refund_spike: z
    .strictObject({
      min_refunds: whole('', 1, 100_000),
      max_share: share,
      window_hours: whole(' of hours', 1, 720),
    })
    .optional(),
  webhook_failing: z.strictObject({ failures: whole('', 1, 100) }).optional(),
})

export const programPatch = z.strictObject({
  ...withoutDefaults(programInput.shape as CreateShape),
  slug: slugInput.nullable().optional(),
  join: joinInput.optional(),
  paid_traffic: z.enum(['allowed', 'forbidden'], { error: 'must be "allowed" or "forbidden"' }).optional(),
  fraud: fraudInput.optional(),
  click_retention_days: z
    .number({ error: 'must be a whole number of days, or null to keep raw clicks' })
    .int('must be a whole number of days')
    .min(30, 'must be at least 30 days (attribution windows reach back that far)')
    .max(3650, 'must be at most 3650 days')
    .nullable()
    .optional(),
})

export type ProgramPatch = z.infer<typeof programPatch>
