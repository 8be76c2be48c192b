/**
 * Programs (admin token): create one with its four API keys (shown once), list them, and roll
 * the keys of a program (revokes every current key and issues new ones). And the key's own
 * program (secret key): `GET /v1/program` for either mode, `PATCH /v1/program` for the live key
 * only — test mode never changes a program's settings.
 */
import { Hono } from 'hono'
import { z } from 'zod'
import { programSettings } from '../hub/program-config'
import { requireAdmin, requireSecretKey } from '../lib/auth'
import { newId, randomToken, sha256Hex } from '../lib/crypto'
import { type AppEnv, hubFor } from '../lib/env'
import { ApiError } from '../lib/errors'
import { programInput } from '../lib/schemas'
import { parseBody } from '../lib/validate'
import type { Mode, Program, ProgramCreated } from '../shared'

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

export function programJson(row: Record<string, unknown>): Program {
  return { id: String(row.id), ...programSettings(row as never), created_at: String(row.created_at) }
}

programRoutes.post('/v1/programs', async (c) => {
  const body = await parseBody(c, programInput)
  const id = newId('prg')
  const now = new Date().toISOString()
  const db = c.env.DB
  const { keys, statements } = await issueKeys(db, id, now)
  await db.batch([
    db
      .prepare(
        `INSERT INTO programs (id, name, currency, cookie_days, attribution, commission, recurring_months, hold_days, bonus, landing_url, allowed_origins, min_payout, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
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
        now,
      ),
    ...statements,
  ])
  const row = await db.prepare('SELECT * FROM programs WHERE id = ?').bind(id).first()
  return c.json({ program: programJson(row ?? {}), keys } satisfies ProgramCreated, 201)
})

programRoutes.get('/v1/programs', async (c) => {
  const { results } = await c.env.DB.prepare('SELECT * FROM programs ORDER BY created_at').all()
  return c.json({ programs: results.map(programJson) })
})

programRoutes.post('/v1/programs/:id/keys/roll', async (c) => {
  const id = c.req.param('id')
  const db = c.env.DB
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
  return c.json({ keys }, 201)
})

// --- the key's own program ---------------------------------------------------------------------

/** Every field of `POST /v1/programs`, all optional and without defaults: absent = unchanged. */
const programPatch = z.strictObject(
  Object.fromEntries(
    Object.entries(programInput.shape).map(([name, schema]) => [
      name,
      (schema instanceof z.ZodDefault ? schema.unwrap() : schema).optional(),
    ]),
  ) as Record<string, z.ZodType>,
)

programRoutes.use('/v1/program', requireSecretKey)

async function programRow(db: D1Database, id: string): Promise<Record<string, unknown>> {
  const row = await db.prepare('SELECT * FROM programs WHERE id = ?').bind(id).first()
  if (!row) throw new ApiError('not_found', 'Unknown program')
  return row
}

programRoutes.get('/v1/program', async (c) => {
  return c.json({ program: programJson(await programRow(c.env.DB, c.get('auth').programId)) })
})

programRoutes.patch('/v1/program', async (c) => {
  const { programId, mode } = c.get('auth')
  if (mode !== 'live') {
    throw new ApiError('forbidden', 'A test key cannot change program settings; use the live secret key')
  }
  const body = await parseBody(c, programPatch)
  const db = c.env.DB
  const columns: Record<string, unknown> = {}
  for (const [name, value] of Object.entries(body)) {
    if (value === undefined) continue
    if (name === 'commission') columns.commission = JSON.stringify(value)
    else if (name === 'bonus') columns.bonus = value === null ? null : JSON.stringify(value)
    else if (name === 'min_payout') columns.min_payout = JSON.stringify(value)
    else if (name === 'allowed_origins')
      columns.allowed_origins = JSON.stringify((value as string[]).map((u) => new URL(u).origin))
    else columns[name] = value
  }
  const names = Object.keys(columns)
  if (names.length) {
    // Column names come from the strict schema above, never from the request.
    await db
      .prepare(`UPDATE programs SET ${names.map((n) => `${n} = ?`).join(', ')} WHERE id = ?`)
      .bind(...Object.values(columns), programId)
      .run()
    await hubFor(c.env, programId).invalidate()
  }
  return c.json({ program: programJson(await programRow(db, programId)) })
})
