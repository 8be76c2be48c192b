/**
 * The key's own program: `GET /v1/program` for either mode (settings hold no secrets), and
 * `PATCH /v1/program` for the live secret key only — test mode never changes a program's settings.
 */
import { Hono } from 'hono'
import { requireSecretKey } from '../lib/auth'
import type { AppEnv } from '../lib/env'
import { ApiError } from '../lib/errors'
import { assertKnownQuery } from '../lib/query'
import { parseBody } from '../lib/validate'
import { readProgram, updateProgram } from './data'
import { programPatch } from './input'

export const programSettingsRoutes = new Hono<AppEnv>()

programSettingsRoutes.use('/v1/program', requireSecretKey)

programSettingsRoutes.get('/v1/program', async (c) => {
  assertKnownQuery(c.req.query(), [])
  const program = await readProgram(c.env.DB, c.get('auth').programId)
  if (!program) throw new ApiError('not_found', 'Unknown program')
  return c.json({ program })
})

programSettingsRoutes.patch('/v1/program', async (c) => {
  const { programId, mode } = c.get('auth')
  if (mode !== 'live') {
    throw new ApiError('forbidden', 'A test key cannot change program settings; use the live secret key')
  }
  const body = await parseBody(c, programPatch)
  return c.json({ program: await updateProgram(c.env, programId, body) })
})
