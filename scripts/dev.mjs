/**
 * `pnpm dev`: runs all of Refline on this machine — the collector on http://127.0.0.1:8787 with
 * embedded local D1 and Durable Objects, seeded with a demo program (affiliates jane and omar),
 * and the demo SaaS on http://127.0.0.1:3000. Safe to run again: it reuses its state in .refline/.
 */
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { startCollector } from './local-collector.mjs'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const stateDir = join(root, '.refline')
const devFile = join(stateDir, 'dev.json')
const COLLECTOR_PORT = Number(process.env.REFLINE_PORT ?? 8787)
const DEMO_PORT = Number(process.env.DEMO_PORT ?? 3000)
const DEMO_URL = `http://127.0.0.1:${DEMO_PORT}`

mkdirSync(stateDir, { recursive: true })
const previous = existsSync(devFile) ? JSON.parse(readFileSync(devFile, 'utf8')) : {}
const adminToken = previous.adminToken ?? `adm_${randomBytes(24).toString('base64url')}`

console.log('Starting the collector (local D1 in .refline/state)…')
const collector = await startCollector({
  port: COLLECTOR_PORT,
  persistTo: join(stateDir, 'state'),
  adminToken,
  // Local development: webhooks may go to http:// and 127.0.0.1 receivers (docs/webhooks.md).
  vars: { WEBHOOKS_ALLOW_PRIVATE: 'true' },
  log: process.env.REFLINE_LOG === '1',
})
const { api } = collector

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
  if (found.status === 200) return found.body.affiliate
  const created = await api('POST', '/v1/affiliates', {
    token: secret,
    body: { name, email: `${code}@example.com`, code },
  })
  if (created.status !== 201)
    throw new Error(`could not create affiliate ${code}: ${JSON.stringify(created.body)}`)
  return created.body.affiliate
}

let demo = null
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

  const demoServer = join(root, 'examples', 'saas-demo', 'package.json')
  if (existsSync(demoServer)) {
    demo = spawn('pnpm', ['--filter', '@refline/saas-demo', 'start'], {
      cwd: root,
      stdio: 'inherit',
      env: {
        ...process.env,
        PORT: String(DEMO_PORT),
        REFLINE_BASE_URL: collector.url,
        REFLINE_SECRET_KEY: keys.secret,
        REFLINE_PUBLISHABLE_KEY: keys.publishable,
      },
    })
  }

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

Written to .refline/dev.json. Press Ctrl+C to stop.
`)
} catch (err) {
  console.error(err)
  await collector.stop()
  process.exit(1)
}

async function shutdown() {
  demo?.kill('SIGTERM')
  await collector.stop()
  process.exit(0)
}
process.on('SIGINT', shutdown)
process.on('SIGTERM', shutdown)
