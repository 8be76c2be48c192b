/**
 * Starts a real collector (wrangler dev, workerd, local D1 and Durable Objects) on 127.0.0.1 with
 * a fresh database, for tests, benchmarks and `pnpm dev`.
 *
 * Tests read what the collector stored straight from its local D1 file, in this process, through
 * Miniflare (the same D1 implementation wrangler dev runs): about 20 ms a query, where spawning
 * `wrangler d1 execute` took 1.4 s.
 *
 * @example
 * const collector = await startCollector()
 * const { keys } = await collector.createProgram({ name: 'Acme' })
 * const rows = await collector.query('SELECT COUNT(*) AS n FROM clicks')
 * await collector.stop()
 */
import { execFile, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

const run = promisify(execFile)
export const collectorDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'collector')
const wrangler = join(collectorDir, 'node_modules', '.bin', 'wrangler')

export const wranglerEnv = {
  ...process.env,
  CLOUDFLARE_CF_FETCH_ENABLED: 'false',
  WRANGLER_SEND_METRICS: 'false',
  CI: 'true',
  NO_COLOR: '1',
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.unref()
    srv.on('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address()
      srv.close(() => resolve(port))
    })
  })
}

/** Applies the migrations in collector/drizzle/migrations to the local D1 under `persistTo`. */
export async function migrate(persistTo) {
  await run(wrangler, ['d1', 'migrations', 'apply', 'DB', '--local', '--persist-to', persistTo], {
    cwd: collectorDir,
    env: wranglerEnv,
  })
}

/**
 * The id wrangler dev gives the local D1 of binding `DB` (its file name is derived from it), read
 * from wrangler.jsonc: `preview_database_id` when set, else `database_id`.
 */
function localDatabaseId() {
  const config = readFileSync(join(collectorDir, 'wrangler.jsonc'), 'utf8')
  const block = /"binding"\s*:\s*"DB"[\s\S]*?\}/.exec(config)?.[0] ?? config
  const id =
    /"preview_database_id"\s*:\s*"([^"]+)"/.exec(block)?.[1] ??
    /"database_id"\s*:\s*"([^"]+)"/.exec(block)?.[1]
  if (!id) throw new Error('no database_id for binding DB in collector/wrangler.jsonc')
  return id
}

/** One Miniflare per persisted state folder, opened on first use and kept for the process. */
const readers = new Map()

async function openReader(persistTo) {
  // Loaded only when a test reads D1: `pnpm dev` and the benchmarks never pay for it.
  const { Log, LogLevel, Miniflare } = await import('miniflare')
  let stderr = ''
  const keep = (chunk) => {
    stderr = (stderr + chunk.toString()).slice(-4_000)
  }
  const mf = new Miniflare({
    modules: true,
    script: 'export default { fetch() { return new Response(null, { status: 404 }) } }',
    d1Databases: { DB: localDatabaseId() },
    d1Persist: join(persistTo, 'v3', 'd1'),
    log: new Log(LogLevel.NONE),
    // The reader's own workerd prints a stack for every error it answers; keep it for the error
    // message instead of the test output.
    handleRuntimeStdio(out, err) {
      out.on('data', keep)
      err.on('data', keep)
    },
  })
  return { mf, db: await mf.getD1Database('DB'), stderr: () => stderr }
}

function reader(persistTo) {
  let open = readers.get(persistTo)
  if (!open) {
    open = openReader(persistTo)
    readers.set(persistTo, open)
    open.catch(() => readers.delete(persistTo))
  }
  return open
}

/** Closes the in-process reader of `persistTo`, if one was opened (before its folder is removed). */
export async function closeD1(persistTo) {
  const open = readers.get(persistTo)
  if (!open) return
  readers.delete(persistTo)
  try {
    await (await open).mf.dispose()
  } catch {}
}

/**
 * Runs SQL against the local D1 under `persistTo` and returns the rows. The running collector
 * writes to the same SQLite file from its own process, so a read can meet its lock
 * (SQLITE_BUSY): it is retried.
 */
export async function queryD1(persistTo, sql) {
  const { db, stderr } = await reader(persistTo)
  for (let attempt = 1; ; attempt++) {
    try {
      const { results } = await db.prepare(sql).all()
      return results ?? []
    } catch (err) {
      // Local D1 reports a lock it waited on too long as SQLITE_BUSY, or, from inside its
      // Durable Object, as an opaque "internal error": both pass once the writer is done.
      const message = String(err?.message ?? err)
      const transient = /SQLITE_BUSY|database is locked|internal error/i.test(message)
      if (!transient || attempt >= 10) {
        if (transient) err.message = `${message}\n--- local D1 reader ---\n${stderr()}`
        throw err
      }
      await new Promise((r) => setTimeout(r, 50 * attempt))
    }
  }
}

