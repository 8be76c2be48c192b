/**
 * `pnpm dev`: runs all of Refline on this machine — the collector on http://127.0.0.1:8787 with
 * embedded local D1 and Durable Objects, seeded with a demo program (affiliates jane and omar),
 * and the demo SaaS on http://127.0.0.1:3000. Safe to run again: it reuses its state in .refline/.
 *
 * Ports: `REFLINE_PORT` (collector, default 8787) and `DEMO_PORT` (demo, default 3000). Both are
 * checked before anything starts, and "Refline is running" is printed only once both answer.
 * Ctrl+C stops both and exits quietly.
 */
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
// REFLINE_DEV_DIR moves the state (used by the script's own tests, so they never touch yours).
const stateDir = process.env.REFLINE_DEV_DIR || join(root, '.refline')
const devFile = join(stateDir, 'dev.json')
const demoDir = join(root, 'examples', 'saas-demo')

/** Stops with a message and no stack trace: everything here is for a person at a terminal. */
function fail(message) {
  console.error(`\n${message}\n`)
  process.exit(1)
}

/** `REFLINE_PORT=abc` is a mistake to name, not a NaN to pass on to wrangler. */
function portFrom(name, fallback) {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return fallback
  const port = Number(raw)
  if (!/^\d+$/.test(raw) || port < 1 || port > 65535)
    fail(
      `${name}=${raw} is not a port number: use a whole number from 1 to 65535, e.g. ${name}=${fallback + 1}.`,
    )
  return port
}

/** Resolves to null when 127.0.0.1:port can be listened on, else to the error code (EADDRINUSE…). */
function probePort(port) {
  return new Promise((resolve) => {
    const server = createServer()
    server.unref()
    server.once('error', (err) => resolve(err.code ?? String(err)))
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(null)))
  })
}

/** The next port up that is free (and not `avoid`), to suggest one that will work. */
async function suggestPort(port, avoid) {
  for (let p = port + 1; p < Math.min(port + 50, 65536); p++)
    if (p !== avoid && (await probePort(p)) === null) return p
  return port + 1
}

const COLLECTOR_PORT = portFrom('REFLINE_PORT', 8787)
const DEMO_PORT = portFrom('DEMO_PORT', 3000)
const DEMO_URL = `http://127.0.0.1:${DEMO_PORT}`

if (COLLECTOR_PORT === DEMO_PORT)
  fail(`REFLINE_PORT and DEMO_PORT are both ${DEMO_PORT}: the collector and the demo need one port each.`)

// Both ports first: a taken port is the commonest reason `pnpm dev` cannot work, and finding out
// after the collector has started (or after printing that all is well) helps no one.
for (const [name, port, other, what] of [
  ['REFLINE_PORT', COLLECTOR_PORT, DEMO_PORT, 'the collector'],
  ['DEMO_PORT', DEMO_PORT, COLLECTOR_PORT, 'the demo SaaS'],
]) {
  const problem = await probePort(port)
  if (!problem) continue
  const free = await suggestPort(port, other)
  fail(
    problem === 'EADDRINUSE'
      ? `Port ${port} is already in use, so ${what} cannot start on it.\n` +
          `Stop whatever listens there (see: lsof -i :${port}), or choose another port with ${name}:\n` +
          `  ${name}=${free} pnpm dev`
      : `Cannot listen on 127.0.0.1:${port} for ${what} (${problem}). Choose another port with ${name}:\n` +
          `  ${name}=${free} pnpm dev`,
  )
}

const { groupEnded, startCollector } = await import('./local-collector.mjs')

mkdirSync(stateDir, { recursive: true })
const previous = existsSync(devFile) ? JSON.parse(readFileSync(devFile, 'utf8')) : {}
const adminToken = previous.adminToken ?? `adm_${randomBytes(24).toString('base64url')}`

/** @type {Awaited<ReturnType<typeof startCollector>> | null} */
let collector = null
/** @type {import('node:child_process').ChildProcess | null} */
let demo = null
let stopping = false

/** Signals the demo's whole process group (tsx runs the server in a child of its own). */
function signalDemo(signal) {
  try {
    if (demo?.pid) process.kill(-demo.pid, signal)
  } catch {}
}
process.once('exit', () => signalDemo('SIGKILL'))

/** Stops the demo, then the collector; waits for both, so nothing is left holding a port. */
async function stopAll() {
  if (demo && demo.exitCode === null && demo.signalCode === null) {
    const exited = new Promise((r) => demo?.once('exit', r))
    signalDemo('SIGTERM')
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))])
  }
  signalDemo('SIGKILL')
  if (demo?.pid) await groupEnded(demo.pid)
  await collector?.stop()
}

/** Cancels a collector start that Ctrl+C interrupts. */
const starting = new AbortController()

async function shutdown() {
  if (stopping) return
  stopping = true
  starting.abort()
  await stopAll()
  process.exit(0)
}
// The collector and the demo run in process groups of their own, so Ctrl+C reaches only this
// process, which stops them in order, waits for them and leaves without a word.
process.on('SIGINT', shutdown)
process.on('SIGTERM', shutdown)
process.on('SIGHUP', shutdown)

async function abort(message) {
  if (stopping) return
  stopping = true
  await stopAll()
  fail(message)
}

