/**
 * vitest globalSetup of the contract tests: one real collector (wrangler dev, fresh local D1),
 * its own OpenAPI document written to a file, and Stoplight Prism as a validating proxy in front
 * of it (`prism proxy --errors`): every request and answer that goes through Prism is checked
 * against the document, and a violation becomes an `application/problem+json` error instead of
 * the collector's answer. Everything listens on 127.0.0.1 and is stopped after the run.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { collectorDir, freePort, startCollector } from '../../scripts/local-collector.mjs'

const prismBin = join(collectorDir, 'node_modules', '.bin', 'prism')
const PRISM_START_MS = 90_000

async function waitFor(url, child, output) {
  const deadline = Date.now() + PRISM_START_MS
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`prism exited with ${child.exitCode}\n${output()}`)
    try {
      await fetch(url)
      return
    } catch {}
    await new Promise((r) => setTimeout(r, 200))
  }
  throw new Error(`prism did not listen within ${PRISM_START_MS} ms\n${output()}`)
}

export default async function setup(project) {
  const collector = await startCollector()
  const dir = mkdtempSync(join(tmpdir(), 'refline-contract-'))
  const docPath = join(dir, 'openapi.json')
  const doc = await (await fetch(`${collector.url}/v1/openapi.json`)).json()
  writeFileSync(docPath, JSON.stringify(doc))
  const port = await freePort()
  const prism = spawn(
    prismBin,
    ['proxy', docPath, collector.url, '--errors', '--host', '127.0.0.1', '--port', String(port)],
    { stdio: ['ignore', 'pipe', 'pipe'], detached: true },
  )
  let log = ''
  const keep = (chunk) => {
    log = (log + chunk.toString()).slice(-50_000)
  }
  prism.stdout.on('data', keep)
  prism.stderr.on('data', keep)
  const prismUrl = `http://127.0.0.1:${port}`
  const stopAll = async () => {
    try {
      process.kill(-prism.pid, 'SIGTERM')
    } catch {}
    await collector.stop()
    rmSync(dir, { recursive: true, force: true })
  }
  try {
    await waitFor(`${prismUrl}/healthz`, prism, () => log)
  } catch (err) {
    await stopAll()
    throw err
  }
  project.provide('contract', {
    url: collector.url,
    prismUrl,
    adminToken: collector.adminToken,
    persistTo: collector.persistTo,
    docPath,
  })
  return async () => {
    if (process.env.REFLINE_PRISM_LOG) writeFileSync(process.env.REFLINE_PRISM_LOG, log)
    await stopAll()
  }
}
