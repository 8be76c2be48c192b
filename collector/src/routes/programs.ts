/**
 * Programs (admin token): create one with its four API keys (shown once), list them, and roll
 * the keys of a program (revokes every current key and issues new ones). The key's own program
 * (`GET/PATCH /v1/program`) is in ../program/.
 */
import { Hono } from 'hono'
import { assertPromotionAffiliates } from '../commissions/data'
import { requireAdmin } from '../lib/auth'
import { newId, randomToken, sha256Hex } from '../lib/crypto'
import type { AppEnv } from '../lib/env'
import { ApiError } from '../lib/errors'
import { type ProgramInput, programInput } from '../lib/schemas'
import { parseBody } from '../lib/validate'
import { programJson } from '../program/data'
import type { Mode, ProgramCreated } from '../shared'

export const programRoutes = new Hono<AppEnv>()

programRoutes.use('/v1/programs', requireAdmin)
programRoutes.use('/v1/programs/*', requireAdmin)

type Keys = ProgramCreated['keys']

async function issueKeys(
  db: D1Database,
  programId: string,
  now: string,
): Promise<{ keys: Keys; statements: D1PreparedStatement[] }> {
  const specs: Array<[keyof Keys, 'pk' | 'sk', Mode]> = [
    ['publishable', 'pk', 'live'],
    ['secret', 'sk', 'live'],
    ['test_publishable', 'pk', 'test'],
    ['test_secret', 'sk', 'test'],
  ]
  const keys = {} as Keys
  const statements: D1PreparedStatement[] = []
  for (const [name, prefix, mode] of specs) {
    const key = `${prefix}_${mode}_${randomToken(24)}`
    keys[name] = key
    statements.push(
      db
        .prepare(
          'INSERT INTO api_keys (id, program_id, kind, mode, hash, prefix, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
        )
        .bind(
          newId('key'),
          programId,
          prefix === 'pk' ? 'publishable' : 'secret',
          mode,
          await sha256Hex(key),
          key.slice(0, 12),
          now,
        ),
    )
  }
  return { keys, statements }
}

/**
 * Creates a program with its four keys (the dashboard's Programs page creates through this too).
 * The keys exist only in this answer: they are stored hashed.
 */
export async function createProgram(db: D1Database, body: ProgramInput): Promise<ProgramCreated> {
  const id = newId('prg')
  // A new program has no affiliates yet: a promotion listing any is refused, naming the id.
  await assertPromotionAffiliates(db, id, body.promotions)
  const now = new Date().toISOString()
  const { keys, statements } = await issueKeys(db, id, now)
  await db.batch([
    db
      .prepare(
        `INSERT INTO programs (id, name, currency, cookie_days, attribution, commission, recurring_months, hold_days, bonus, landing_url, allowed_origins, min_payout, signup_reward, promotions, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .bind(
        id,
        body.name,
        body.currency,
        body.cookie_days,
        body.attribution,
        JSON.stringify(body.commission),
        body.recurring_months,
        body.hold_days,
        body.bonus ? JSON.stringify(body.bonus) : null,
        body.landing_url,
        JSON.stringify(body.allowed_origins.map((u) => new URL(u).origin)),
        JSON.stringify(body.min_payout),
        body.signup_reward ? JSON.stringify(body.signup_reward) : null,
        JSON.stringify(body.promotions),
        now,
      ),
    ...statements,
  ])
  const row = await db.prepare('SELECT * FROM programs WHERE id = ?').bind(id).first()
  return { program: programJson(row ?? {}), keys }
}

/** Revokes every current key of a program and issues four new ones (shown once, like at creation). */
export async function rollKeys(db: D1Database, id: string): Promise<Keys> {
  const exists = await db.prepare('SELECT id FROM programs WHERE id = ?').bind(id).first()
  if (!exists) throw new ApiError('not_found', 'Unknown program', 'id')
  const now = new Date().toISOString()
  const { keys, statements } = await issueKeys(db, id, now)
  await db.batch([
    db
      .prepare('UPDATE api_keys SET revoked_at = ? WHERE program_id = ? AND revoked_at IS NULL')
      .bind(now, id),
    ...statements,
  ])
  return keys
}

programRoutes.post('/v1/programs', async (c) => {
  const body = await parseBody(c, programInput)
  return c.json((await createProgram(c.env.DB, body)) satisfies ProgramCreated, 201)
})

programRoutes.get('/v1/programs', async (c) => {
  const { results } = await c.env.DB.prepare('SELECT * FROM programs ORDER BY created_at').all()
  return c.json({ programs: results.map(programJson) })
})

programRoutes.post('/v1/programs/:id/keys/roll', async (c) =>
  c.json({ keys: await rollKeys(c.env.DB, c.req.param('id')) }, 201),
)
