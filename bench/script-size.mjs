/**
 * Size of the browser tracking script as visitors download it: raw, gzip -9 and brotli (quality
 * 11) of sdk-browser/dist/refline.js, against the 1,000-byte gzip budget and against the scripts
 * of comparable affiliate trackers, which weigh 1.7–2.9 KB gzipped (1 KB = 1,000 bytes here).
 *
 * Run alone with `node bench/script-size.mjs`, or as part of `pnpm bench`. Builds the script
 * first when dist/ is missing.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { brotliCompressSync, constants, gzipSync } from 'node:zlib'

const SCRIPT = new URL('../sdk-browser/dist/refline.js', import.meta.url)
const BUDGET = 1000
const PEERS = { low: 1700, high: 2900 }

export async function run() {
  if (!existsSync(SCRIPT)) {
    execFileSync('pnpm', ['--filter', '@refline/browser', 'build'], {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      stdio: 'inherit',
    })
  }
  const code = readFileSync(SCRIPT)
  const raw = code.length
  const gzip = gzipSync(code, { level: 9 }).length
  const brotli = brotliCompressSync(code, {
    params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: raw },
  }).length
  const ok = gzip <= BUDGET
  console.log('\nBrowser script (sdk-browser/dist/refline.js):')
  console.table({
    raw: { bytes: raw },
    'gzip -9': { bytes: gzip },
    'brotli 11': { bytes: brotli },
  })
  console.log('gzip budget %d bytes: %s (%d bytes to spare)', BUDGET, ok ? 'within' : 'OVER', BUDGET - gzip)
  console.log(
    'peers %s–%s KB gzipped: %s–%s× the size of refline.js (%s–%s%% smaller)',
    (PEERS.low / 1000).toFixed(1),
    (PEERS.high / 1000).toFixed(1),
    (PEERS.low / gzip).toFixed(2),
    (PEERS.high / gzip).toFixed(2),
    Math.round((1 - gzip / PEERS.low) * 100),
    Math.round((1 - gzip / PEERS.high) * 100),
  )
  return { ok, raw, gzip, brotli }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { ok } = await run()
  process.exit(ok ? 0 : 1)
}
