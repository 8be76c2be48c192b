/**
 * Starts a real collector (wrangler dev, workerd, local D1 and Durable Objects) on 127.0.0.1 with
 * a fresh database, for tests, benchmarks and `pnpm dev`.
 *
 * Tests read what the collector stored straight from its local D1 file with the sqlite3 shell,
 * read-only: a few milliseconds a query, where spawning `wrangler d1 execute` took 1.4 s.
 *
 * @example
 * const collector = await startCollector()
 * const { keys } = await collector.createProgram({ name: 'Acme' })
 * const rows = await collector.query('SELECT COUNT(*) AS n FROM clicks')
 * await collector.stop()
 */
import { execFile, spawn } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
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

/**
 * Applies the migrations in collector/drizzle/migrations to the local D1 under `persistTo`.
 *
 * A new, empty `persistTo` gets a copy of a database migrated once per set of migrations (kept in
 * the temp folder, named by a hash of the migrations and wrangler.jsonc): `wrangler d1 migrations
 * apply` costs about 9 s of CPU, and a test run starts a collector some twenty times. A folder
 * that already holds a database (the one `pnpm dev` keeps) is migrated in place.
 */
export async function migrate(persistTo) {
  const apply = (dir) =>
    run(wrangler, ['d1', 'migrations', 'apply', 'DB', '--local', '--persist-to', dir], {
      cwd: collectorDir,
      env: wranglerEnv,
    })
  if (existsSync(join(persistTo, 'v3'))) return void (await apply(persistTo))
  const template = join(tmpdir(), `refline-d1-migrated-${migrationsHash()}`)
  if (!existsSync(join(template, 'complete'))) {
    const staging = mkdtempSync(join(tmpdir(), 'refline-d1-migrating-'))
    await apply(staging)
    writeFileSync(join(staging, 'complete'), '')
    try {
      renameSync(staging, template)
    } catch {
      // Another process made it first: theirs is the same database.
      rmSync(staging, { recursive: true, force: true })
    }
  }
  cpSync(join(template, 'v3'), join(persistTo, 'v3'), { recursive: true })
}

function migrationsHash() {
  const hash = createHash('sha256')
  const dir = join(collectorDir, 'drizzle', 'migrations')
  for (const f of readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort())
    hash.update(f).update(readFileSync(join(dir, f)))
  hash.update(readFileSync(join(collectorDir, 'wrangler.jsonc')))
  return hash.digest('hex').slice(0, 16)
}

function d1File(persistTo) {
  const dir = join(persistTo, 'v3', 'd1', 'miniflare-D1DatabaseObject')
  const files = (existsSync(dir) ? readdirSync(dir) : []).filter(
    (f) => f.endsWith('.sqlite') && f !== 'metadata.sqlite',
  )
  if (files.length !== 1)
    throw new Error(
      `expected one local D1 database in ${dir}, found ${files.length}: is the collector migrated?`,
    )
  return join(dir, files[0])
}

/**
 * Runs SQL against the local D1 under `persistTo` and returns the rows, read straight from its
 * SQLite file with the sqlite3 command-line shell, read-only (a few milliseconds, where spawning
 * `wrangler d1 execute` took 1.4 s). Read-only matters: a reader that writes (as Miniflare's D1
 * does, for its own bookkeeping) takes the write lock and makes the running collector's own
 * writes fail. The collector writes the same file in WAL mode, so reads never block it; a read
 * that meets a checkpoint waits (busy timeout) and is retried.
 */