console.log(`Starting the collector on 127.0.0.1:${COLLECTOR_PORT} (local D1 in ${stateDir}/state)…`)
try {
  collector = await startCollector({
    signal: starting.signal,
    port: COLLECTOR_PORT,
    persistTo: join(stateDir, 'state'),
    adminToken,
    // Local development: webhooks may go to http:// and 127.0.0.1 receivers (docs/webhooks.md).
    vars: { WEBHOOKS_ALLOW_PRIVATE: 'true' },
    log: process.env.REFLINE_LOG === '1',
  })
} catch (err) {
  if (stopping) await new Promise(() => {}) // shutdown() is stopping everything and will exit
  await abort(
    `The collector did not start: ${err.message}\n` +
      `(If port ${COLLECTOR_PORT} was taken meanwhile, pick another: REFLINE_PORT=${COLLECTOR_PORT + 1} pnpm dev)`,
  )
}
const { api } = collector
collector.exited.then(({ code, signal }) => {
  if (!stopping)
    void abort(`The collector stopped (${signal ?? `exit code ${code}`}); the demo was stopped too.`)
})

/** Reuses the demo program and its keys from an earlier run, or creates them. */
async function ensureProgram() {
  if (previous.program?.id && previous.keys?.secret) {
    const check = await api('GET', '/v1/stats', { token: previous.keys.secret })
    if (check.status === 200) return { program: previous.program, keys: previous.keys }
  }
  const list = await api('GET', '/v1/programs', { token: adminToken })
  const existing = list.body?.programs?.find((p) => p.name === 'Demo SaaS')
  if (existing) {
    // Keys are shown once and were lost with dev.json: roll them.
    const rolled = await api('POST', `/v1/programs/${existing.id}/keys/roll`, { token: adminToken })
    return { program: existing, keys: rolled.body.keys }
  }
  const created = await api('POST', '/v1/programs', {
    token: adminToken,
    body: {
      name: 'Demo SaaS',
      currency: 'USD',
      commission: { type: 'percent', percent: 30 },
      landing_url: `${DEMO_URL}/`,
      allowed_origins: [DEMO_URL],
    },
  })
  if (created.status !== 201)
    throw new Error(`could not create the demo program: ${JSON.stringify(created.body)}`)
  return created.body
}

async function ensureAffiliate(secret, code, name) {
  const found = await api('GET', `/v1/affiliates/${code}`, { token: secret })
  if (found.status === 200) {
    // Portal links are stored hashed and shown once: a fresh one is the only way to print it again.
    const link = await api('POST', `/v1/affiliates/${code}/portal-link`, { token: secret })
    return { ...found.body.affiliate, portal_url: link.body?.portal_url ?? null }
  }
  const created = await api('POST', '/v1/affiliates', {
    token: secret,
    body: { name, email: `${code}@example.com`, code },
  })
  if (created.status !== 201)
    throw new Error(`could not create affiliate ${code}: ${JSON.stringify(created.body)}`)
  return created.body.affiliate
}

/** Starts the demo exactly as `pnpm --filter @refline/saas-demo start` would, minus pnpm's noise. */
function startDemo(keys) {
  const child = spawn(join(demoDir, 'node_modules', '.bin', 'tsx'), ['server.ts'], {
    cwd: demoDir,
    stdio: ['ignore', 'inherit', 'inherit'],
    detached: true,
    env: {
      ...process.env,
      PORT: String(DEMO_PORT),
      REFLINE_BASE_URL: collector.url,
      REFLINE_SECRET_KEY: keys.secret,
      REFLINE_PUBLISHABLE_KEY: keys.publishable,
    },
  })
  child.on('exit', (code, signal) => {
    if (stopping) return
    void abort(
      `The demo SaaS stopped (${signal ?? `exit code ${code}`}); the collector was stopped too.\n` +
        `If port ${DEMO_PORT} was taken, pick another: DEMO_PORT=${DEMO_PORT + 1} pnpm dev`,
    )
  })
  return child
}

/** Waits until the demo answers its health check; it may also exit first (see startDemo). */
async function waitForDemo(timeoutMs) {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${DEMO_URL}/healthz`)
      if (res.ok) return true
    } catch {}
    await new Promise((r) => setTimeout(r, 200))
  }
  return false
}

try {
  const { program, keys } = await ensureProgram()
  const affiliates = [
    await ensureAffiliate(keys.secret, 'jane', 'Jane Cooper'),
    await ensureAffiliate(keys.secret, 'omar', 'Omar Haddad'),
  ]
  const info = {
    collectorUrl: collector.url,
    dashboardUrl: `${collector.url}/dashboard`,
    demoUrl: DEMO_URL,
    adminToken,
    program: { id: program.id, name: program.name },
    keys,
    affiliates: affiliates.map((a) => ({
      id: a.id,
      code: a.code,
      name: a.name,
      link: a.link,
      portal_url: a.portal_url,
    })),
  }
  writeFileSync(devFile, `${JSON.stringify(info, null, 2)}\n`)

  demo = startDemo(keys)
  if (!(await waitForDemo(30_000)) && !stopping)
    await abort(`The demo SaaS did not answer ${DEMO_URL}/healthz within 30 s.`)
  if (stopping) await new Promise(() => {}) // abort or shutdown is under way and will exit

  console.log(`
Refline is running locally.

  Collector     ${collector.url}        (API, /r.js, /go/:code)
  Dashboard     ${info.dashboardUrl}  (sign in with the admin token)
  Demo SaaS     ${DEMO_URL}/?ref=jane

  Admin token   ${adminToken}
  Secret key    ${keys.secret}
  Publishable   ${keys.publishable}
  Test keys     ${keys.test_secret} / ${keys.test_publishable}

  Affiliates    ${info.affiliates.map((a) => `${a.code}: ${a.link}`).join('\n                ')}

Written to ${devFile}. Press Ctrl+C to stop.
`)
} catch (err) {
  if (!stopping) await abort(`Could not seed the demo program: ${err.message}`)
}
