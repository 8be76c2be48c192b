/**
 * Creating a program with its four API keys (shown once, stored as hashes) and rolling a
 * program's keys, each once per dashboard form: the admin API (`routes/programs.ts`) and the
 * dashboard's Programs page call these.
 */
import { assertPromotionAffiliates } from '../commissions/data'
import { isUniqueViolation } from '../hub/d1-writes'
import { newId, randomToken, sha256Hex } from '../lib/crypto'
import { ApiError } from '../lib/errors'
import type { ProgramInput } from '../lib/schemas'
import type { Mode, Program, ProgramCreated } from '../shared'
import {
  type ApiKeyRow,
  insertProgram,
  keysByFormToken,
  programByFormToken,
  programExists,
  readProgram,
  replaceKeys,
} from './data'

type Keys = ProgramCreated['keys']

/**
 * Four new keys (live and test, publishable and secret) and their rows, which hold only their
 * hashes and the one-time token of the dashboard form that rolled them, if one did.
 */
async function issueKeys(
  programId: string,
  now: string,
  formToken: string | null = null,
): Promise<{ keys: Keys; rows: ApiKeyRow[] }> {
  const specs: Array<[keyof Keys, 'pk' | 'sk', Mode]> = [
    ['publishable', 'pk', 'live'],
    ['secret', 'sk', 'live'],
    ['test_publishable', 'pk', 'test'],
    ['test_secret', 'sk', 'test'],
  ]
  const keys = {} as Keys
  const rows: ApiKeyRow[] = []
  for (const [name, prefix, mode] of specs) {
    const key = `${prefix}_${mode}_${randomToken(24)}`
    keys[name] = key
    rows.push({
      id: newId('key'),
      programId,
      kind: prefix === 'pk' ? 'publishable' : 'secret',
      mode,
      hash: await sha256Hex(key),
      prefix: key.slice(0, 12),
      createdAt: now,
      revokedAt: null,
      formToken,
    })
  }
  return { keys, rows }
}

/**
 * Creates a program with its four keys (the dashboard's Programs page creates through this too,
 * with its form's one-time token). The keys exist only in this answer: they are stored hashed.
 */
export async function createProgram(
  db: D1Database,
  body: ProgramInput,
  formToken: string | null = null,
): Promise<ProgramCreated> {
  const id = newId('prg')
  // A new program has no affiliates yet: a promotion listing any is refused, naming the id.
  await assertPromotionAffiliates(db, id, body.promotions)
  const now = new Date().toISOString()
  const { keys, rows } = await issueKeys(id, now)
  await insertProgram(
    db,
    {
      id,
      name: body.name,
      currency: body.currency,
      cookieDays: body.cookie_days,
      attribution: body.attribution,
      commission: JSON.stringify(body.commission),
      recurringMonths: body.recurring_months,
      holdDays: body.hold_days,
      bonus: body.bonus ? JSON.stringify(body.bonus) : null,
      landingUrl: body.landing_url,
      allowedOrigins: JSON.stringify(body.allowed_origins.map((u) => new URL(u).origin)),
      minPayout: JSON.stringify(body.min_payout),
      signupReward: body.signup_reward ? JSON.stringify(body.signup_reward) : null,
      promotions: JSON.stringify(body.promotions),
      formToken,
      createdAt: now,
    },
    rows,
  )
  const program = await readProgram(db, id)
  if (!program) throw new Error(`program ${id} was not stored`)
  return { program, keys }
}

/**
 * Creates a program from the dashboard's form, once per form: the form's one-time token is stored
 * with the program, so the same form posted again (a reload re-posts it, a double click posts it
 * twice) creates nothing and answers the program it made first, without its keys, which only the
 * first answer held.
 */
export async function createProgramOnce(
  db: D1Database,
  body: ProgramInput,
  formToken: string,
): Promise<{ created: ProgramCreated } | { earlier: Program }> {
  const once = await oncePerToken(
    () => programByFormToken(db, formToken),
    () => createProgram(db, body, formToken),
    'programs',
  )
  return 'made' in once ? { created: once.made } : once
}

/**
 * Makes something once per dashboard form token: `earlier` finds what a post of the same token
 * already made (a reload re-posts the form, a double click posts it twice). When two posts race,
 * the token's unique index in `table` fails the later insert, and that post answers with the
 * earlier one's result.
 */
async function oncePerToken<T, E>(
  earlier: () => Promise<E | null>,
  make: () => Promise<T>,
  table: string,
): Promise<{ made: T } | { earlier: E }> {
  const before = await earlier()
  if (before) return { earlier: before }
  try {
    return { made: await make() }
  } catch (err) {
    const first = isUniqueViolation(err, table) ? await earlier() : null
    if (first) return { earlier: first }
    throw err
  }
}

/**
 * Revokes every current key of a program and issues four new ones (shown once, like at creation),
 * in one transaction. The dashboard's New keys form passes its one-time token, stored on the new
 * keys: a token already stored fails the insert, and then nothing is revoked either.
 */
export async function rollKeys(db: D1Database, id: string, formToken: string | null = null): Promise<Keys> {
  if (!(await programExists(db, id))) throw new ApiError('not_found', 'Unknown program', 'id')
  const now = new Date().toISOString()
  const { keys, rows } = await issueKeys(id, now, formToken)
  await replaceKeys(db, id, now, rows)
  return keys
}

/** The roll a New keys form already made: its program, and whether its keys are still the current ones. */
export interface EarlierRoll {
  programId: string
  current: boolean
}

async function earlierRoll(db: D1Database, formToken: string): Promise<EarlierRoll | null> {
  const rows = await keysByFormToken(db, formToken)
  const first = rows[0]
  return first ? { programId: first.programId, current: rows.every((r) => r.revokedAt === null) } : null
}

/**
 * Rolls a program's keys from the dashboard's New keys form, once per form: the form's one-time
 * token is stored on the keys it issues, so the same form posted again (a reload re-posts it, a
 * double click posts it twice) revokes nothing, and the keys the first answer showed keep working.
 */
export async function rollKeysOnce(
  db: D1Database,
  id: string,
  formToken: string,
): Promise<{ keys: Keys } | { earlier: EarlierRoll }> {
  if (!(await programExists(db, id))) throw new ApiError('not_found', 'Unknown program', 'id')
  const once = await oncePerToken(
    () => earlierRoll(db, formToken),
    () => rollKeys(db, id, formToken),
    'api_keys',
  )
  return 'made' in once ? { keys: once.made } : once
}
