/**
 * Hourly maintenance (the cron trigger): commissions past their hold period become `approved`;
 * IP salts older than 48 hours are deleted so old visitor hashes can never be linked again.
 */
export async function runMaintenance(
  db: D1Database,
  now = Date.now(),
): Promise<{ approved: number; saltsDeleted: number }> {
  const nowIso = new Date(now).toISOString()
  const oldestDay = new Date(now - 2 * 86_400_000).toISOString().slice(0, 10)
  const [approved, salts] = await db.batch([
    db
      .prepare(
        "UPDATE commissions SET status = 'approved', updated_at = ? WHERE status = 'pending' AND due_at <= ?",
      )
      .bind(nowIso, nowIso),
    db.prepare('DELETE FROM salts WHERE day < ?').bind(oldestDay),
  ])
  return { approved: approved?.meta.changes ?? 0, saltsDeleted: salts?.meta.changes ?? 0 }
}