export async function queryD1(persistTo, sql) {
  const file = d1File(persistTo)
  for (let attempt = 1; ; attempt++) {
    try {
      const { stdout } = await run(
        'sqlite3',
        ['-readonly', '-bail', '-cmd', '.timeout 5000', '-json', file, sql],
        { maxBuffer: 64 * 1024 * 1024 },
      )
      return stdout.trim() ? JSON.parse(stdout) : []
    } catch (err) {
      if (err.code === 'ENOENT')
        throw new Error(
          'queryD1 needs the sqlite3 command-line shell: apt-get install sqlite3 (or brew install sqlite)',
        )
      const locked = /SQLITE_BUSY|database is locked/.test(`${err.message}${err.stderr ?? ''}`)
      if (!locked || attempt >= 8) throw err
      await new Promise((r) => setTimeout(r, 100 * attempt))
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
 * The live (not yet exited) processes of process group `pgid`, read from /proc: a process that
 * got SIGKILL is still tearing down, and holding its ports, for a while after kill() returns.
 * Zombies are left out: they hold nothing, and whoever adopted them reaps them in their own time.
 * Empty where there is no /proc.
 */
export function liveInGroup(pgid) {
  let pids
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name))
  } catch {
    return []
  }
  const live = []
  for (const pid of pids) {
    let stat
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    } catch {
      continue // ended while we looked
    }
    // pid (comm) state ppid pgrp …; comm may hold spaces and parentheses, so split after the last ')'.
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    if (Number(pgrp) === pgid && state !== 'Z' && state !== 'X') live.push(Number(pid))
  }
  return live
}

/** Resolves once group `pgid` has no live process left, or after `timeoutMs` (to whatever is left). */
export async function groupEnded(pgid, timeoutMs = 5_000) {
  const deadline = Date.now() + timeoutMs
  let left = liveInGroup(pgid)
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 20))
    left = liveInGroup(pgid)
  }
  return left
}

/** Stops (SIGKILL) each collector this process started and has not stopped yet. */
const liveGroups = new Set()
let signalsHooked = false

/**
 * A process killed by a signal never emits 'exit', so without this every collector it started
 * lives on in its own process group: a test runner that stops a stalled worker with SIGTERM, or
 * a `timeout`, left collectors holding a core for the rest of the session. The collectors are
 * stopped and the signal raised again, so the process still ends as the signal says, unless
 * someone else listens for it too (bench/signals.mjs stops its collector itself and exits).
 */
function stopGroupsOnSignal() {
  if (signalsHooked) return
  signalsHooked = true
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) {
    const handler = () => {
      // Someone else listening (pnpm dev, bench/signals.mjs) stops its collectors itself, in its
      // own order, and waits for them: killing them here first would cut that short.
      if (process.listenerCount(signal) > 0) return
      for (const stop of liveGroups) stop()
      liveGroups.clear()
      process.kill(process.pid, signal)
    }
    process.once(signal, handler)
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
  // Clicks go to D1 a second after they arrive (the deployment's default is five minutes,
  // hub/outbox.ts): tests read D1's raw clicks directly. Pass CLICK_FLUSH_SECONDS to change it.
  const vars = { ADMIN_TOKEN: adminToken, CLICK_FLUSH_SECONDS: '1', ...options.vars }
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
  // If this process ends without stop() (a crash, process.exit, a signal), the collector goes
  // with it.
  const onExit = () => signalGroup('SIGKILL')
  process.once('exit', onExit)
  liveGroups.add(onExit)
  stopGroupsOnSignal()
  const exited = new Promise((resolve) =>
    child.once('exit', (code, signal) => {
      process.removeListener('exit', onExit)
      liveGroups.delete(onExit)
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
    /** The collector's process group (wrangler's pid): every process it runs is in it. */
    pgid: child.pid,
    /**
     * Kills the whole collector at once (SIGKILL), as a crash would; the persisted state stays.
     * Resolves once none of its processes is left, so its port and files are free.
     */
    async crash() {
      options.signal?.removeEventListener('abort', kill)
      signalGroup('SIGKILL')
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))])
      await groupEnded(child.pid)
    },
    async stop() {
      options.signal?.removeEventListener('abort', kill)
      if (running()) {
        signalGroup('SIGTERM')
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))])
      }
      // Whatever of the group is still there (workerd outliving wrangler) is stopped for good, and
      // waited for: a killed workerd holds its port for a while, so a caller that reuses the port
      // (a restart, `pnpm dev` saying it stopped) would find it taken.
      signalGroup('SIGKILL')
      await groupEnded(child.pid)
      if (ownDir) rmSync(persistTo, { recursive: true, force: true })
    },
  }
}
