/**
 * The programs data module: a program's settings in their API form (from the drizzle row, so a
 * renamed column fails the typecheck), the reads by id and by join-page slug, the list, a settings
 * patch written as one UPDATE, and a program's insert and key rotation with its API keys (and
 * the keys a dashboard New keys form issued).
 */
import { and, asc, eq, isNull } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/d1'
import { assertPromotionAffiliates } from '../commissions/data'
import { apiKeys, programs } from '../db/schema'
import { fraudThresholds } from '../domain/fraud'
import { isUniqueViolation } from '../hub/d1-writes'
import { programSettings } from '../hub/program-config'
import { BoundedCache } from '../lib/bounded-cache'
import { type Env, hubFor } from '../lib/env'
import { ApiError } from '../lib/errors'
import { forgetBlocklist } from '../lib/ip-blocklist'
import type { Program, ProgramSettings } from '../shared'
import type { ProgramPatch } from './input'

export type ProgramRecord = typeof programs.$inferSelect
export type ApiKeyRow = typeof apiKeys.$inferSelect
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
export function programJson(row: ProgramRecord): Program
/** A row read with `SELECT *` (snake-case column names), for callers that do not read through this module yet. */
export function programJson(row: Record<string, unknown>): Program
export function programJson(row: ProgramRecord | Record<string, unknown>): Program {
  const record = 'createdAt' in row ? (row as ProgramRecord) : fromColumns(row)
  return {
    id: String(record.id),
    ...programSettings(record),
    created_at: String(record.createdAt),
  }
}

/** A `SELECT *` row as the drizzle row it is (`cookie_days` → `cookieDays`). */
function fromColumns(row: Record<string, unknown>): ProgramRecord {
  return Object.fromEntries(Object.entries(row).map(([k, v]) => [camel(k), v])) as ProgramRecord
}

export async function readProgram(db: D1Database, id: string): Promise<Program | null> {
  const row = await drizzle(db).select().from(programs).where(eq(programs.id, id)).get()
  return row ? programJson(row) : null
}

/** The program whose join page is `slug`, or null. */
export async function programBySlug(db: D1Database, slug: string): Promise<Program | null> {
  const row = await drizzle(db).select().from(programs).where(eq(programs.slug, slug.toLowerCase())).get()
  return row ? programJson(row) : null
}

/** The program the dashboard form with this one-time token created, or null. */
export async function programByFormToken(db: D1Database, formToken: string): Promise<Program | null> {
  const row = await drizzle(db).select().from(programs).where(eq(programs.formToken, formToken)).get()
  return row ? programJson(row) : null
}

/** Every program, oldest first. */
export async function listPrograms(db: D1Database): Promise<Program[]> {
  const rows = await drizzle(db).select().from(programs).orderBy(asc(programs.createdAt))
  return rows.map((row) => programJson(row))
}

/** Every program's id and name, oldest first (the dashboard's program picker). */
export function programNames(db: D1Database): Promise<Array<Pick<ProgramRecord, 'id' | 'name'>>> {
  return drizzle(db)
    .select({ id: programs.id, name: programs.name })
    .from(programs)
    .orderBy(asc(programs.createdAt))
}

/**
 * Programs found, per isolate. A program is never deleted, so once found it exists for good: the
 * dashboard API, which checks the program of every request before its reads, asks D1 once per
 * program rather than once per request. Unknown ids are not kept (asked each time); bounded in
 * entries, and only a signed-in founder reaches it.
 */
const knownPrograms = new BoundedCache<true>({ maxEntries: 1_000 })
const KNOWN_PROGRAM_MS = 3_600_000

export async function programExists(db: D1Database, id: string): Promise<boolean> {
  const now = Date.now()
  if (knownPrograms.get(id, now)) return true
  const row = await drizzle(db).select({ id: programs.id }).from(programs).where(eq(programs.id, id)).get()
  if (row) knownPrograms.set(id, true, now + KNOWN_PROGRAM_MS)
  return row !== undefined
}

/** The program's currency, or undefined when there is no such program. */
export async function programCurrency(db: D1Database, id: string): Promise<string | undefined> {
  const row = await drizzle(db)
    .select({ currency: programs.currency })
    .from(programs)
    .where(eq(programs.id, id))
    .get()
  return row?.currency
}

/** Inserts a program with its first keys, in one transaction. */
export async function insertProgram(
  db: D1Database,
  program: typeof programs.$inferInsert,
  keys: ApiKeyRow[],
): Promise<void> {
  const orm = drizzle(db)
  await orm.batch([orm.insert(programs).values(program), orm.insert(apiKeys).values(keys)])
}

/** The keys the dashboard's New keys form with this one-time token issued (none, or one roll's four). */
export function keysByFormToken(
  db: D1Database,
  formToken: string,
): Promise<Array<Pick<ApiKeyRow, 'programId' | 'revokedAt'>>> {
  return drizzle(db)
    .select({ programId: apiKeys.programId, revokedAt: apiKeys.revokedAt })
    .from(apiKeys)
    .where(eq(apiKeys.formToken, formToken))
}

/**
 * Revokes every current key of the program and stores the new ones, in one transaction: when the
 * insert fails (a New keys form's token already stored, see `api_keys_form_token`), nothing is revoked.
 */
export async function replaceKeys(
  db: D1Database,
  programId: string,
  now: string,
  keys: ApiKeyRow[],
): Promise<void> {
  const orm = drizzle(db)
  await orm.batch([
    orm
      .update(apiKeys)
      .set({ revokedAt: now })
      .where(and(eq(apiKeys.programId, programId), isNull(apiKeys.revokedAt))),
    orm.insert(apiKeys).values(keys),
  ])
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
