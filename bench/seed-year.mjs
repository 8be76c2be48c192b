/**
 * Seeds a local collector with a year of reporting data: a program, `affiliates` affiliates
 * (created through the API) × 4 sub-ids, and about `rows` hourly rollup rows over 365 days
 * (one click each, a conversion with revenue and commission on one row in ten): 1,000,000
 * clicks and 100,000 conversions at the defaults.
 *
 * The rollup rows are written straight into the local D1's SQLite file in one INSERT … SELECT
 * (seconds, where a million API calls would take hours). They have the shape the hub's own
 * `rollupStatement` writes: currency '' for counts, the currency's row for money. The coarser
 * grains are then filled with one INSERT … SELECT … GROUP BY each, with the grain triggers
 * (migrations 0009 and 0015) set aside meanwhile and put back as they were: the triggers would
 * give the same rows one upsert at a time (src/stats/grains.test.ts checks that they do), and
 * take minutes. Raw clicks and conversions are not seeded: stats, the dashboard's overview and
 * the portal read rollups only.
 *
 * Run: `node bench/seed-year.mjs` prints the figures of a seeded collector; bench/reporting.mjs
 * uses `seedYear`.
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

function d1File(persistTo) {
  const dir = join(persistTo, 'v3', 'd1', 'miniflare-D1DatabaseObject')
  const file = readdirSync(dir).find((f) => f.endsWith('.sqlite') && f !== 'metadata.sqlite')
  return join(dir, file)
}

/**
 * @param {{ api: Function, createProgram: Function, persistTo: string }} collector
 * @param {{ affiliates?: number, rows?: number, days?: number }} [options]
 */
