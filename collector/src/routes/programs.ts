/**
 * Programs (admin token): create one with its four API keys (shown once), list them, and roll
 * the keys of a program (revokes every current key and issues new ones). The key's own program
 * (`GET/PATCH /v1/program`) is in ../program/.
 */
import { Hono } from 'hono'
import { requireAdmin } from '../lib/auth'
import type { AppEnv } from '../lib/env'
import { assertKnownQuery } from '../lib/query'
import { programInput } from '../lib/schemas'
import { parseBody } from '../lib/validate'
import { createProgram, rollKeys } from '../program/create'
import { listPrograms } from '../program/data'
import type { ProgramCreated } from '../shared'

export const programRoutes = new Hono<AppEnv>()

programRoutes.use('/v1/programs', requireAdmin)
programRoutes.use('/v1/programs/*', requireAdmin)

programRoutes.post('/v1/programs', async (c) => {
  const body = await parseBody(c, programInput)
  return c.json((await createProgram(c.env.DB, body)) satisfies ProgramCreated, 201)
})

programRoutes.get('/v1/programs', async (c) => {
  assertKnownQuery(c.req.query(), [])
  return c.json({ programs: await listPrograms(c.env.DB) })
})

programRoutes.post('/v1/programs/:id/keys/roll', async (c) =>
  c.json({ keys: await rollKeys(c.env.DB, c.req.param('id')) }, 201),
)
