/**
 * Hourly maintenance (the cron trigger): commissions past their hold period become `approved`,
 * each program's through its hub (so counters, live messages and webhooks follow); IP salts older
 * than 48 hours are deleted so old visitor hashes can never be linked again; raw clicks past a
 * program's `click_retention_days` are deleted (privacy/click-retention.ts).
 */
import { programsWithDueCommissions } from '../hub/approvals'
import { pruneRawClicks } from '../privacy/click-retention'
import { type Env, hubFor } from './env'

export async function runMaintenance(
  env: Pick<Env, 'DB' | 'HUB'>,
  now = Date.now(),
): Promise<{ approved: number; saltsDeleted: number; clicksDeleted: number }> {
  const oldestDay = new Date(now - 2 * 86_400_000).toISOString().slice(0, 10)
  const salts = await env.DB.prepare('DELETE FROM salts WHERE day < ?').bind(oldestDay).run()
  let approved = 0
  for (const programId of await programsWithDueCommissions(env.DB, now)) {
    try {
      approved += await hubFor(env as Env, programId).approveDue(programId, now)
    } catch (err) {
      // One program's failure must not stop the others; the next hour retries it.
      console.error('approving due commissions failed', programId, err)
    }
  }
  const clicksDeleted = await pruneRawClicks(env, now)
  return { approved, saltsDeleted: salts.meta.changes ?? 0, clicksDeleted }
}
