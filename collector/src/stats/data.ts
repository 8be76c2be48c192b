/**
 * The stats data module's plain reads of the hourly rollups. The stats answer itself is one raw
 * `UNION ALL` over the grains (lib/stats-query.ts).
 */
import type { Mode } from '../shared'

/**
 * Every affiliate of the program with its code and status, and its last activity within the
 * filters (range, sub-id) to the hour, from the rollups (never from raw events): what the
 * dashboard's table needs beside the stats, in one read (it was two: every column of every
 * affiliate, and the last activity apart). In no particular order.
 *
 * One `MAX(hour)` per affiliate of the program, each a single seek in `rollups_by_affiliate_hour`
 * (or the primary key, with a sub-id): a year of rollups costs a few hundred rows read, where a
 * `GROUP BY` over the range read every hourly row in it (about a million at a year's scale).
 */
export async function affiliateActivity(
  db: D1Database,
  programId: string,
  mode: Mode,
  range: { from: string; to: string; sub?: string | undefined },
): Promise<Array<{ id: string; code: string; status: string; last: string | null }>> {
  const subFilter = range.sub !== undefined ? ' AND r.sub = ?5' : ''
  const params: unknown[] = [programId, mode, range.from.slice(0, 13), range.to.slice(0, 13)]
  if (range.sub !== undefined) params.push(range.sub)
  const { results } = await db
    .prepare(
      `SELECT a.id, a.code, a.status, (SELECT MAX(r.hour) FROM rollups r WHERE r.program_id = ?1 AND r.mode = ?2
         AND r.affiliate_id = a.id AND r.hour >= ?3 AND r.hour <= ?4${subFilter}) AS hour
       FROM affiliates a WHERE a.program_id = ?1`,
    )
    .bind(...params)
    .all<{ id: string; code: string; status: string; hour: string | null }>()
  return results.map((r) => ({
    id: r.id,
    code: r.code,
    status: r.status,
    last: r.hour === null ? null : `${r.hour}:00:00.000Z`,
  }))
}