export async function seedYear(collector, { affiliates = 200, rows = 1_000_000, days = 365 } = {}) {
  const started = Date.now()
  const { program, keys } = await collector.createProgram({ name: `Year ${affiliates}` })
  const ids = []
  for (let i = 0; i < affiliates; i++) {
    const res = await collector.api('POST', '/v1/affiliates', {
      token: keys.secret,
      body: { name: `Affiliate ${i}`, email: `a${i}@year.example`, code: `year${i}` },
    })
    if (res.status !== 201) throw new Error(`affiliate ${i}: ${res.status} ${JSON.stringify(res.body)}`)
    ids.push(res.body.affiliate.id)
  }
  const combos = affiliates * 4
  const hours = days * 24
  // Keep a row when a fixed hash of (hour, combination) falls under the share that gives `rows`.
  const perMille = Math.min(1000, Math.ceil((rows / (hours * combos)) * 1000))
  const end = Math.floor(Date.now() / 3_600_000) * 3_600
  const start = end - hours * 3_600
  const file0 = d1File(collector.persistTo)
  const triggers = JSON.parse(
    (
      await run('sqlite3', [
        '-json',
        file0,
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'rollups' ORDER BY name",
      ])
    ).stdout || '[]',
  )
  const sums =
    'SUM(clicks), SUM(unique_clicks), SUM(bot_clicks), SUM(signups), SUM(conversions), SUM(refunds), SUM(revenue), SUM(commission)'
  const sumCols = 'clicks, unique_clicks, bot_clicks, signups, conversions, refunds, revenue, commission'
  // The affiliate grains also count the hourly rows each row sums, as their triggers do.
  const grain = (table, keyCol, keyExpr, dims, counted = false) =>
    `INSERT INTO ${table} (program_id, mode, ${keyCol}, ${dims}currency, ${sumCols}${counted ? ', hour_rows' : ''})
SELECT program_id, mode, ${keyExpr}, ${dims}currency, ${sums}${counted ? ', COUNT(*)' : ''} FROM rollups WHERE program_id = '${program.id}'
GROUP BY program_id, mode, ${keyExpr}, ${dims}currency;`
  const sql = `
PRAGMA busy_timeout = 10000;
CREATE TEMP TABLE aff (i INTEGER PRIMARY KEY, id TEXT NOT NULL);
INSERT INTO aff (i, id) VALUES ${ids.map((id, i) => `(${i}, '${id}')`).join(', ')};
CREATE TEMP TABLE seeded AS
WITH RECURSIVE hrs(h) AS (SELECT 0 UNION ALL SELECT h + 1 FROM hrs WHERE h < ${hours - 1}),
     cmb(c) AS (SELECT 0 UNION ALL SELECT c + 1 FROM cmb WHERE c < ${combos - 1})
SELECT h, c, ((h * 7919 + c * 104729) % 1000) AS r FROM hrs, cmb
WHERE ((h * 7919 + c * 104729) % 1000) < ${perMille};
BEGIN;
${triggers.map((t) => `DROP TRIGGER ${t.name};`).join('\n')}
INSERT INTO rollups (program_id, mode, affiliate_id, sub, hour, currency, clicks, unique_clicks, bot_clicks, signups, conversions, refunds, revenue, commission)
SELECT '${program.id}', 'live', aff.id, 's' || (c % 4), strftime('%Y-%m-%dT%H', ${start} + h * 3600, 'unixepoch'), '',
       1, r % 2, 0, CASE WHEN r % 20 = 0 THEN 1 ELSE 0 END, CASE WHEN r % 10 = 0 THEN 1 ELSE 0 END, 0, 0, 0
FROM seeded JOIN aff ON aff.i = seeded.c / 4;
INSERT INTO rollups (program_id, mode, affiliate_id, sub, hour, currency, clicks, unique_clicks, bot_clicks, signups, conversions, refunds, revenue, commission)
SELECT '${program.id}', 'live', aff.id, 's' || (c % 4), strftime('%Y-%m-%dT%H', ${start} + h * 3600, 'unixepoch'), 'USD',
       0, 0, 0, 0, 0, 0, 1000 + r * 7, 200 + r
FROM seeded JOIN aff ON aff.i = seeded.c / 4 WHERE r % 10 = 0;
${grain('rollup_days', 'day', 'substr(hour, 1, 10)', 'affiliate_id, sub, ')}
${grain('rollup_months', 'month', 'substr(hour, 1, 7)', 'affiliate_id, sub, ')}
${grain('rollup_program_hours', 'hour', 'hour', '')}
${grain('rollup_affiliate_days', 'day', 'substr(hour, 1, 10)', 'affiliate_id, ', true)}
${grain('rollup_affiliate_months', 'month', 'substr(hour, 1, 7)', 'affiliate_id, ', true)}
${grain('rollup_program_days', 'day', 'substr(hour, 1, 10)', '')}
${triggers.map((t) => `${t.sql};`).join('\n')}
COMMIT;
SELECT (SELECT COUNT(*) FROM rollups WHERE program_id = '${program.id}') AS rollup_rows,
       (SELECT SUM(clicks) FROM rollups WHERE program_id = '${program.id}') AS clicks,
       (SELECT SUM(conversions) FROM rollups WHERE program_id = '${program.id}') AS conversions,
       (SELECT COUNT(*) FROM rollup_days WHERE program_id = '${program.id}') AS day_rows,
       (SELECT COUNT(*) FROM rollup_months WHERE program_id = '${program.id}') AS month_rows,
       (SELECT COUNT(*) FROM rollup_program_hours WHERE program_id = '${program.id}') AS program_hour_rows,
       (SELECT COUNT(*) FROM rollup_affiliate_days WHERE program_id = '${program.id}') AS affiliate_day_rows,
       (SELECT COUNT(*) FROM rollup_affiliate_months WHERE program_id = '${program.id}') AS affiliate_month_rows,
       (SELECT COUNT(*) FROM rollup_program_days WHERE program_id = '${program.id}') AS program_day_rows,
       (SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'rollups') AS triggers;`
  const dir = mkdtempSync(join(tmpdir(), 'refline-seed-'))
  const file = join(dir, 'seed.sql')
  writeFileSync(file, sql)
  const { stdout } = await run('sqlite3', ['-json', file0, `.read ${file}`], {
    maxBuffer: 16 * 1024 * 1024,
  })
    .catch((err) => {
      throw new Error(`seeding failed: ${err.stderr ?? err.message}`)
    })
    .finally(() => rmSync(dir, { recursive: true, force: true }))
  // sqlite3 -json prints one array per statement that returns rows (the PRAGMA's too): the counts
  // are the last one.
  const arrays = stdout.trim().split(/(?<=\])\s*(?=\[)/)
  const counts = JSON.parse(arrays.at(-1) || '[{}]')[0]
  return { program, keys, affiliateIds: ids, counts, seconds: (Date.now() - started) / 1000 }
}
