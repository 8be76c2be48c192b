/**
 * `DELETE /v1/test-data` (test secret key only): purges every test-mode record of the key's
 * program, in D1 and in its hub, and answers `{deleted: {…counts}}`. A live key is refused with
 * 403, so no live key can ever start a purge, and the purge itself only touches mode `test`.
 */
import { Hono } from 'hono'
import type { PurgeBody } from '../hub/purge-test-data'
import { requireSecretKey } from '../lib/auth'
import { type AppEnv, type Env, hubFor } from '../lib/env'
import { ApiError } from '../lib/errors'
import { dropReconciliationPanels } from '../reconciliation/panel-data'

export const testModeRoutes = new Hono<AppEnv>()

testModeRoutes.use('/v1/test-data', requireSecretKey)

/**
 * Runs the purge through the program's hub; the dashboard's button calls this too. The kept
 * test-mode reconciliation panel goes with the data it was computed from.
 */
export async function purgeTestData(env: Env, programId: string): Promise<PurgeBody> {
  const result = await hubFor(env, programId).purgeTestData(programId)
  dropReconciliationPanels(programId, ['test'])
  if (!result.ok) throw new ApiError(result.code, result.message, result.field)
  return result.body
}

testModeRoutes.delete('/v1/test-data', async (c) => {
  const { programId, mode } = c.get('auth')
  if (mode !== 'test')
    throw new ApiError(
      'forbidden',
      'Test data is purged with the test secret key (sk_test_…), never a live key',
    )
  return c.json(await purgeTestData(c.env, programId), 200)
})
