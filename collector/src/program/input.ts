/**
 * The body of `PATCH /v1/program`: every field of program creation (derived from `programInput`,
 * so a field added there is patchable at once), optional and without its default — absent means
 * unchanged — plus the settings only a running program has: slug, join page, paid traffic, fraud.
 */
import { z } from 'zod'
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

export const fraudInput = z.strictObject({
  click_flood: z
    .strictObject({
      max_clicks: z.number({ error: 'must be a whole number' }).int().min(1).max(100_000).optional(),
      window_minutes: z
        .number({ error: 'must be a whole number of minutes' })
        .int()
        .min(1)
        .max(1440)
        .optional(),
    })
    .optional(),
})

export const programPatch = z.strictObject({
  ...withoutDefaults(programInput.shape as CreateShape),
  slug: slugInput.nullable().optional(),
  join: joinInput.optional(),
  paid_traffic: z.enum(['allowed', 'forbidden'], { error: 'must be "allowed" or "forbidden"' }).optional(),
  fraud: fraudInput.optional(),
})

export type ProgramPatch = z.infer<typeof programPatch>
