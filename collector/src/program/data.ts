/**
 * The programs table as the settings API and the join page use it: a program's settings in their
 * API form, a settings patch written as one UPDATE, and the lookup of a join page by slug.
 */
import { eq } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/d1'
import { assertPromotionAffiliates } from '../commissions/data'
import { programs } from '../db/schema'
import { fraudThresholds } from '../domain/fraud'
import { isUniqueViolation } from '../hub/d1-writes'
import { programSettings } from '../hub/program-config'
import { type Env, hubFor } from '../lib/env'
import { ApiError } from '../lib/errors'
import { forgetBlocklist } from '../lib/ip-blocklist'
import type { Program, ProgramSettings } from '../shared'
import type { ProgramPatch } from './input'

export type ProgramRecord = typeof programs.$inferSelect
type ProgramColumns = Partial<typeof programs.$inferInsert>

/** `cookie_days` → `cookieDays`, at the type level too, so a renamed column fails the typecheck. */
type Camel<S extends string> = S extends `${infer H}_${infer T}` ? `${H}${Capitalize<Camel<T>>}` : S
type CreateField = Exclude<
  keyof ProgramPatch,
  'slug' | 'join' | 'paid_traffic' | 'fraud' | 'click_retention_days'
>
// Every creation field must be a column of the same name: this line fails to compile otherwise.
const everyFieldIsAColumn: [Exclude<Camel<CreateField & string>, keyof ProgramColumns>] extends [never]
  ? true
  : never = true
void everyFieldIsAColumn

function camel(name: string): string {
  return name.replace(/_([a-z])/g, (_, ch: string) => ch.toUpperCase())
}

/** The API form (snake case, JSON decoded) of a programs row. */
export function programJson(row: Record<string, unknown>): Program {
  return {
    id: String(row.id),
    ...programSettings(row as never),
    created_at: String(row.created_at),
  }
}

export async function readProgram(db: D1Database, id: string): Promise<Program | null> {
  // SELECT * (not drizzle's select) so the row keeps the column names programSettings reads.
  const row = await db.prepare('SELECT * FROM programs WHERE id = ?').bind(id).first()
  return row ? programJson(row) : null
}

/** The program whose join page is `slug`, or null. */
export async function programBySlug(db: D1Database, slug: string): Promise<Program | null> {
  const row = await db.prepare('SELECT * FROM programs WHERE slug = ?').bind(slug.toLowerCase()).first()
  return row ? programJson(row) : null
}

/** The columns a validated patch changes, merged with the current settings where it is partial. */
function columnsOf(patch: ProgramPatch, current: ProgramSettings): ProgramColumns {
  const set: Record<string, unknown> = {}
  for (const [name, value] of Object.entries(patch)) {
    if (value === undefined) continue
    switch (name) {
      case 'slug':
        set.slug = value
        break
      case 'join': {
        const join = { ...current.join, ...(value as ProgramPatch['join']) }
        set.joinEnabled = join.enabled
        set.joinAutoApprove = join.auto_approve
        set.joinTermsUrl = join.terms_url
        break
      }
      case 'paid_traffic':
        set.paidTraffic = value
        break
      case 'click_retention_days':
        set.clickRetentionDays = value
        break
      case 'fraud': {
        // Part by part over what the program has: a patch of one threshold keeps the others.
        const patch = value as NonNullable<ProgramPatch['fraud']>
        const next: Record<string, unknown> = { ...current.fraud }
        for (const [part, v] of Object.entries(patch)) {
          if (v === undefined) continue
          next[part] = Array.isArray(v) ? v : { ...(next[part] as object), ...v }
        }
        set.fraud = JSON.stringify(fraudThresholds(next))
        break
      }
      case 'allowed_origins':
        set.allowedOrigins = JSON.stringify((value as string[]).map((u) => new URL(u).origin))
        break
      default:
        // Creation fields: plain values as they are, objects and lists as JSON (as POST stores them).
        set[camel(name)] = value !== null && typeof value === 'object' ? JSON.stringify(value) : value
    }
  }
  return set as ProgramColumns
}

/**
 * Applies a settings patch and tells the program's hub to reload, so the change applies to every
 * event after it; commissions already made keep their amounts (they are stored, never recomputed).
 */
export async function updateProgram(env: Env, id: string, patch: ProgramPatch): Promise<Program> {
  const current = await readProgram(env.DB, id)
  if (!current) throw new ApiError('not_found', 'Unknown program')
  const next = { ...current.join, ...patch.join }
  const slug = patch.slug === undefined ? current.slug : patch.slug
  if (next.enabled && !slug) {
    throw new ApiError(
      'invalid_request',
      'join.enabled: set a slug first (the page is /join/<slug>)',
      'join.enabled',
    )
  }
  // A promotion may only list this program's affiliates (the schema cannot know them).
  if (Array.isArray(patch.promotions)) await assertPromotionAffiliates(env.DB, id, patch.promotions)
  const columns = columnsOf(patch, current)
  if (Object.keys(columns).length === 0) return current
  try {
    await drizzle(env.DB).update(programs).set(columns).where(eq(programs.id, id))
  } catch (err) {
    if (isUniqueViolation(err, 'programs')) {
      throw new ApiError('conflict', `The slug "${patch.slug}" is taken`, 'slug')
    }
    throw err
  }
  await hubFor(env, id).invalidate()
  forgetBlocklist(id)
  return (await readProgram(env.DB, id)) ?? current
}
