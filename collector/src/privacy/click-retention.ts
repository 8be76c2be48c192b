/**
 * Raw-click retention (`click_retention_days`, docs/privacy.md): run by the hourly cron, it
 * deletes each program's raw clicks older than its setting from D1, at most `RETENTION_BATCH` a
 * program per run (a backlog shrinks by that much an hour, so one run never holds D1 for long),
 * and tells the program's hub to drop its own copies. Rollups are separate rows: the numbers on
 * every page stay the same.
 */
import { isNotNull } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/d1'
import { programs } from '../db/schema'
import { type Env, hubFor } from '../lib/env'

export const RETENTION_BATCH = 5_000
const DAY = 86_400_000

export async function pruneRawClicks(env: Pick<Env, 'DB' | 'HUB'>, now = Date.now()): Promise<number> {
  const rows = await drizzle(env.DB)
    .select({ id: programs.id, days: programs.clickRetentionDays, cookieDays: programs.cookieDays })
    .from(programs)
    .where(isNotNull(programs.clickRetentionDays))
  let deleted = 0
  for (const p of rows) {
    if (p.days === null) continue
    const cutoff = now - p.days * DAY
    try {
      // rowid and LIMIT in a subquery: SQLite's DELETE takes no LIMIT of its own.
      const res = await env.DB.prepare(
        'DELETE FROM clicks WHERE rowid IN (SELECT rowid FROM clicks WHERE program_id = ? AND created_at < ? LIMIT ?)',
      )
        .bind(p.id, new Date(cutoff).toISOString(), RETENTION_BATCH)
        .run()
      deleted += res.meta.changes ?? 0
      // The hub keeps its clicks for attribution within the cookie window whatever the setting.
      await hubFor(env as Env, p.id).pruneClicksBefore(now - Math.max(p.days, p.cookieDays) * DAY)
    } catch (err) {
      console.error('click retention failed', p.id, err)
    }
  }
  return deleted
}
