/**
 * Reporting of two trees of the code on the same data: seeds a year once (bench/seed-year.mjs,
 * through this tree's collector) into one local state folder, then each round starts a collector
 * from each tree in turn on that folder (scripts/local-collector.mjs of that tree, so its own
 * build; the trees must share their migrations) and times every reporting request of
 * bench/reporting.mjs, GET /healthz first. Prints each run's p95 and the medians. Alternating the
 * trees puts both under the same machine load, which on a shared machine moves single runs a lot.
 *
 * The other tree is a git worktree of an older commit, sharing this one's dependencies:
 *
 *   git worktree add /tmp/refline-base <commit>
 *   ln -s "$PWD/node_modules" /tmp/refline-base/node_modules
 *   ln -s "$PWD/collector/node_modules" /tmp/refline-base/collector/node_modules
 *   node bench/reporting-ab.mjs /tmp/refline-base . [rounds] [affiliates] [rows] [samples]
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { seedForShapes, shapesFor, signIn, time } from './reporting.mjs'

const [a, b, roundsArg, affiliatesArg, rowsArg, samplesArg] = process.argv.slice(2)
if (!a || !b) {
  console.error('usage: node bench/reporting-ab.mjs <tree A> <tree B> [rounds] [affiliates] [rows] [samples]')
  process.exit(2)
}
const trees = [resolve(a), resolve(b)]
const rounds = Number(roundsArg) || 3
const affiliates = Number(affiliatesArg) || 200
const rows = Number(rowsArg) || 1_000_000
const samples = Number(samplesArg) || 30

const persistTo = mkdtempSync(join(tmpdir(), 'refline-reporting-ab-'))
const adminToken = `adm_reporting_ab_${Date.now().toString(36)}`
const collectorOf = async (tree) => {
  const { startCollector } = await import(pathToFileURL(`${tree}/scripts/local-collector.mjs`).href)
  return startCollector({ persistTo, adminToken, vars: { D1_METER: 'on' } })
}

try {
  const seeding = await collectorOf(resolve('.'))
  let seeded
  let portalPath
  try {
    ;({ seeded, portalPath } = await seedForShapes(seeding, { affiliates, rows }))
  } finally {
    await seeding.stop()
  }

  const runs = trees.map(() => [])
  for (let round = 0; round < rounds; round++) {
    for (const [side, tree] of trees.entries()) {
      const c = await collectorOf(tree)
      try {
        const cookie = await signIn(c.url, adminToken)
        const r = {}
        for (const [name, [url, headers]] of Object.entries(shapesFor(c.url, seeded, cookie, portalPath)))
          r[name] = await time(url, headers, samples)
        runs[side].push(r)
        const loadavg = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')
        const fmt = Object.entries(r).map(([k, v]) => `${k} ${v.p95}`)
        console.log(`round ${round + 1} ${tree} (p95 ms; load ${loadavg}): ${fmt.join(', ')}`)
      } finally {
        await c.stop()
      }
    }
  }
  const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]
  console.log(`\nmedians of ${rounds} rounds, ms (${samples} samples a run; D1 rows read from the last run):`)
  const table = {}
  for (const name of Object.keys(runs[0][0])) {
    const row = {}
    for (const [side, tree] of trees.entries()) {
      const rs = runs[side]
      row[`${tree} p50`] = median(rs.map((r) => r[name].p50))
      row[`${tree} p95`] = median(rs.map((r) => r[name].p95))
      row[`${tree} rows`] = rs.at(-1)[name].d1_rows_read
    }
    table[name] = row
  }
  console.table(table)
} finally {
  rmSync(persistTo, { recursive: true, force: true })
}
