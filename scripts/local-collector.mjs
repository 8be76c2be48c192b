/**
 * Starts a real collector (wrangler dev, workerd, local D1 and Durable Objects) on 127.0.0.1 with
 * a fresh database, for tests, benchmarks and `pnpm dev`.
 *
 * @example
 * const collector = await startCollector()
 * const { keys } = await collector.createProgram({ name: 'Acme' })
 * const rows = await collector.query('SELECT COUNT(*) AS n FROM clicks')
 * await collector.stop()
 */
import { execFile, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
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
 * Runs SQL against the local D1 under `persistTo` and returns the rows. The running collector
 * writes to the same SQLite file, so a read can meet a lock (SQLITE_BUSY): it is retried.
 */
export async function queryD1(persistTo, sql) {
  for (let attempt = 1; ; attempt++) {
    try {
      const { stdout } = await run(
        wrangler,
        ['d1', 'execute', 'DB', '--local', '--persist-to', persistTo, '--json', '--command', sql],
        { cwd: collectorDir, env: wranglerEnv, maxBuffer: 64 * 1024 * 1024 },
      )
      const parsed = JSON.parse(stdout)
      return parsed[0]?.results ?? []
    } catch (err) {
      const locked = /SQLITE_BUSY|database is locked/.test(
        `${err.message}${err.stdout ?? ''}${err.stderr ?? ''}`,
      )
      if (!locked || attempt >= 8) throw err
      await new Promise((r) => setTimeout(r, 100 * attempt))
    }
  }
}

async function waitForHealth(url, child, timeoutMs) {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited with code ${child.exitCode}`)
    try {
      const res = await fetch(`${url}/healthz`)
      if (res.ok) return
    } catch {}
    await new Promise((r) => setTimeout(r, 200))
  }
  throw new Error(`collector did not answer ${url}/healthz within ${timeoutMs} ms`)
}

/**
 * @param {{ port?: number, persistTo?: string, adminToken?: string, vars?: Record<string,string>, log?: boolean }} [options]
 */
export async function startCollector(options = {}) {
  const ownDir = !options.persistTo
  const persistTo = options.persistTo ?? mkdtempSync(join(tmpdir(), 'refline-d1-'))
  const port = options.port ?? (await freePort())
  const adminToken = options.adminToken ?? `adm_${randomBytes(18).toString('base64url')}`
  const url = `http://127.0.0.1:${port}`
  await migrate(persistTo)
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
  const child = spawn(wrangler, args, {
    cwd: collectorDir,
    env: wranglerEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  const collect = (chunk) => {
    output = (output + chunk.toString()).slice(-20_000)
    if (options.log) process.stderr.write(chunk)
  }
  child.stdout.on('data', collect)
  child.stderr.on('data', collect)
  try {
    await waitForHealth(url, child, 60_000)
  } catch (err) {
    child.kill('SIGTERM')
    throw new Error(`${err.message}\n--- wrangler output ---\n${output}`)
  }

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
    port,
    adminToken,
    persistTo,
    api,
    output: () => output,
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
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r))
        child.kill('SIGTERM')
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))])
        if (child.exitCode === null) child.kill('SIGKILL')
      }
      if (ownDir) rmSync(persistTo, { recursive: true, force: true })
    },
  }
}
