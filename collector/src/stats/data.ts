/**
 * The stats data module's plain reads of the hourly rollups (typed from the drizzle schema). The
 * stats answer itself is one raw `UNION ALL` over the grains (lib/stats-query.ts).
 */
import { and, eq, gte, lte, max, ne } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/d1'
import { rollups } from '../db/schema'
import type { Mode } from '../shared'

/**
 * Last activity per affiliate within the filters (range, sub-id), to the hour, from the rollups
 * (never from raw events): affiliate id → the hour's start as an ISO time.
 */
export async function lastActivity(
  db: D1Database,
  programId: string,
  mode: Mode,
  range: { from: string; to: string; sub?: string | undefined },
): Promise<Record<string, string>> {
  const rows = await drizzle(db)
    .select({ affiliateId: rollups.affiliateId, hour: max(rollups.hour) })
    .from(rollups)
    .where(
      and(
        eq(rollups.programId, programId),
        eq(rollups.mode, mode),
        gte(rollups.hour, range.from.slice(0, 13)),
        lte(rollups.hour, range.to.slice(0, 13)),
        ne(rollups.affiliateId, ''),
        range.sub !== undefined ? eq(rollups.sub, range.sub) : undefined,
      ),
    )
    .groupBy(rollups.affiliateId)
  return Object.fromEntries(rows.map((r) => [r.affiliateId, `${r.hour}:00:00.000Z`]))
}