async function waitForHealth(url, child, timeoutMs, signal) {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (signal?.aborted) throw new Error('collector start was cancelled')
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`wrangler dev exited with ${child.signalCode ?? `code ${child.exitCode}`}`)
    try {
      const res = await fetch(`${url}/healthz`)
      if (res.ok) return
    } catch {}
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`collector did not answer ${url}/healthz within ${timeoutMs} ms`)
}

/**
 * The API of a collector that is already running (started here or by another process, e.g. the
 * test runner's shared one): `api()`, `createProgram()` and `query()`.
 *
 * @param {{ url: string, adminToken: string, persistTo: string }} info
 */
export function collectorClient({ url, adminToken, persistTo }) {
  async function api(method, path, { token, body } = {}) {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    })
    const text = await res.text()
    return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null }
  }
  return {
    url,
    port: Number(new URL(url).port),
    adminToken,
    persistTo,
    api,
    /** POST /v1/programs with the admin token; resolves to `{ program, keys }`. */
    async createProgram(body = {}) {
      const res = await api('POST', '/v1/programs', {
        token: adminToken,
        body: { name: 'Test program', ...body },
      })
      if (res.status !== 201)
        throw new Error(`createProgram failed: ${res.status} ${JSON.stringify(res.body)}`)
      return res.body
    },
    query: (sql) => queryD1(persistTo, sql),
  }
}

/**
 * @param {{ port?: number, persistTo?: string, adminToken?: string, vars?: Record<string,string>, log?: boolean, signal?: AbortSignal }} [options]
 */
export async function startCollector(options = {}) {
  const ownDir = !options.persistTo
  const persistTo = options.persistTo ?? mkdtempSync(join(tmpdir(), 'refline-d1-'))
  const port = options.port ?? (await freePort())
  const adminToken = options.adminToken ?? `adm_${randomBytes(18).toString('base64url')}`
  const url = `http://127.0.0.1:${port}`
  const vars = { ADMIN_TOKEN: adminToken, ...options.vars }
  const args = [
    'dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--persist-to',
    persistTo,
    '--show-interactive-dev-session=false',
    '--inspector-port',
    String(await freePort()),
  ]
  for (const [k, v] of Object.entries(vars)) args.push('--var', `${k}:${v}`)
  // The migrations and wrangler dev start side by side (two Node processes, two cores): the
  // worker opens D1 on its first request, and nothing is sent to it before both are done.
  const migrated = migrate(persistTo)
  // Its own process group: wrangler runs a second Node process, workerd and esbuild under it,
  // and stopping the group stops them all, even when wrangler itself is slow to pass it on.
  const child = spawn(wrangler, args, {
    cwd: collectorDir,
    env: wranglerEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  })
  const running = () => child.exitCode === null && child.signalCode === null
  const signalGroup = (signal) => {
    try {
      process.kill(-child.pid, signal)
    } catch {}
  }
  // If this process ends without stop() (a crash, process.exit), the collector goes with it.
  const onExit = () => signalGroup('SIGKILL')
  process.once('exit', onExit)
  const exited = new Promise((resolve) =>
    child.once('exit', (code, signal) => {
      process.removeListener('exit', onExit)
      resolve({ code, signal })
    }),
  )
  const kill = () => {
    if (running()) signalGroup('SIGTERM')
  }
  options.signal?.addEventListener('abort', kill, { once: true })
  let output = ''
  const collect = (chunk) => {
    output = (output + chunk.toString()).slice(-20_000)
    if (options.log) process.stderr.write(chunk)
  }
  child.stdout.on('data', collect)
  child.stderr.on('data', collect)
  try {
    await Promise.all([migrated, waitForHealth(url, child, 60_000, options.signal)])
  } catch (err) {
    kill()
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))])
    signalGroup('SIGKILL')
    if (ownDir) rmSync(persistTo, { recursive: true, force: true })
    throw new Error(`${err.message}\n--- wrangler output ---\n${output}`)
  }

  return {
    ...collectorClient({ url, adminToken, persistTo }),
    output: () => output,
    /** Resolves when wrangler dev exits, for whatever reason. */
    exited,
    async stop() {
      options.signal?.removeEventListener('abort', kill)
      if (running()) {
        signalGroup('SIGTERM')
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))])
      }
      // Whatever of the group is still there (workerd outliving wrangler) is stopped for good.
      signalGroup('SIGKILL')
      await closeD1(persistTo)
      if (ownDir) rmSync(persistTo, { recursive: true, force: true })
    },
  }
}
