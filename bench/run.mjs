/**
 * `pnpm bench`: every benchmark against one real local collector, printing figures and ratios
 * against baselines measured in the same run. Exits non-zero when a correctness check fails.
 */
import { existsSync } from 'node:fs'
import { startCollector } from '../scripts/local-collector.mjs'

const here = new URL('.', import.meta.url)
const suites = ['ingest.mjs', 'script-size.mjs', 'live-latency.mjs', 'page-weight.mjs', 'reporting.mjs']

const collector = await startCollector()
let failed = false
try {
  for (const file of suites) {
    const url = new URL(file, here)
    if (!existsSync(url)) continue
    console.log(`\n=== ${file} ===`)
    const mod = await import(url.href)
    const result = await mod.run({ collector })
    if (result && result.ok === false) failed = true
  }
} finally {
  await collector.stop()
}
process.exit(failed ? 1 : 0)
