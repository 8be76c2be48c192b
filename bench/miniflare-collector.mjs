/**
 * The collector under Miniflare directly, without `wrangler dev`: the Worker bundle that
 * `wrangler deploy --dry-run` writes, the ProgramHub and WebhookDispatcher Durable Objects on
 * SQLite storage, a local D1 migrated like the one `wrangler dev` uses, and the vars and rate
 * limits of collector/wrangler.jsonc.
 *
 * Why a second runtime for the benches: `wrangler dev` puts a proxy worker (its own workerd
 * process) in front of the collector, and that proxy caps even `GET /healthz` at about 2,000
 * req/s on this machine, so under it every ratio is partly the proxy's. Here requests go straight
 * to the Worker's workerd.
 *
 * The bundle is built into a temporary folder rather than collector/dist, so a build running at
 * the same time elsewhere cannot swap it mid-run; the build is of the tree as it is now and does
 * not follow later edits (wrangler dev does), which also keeps a measurement from being cut by a
 * reload.
 *
 * @example
 * const collector = await startMiniflareCollector()
 * const { keys } = await collector.createProgram({ name: 'Acme' })
 * await collector.stop()
 */
import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { collectorClient, collectorDir, freePort, migrate, wranglerEnv } from '../scripts/local-collector.mjs'

const run = promisify(execFile)
// Miniflare is a dependency of the collector (catalog version, the one wrangler itself runs).
const { Miniflare } = createRequire(join(collectorDir, 'package.json'))('miniflare')

/** wrangler.jsonc with its comments removed (no string in it holds `//` or `/*`). */
function wranglerConfig() {
  const text = readFileSync(join(collectorDir, 'wrangler.jsonc'), 'utf8')
  return JSON.parse(text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$|\s\/\/.*$/gm, ''))
}

/** Builds the Worker as `pnpm --filter @refline/collector build` does, into `outdir`. */
export async function buildWorker(outdir) {
  await run(
    join(collectorDir, 'node_modules', '.bin', 'wrangler'),
    ['deploy', '--dry-run', '--outdir', outdir],
    {
      cwd: collectorDir,
      env: wranglerEnv,
      maxBuffer: 16 * 1024 * 1024,
    },
  )
  return join(outdir, 'index.js')
}

/**
 * `persistTo` opens an existing state folder (one a `wrangler dev` collector left, say), which
 * stop() then leaves in place; without it the collector gets a fresh one and deletes it.
 * @param {{ port?: number, persistTo?: string, adminToken?: string, vars?: Record<string,string>, inspectorPort?: number }} [options]
 */
export async function startMiniflareCollector(options = {}) {
  const config = wranglerConfig()
  const ownDir = !options.persistTo
  const persistTo = options.persistTo ?? mkdtempSync(join(tmpdir(), 'refline-mf-'))
  const build = mkdtempSync(join(tmpdir(), 'refline-mf-build-'))
  const port = options.port ?? (await freePort())
  const adminToken = options.adminToken ?? `adm_${randomBytes(18).toString('base64url')}`
  const [script] = await Promise.all([buildWorker(build), migrate(persistTo)])
  const d1 = config.d1_databases[0]
  const mf = new Miniflare({
    host: '127.0.0.1',
    port,
    modules: true,
    modulesRoot: build,
    scriptPath: script,
    compatibilityDate: config.compatibility_date,
    compatibilityFlags: config.compatibility_flags,
    bindings: { ...config.vars, ADMIN_TOKEN: adminToken, ...options.vars },
    // The same database id as wrangler dev, under the same v3 folder, so migrate() and queryD1()
    // from scripts/local-collector.mjs find the file.
    d1Databases: { [d1.binding]: d1.database_id },
    d1Persist: join(persistTo, 'v3', 'd1'),
    durableObjects: Object.fromEntries(
      config.durable_objects.bindings.map((b) => [b.name, { className: b.class_name, useSQLite: true }]),
    ),
    durableObjectsPersist: join(persistTo, 'v3', 'do'),
    ratelimits: Object.fromEntries(config.ratelimits.map((r) => [r.name, { simple: r.simple }])),
    ...(options.inspectorPort ? { inspectorPort: options.inspectorPort } : {}),
  })
  const url = (await mf.ready).toString().replace(/\/$/, '')
  return {
    ...collectorClient({ url, adminToken, persistTo }),
    runtime: 'miniflare',
    /** The bundle it runs (deleted by stop()). */
    script,
    async stop() {
      await mf.dispose()
      if (ownDir) rmSync(persistTo, { recursive: true, force: true })
      rmSync(build, { recursive: true, force: true })
    },
  }
}
