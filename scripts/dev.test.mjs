/**
 * `pnpm dev` as a person meets it: a taken port stops it at once with a message naming the port
 * and the variable that changes it, and a run that says "Refline is running" really is running
 * (both ports answer) and stops quietly on Ctrl+C, leaving no process behind. Every run uses a
 * state folder of its own (REFLINE_DEV_DIR), never the repository's .refline/.
 *
 * DEV_SCRIPT=path runs the same checks against another copy of the script (e.g. an older one).
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { freePort } from './local-collector.mjs'

const script = process.env.DEV_SCRIPT ?? fileURLToPath(new URL('./dev.mjs', import.meta.url))
const dirs = []
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

function stateDir() {
  const dir = mkdtempSync(join(tmpdir(), 'refline-dev-test-'))
  dirs.push(dir)
  return join(dir, 'state-dir')
}

/** Listens on 127.0.0.1:port like any other program would; resolves to a closer. */
function occupy(port) {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => resolve(() => new Promise((r) => server.close(r))))
  })
}

/** Runs the dev script; `until(stdout)` may resolve early (the run is then left to the caller). */
function runDev(env, { timeoutMs = 20_000 } = {}) {
  const child = spawn(process.execPath, [script], {
    env: { ...process.env, REFLINE_LOG: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const run = { child, stdout: '', stderr: '' }
  child.stdout.on('data', (c) => {
    run.stdout += c
  })
  child.stderr.on('data', (c) => {
    run.stderr += c
  })
  run.exit = new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.once('exit', (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal })
    })
  })
  return run
}

async function canListen(port) {
  try {
    await (await occupy(port))()
    return true
  } catch {
    return false
  }
}

for (const [name, other] of [
  ['REFLINE_PORT', 'DEMO_PORT'],
  ['DEMO_PORT', 'REFLINE_PORT'],
]) {
  test(`stops at once, naming the port and ${name}, when the ${name} port is taken`, async () => {
    const taken = await freePort()
    const release = await occupy(taken)
    try {
      const dir = stateDir()
      const started = Date.now()
      const run = runDev({ [name]: String(taken), [other]: String(await freePort()), REFLINE_DEV_DIR: dir })
      const { code } = await run.exit
      assert.equal(code, 1, `exit code (stdout: ${run.stdout}, stderr: ${run.stderr})`)
      assert.ok(Date.now() - started < 5_000, 'it stops before starting anything')
      assert.match(run.stderr, new RegExp(`Port ${taken} is already in use`))
      assert.match(run.stderr, new RegExp(`${name}=\\d+ pnpm dev`))
      assert.doesNotMatch(run.stdout, /Refline is running/)
      assert.doesNotMatch(run.stderr, /\n\s+at /, 'no stack trace')
      assert.equal(existsSync(dir), false, 'nothing was written')
    } finally {
      await release()
    }
  })
}

test('refuses a port that is not a number, naming the variable', async () => {
  const run = runDev({ REFLINE_PORT: '87a87', REFLINE_DEV_DIR: stateDir() })
  assert.equal((await run.exit).code, 1)
  assert.match(run.stderr, /REFLINE_PORT=87a87 is not a port number/)
})

test('says it is running only when both answer, and Ctrl+C stops both quietly', async () => {
  const [collectorPort, demoPort] = [await freePort(), await freePort()]
  const dir = stateDir()
  const run = runDev(
    { REFLINE_PORT: String(collectorPort), DEMO_PORT: String(demoPort), REFLINE_DEV_DIR: dir },
    { timeoutMs: 120_000 },
  )
  const deadline = Date.now() + 110_000
  while (!/Press Ctrl\+C to stop/.test(run.stdout) && run.child.exitCode === null && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 100))
  assert.match(run.stdout, /Refline is running locally/, `stderr: ${run.stderr}`)
  // At the moment it says so, both really answer.
  const [collector, demo] = await Promise.all([
    fetch(`http://127.0.0.1:${collectorPort}/healthz`),
    fetch(`http://127.0.0.1:${demoPort}/healthz`),
  ])
  assert.equal(collector.status, 200)
  assert.equal(demo.status, 200)
  const dev = JSON.parse(readFileSync(join(dir, 'dev.json'), 'utf8'))
  assert.equal(dev.demoUrl, `http://127.0.0.1:${demoPort}`)
  assert.deepEqual(
    dev.affiliates.map((a) => a.code),
    ['jane', 'omar'],
  )

  run.child.kill('SIGINT')
  const { code } = await run.exit
  assert.equal(code, 0)
  assert.equal(run.stderr, '', 'nothing printed on the way out')
  // Children stopped: both ports are free again.
  assert.ok(await canListen(collectorPort), `port ${collectorPort} released`)
  assert.ok(await canListen(demoPort), `port ${demoPort} released`)
})
