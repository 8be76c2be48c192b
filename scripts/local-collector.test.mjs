/**
 * A process that started a local collector and is then killed by a signal leaves no collector
 * behind. Node emits no 'exit' for a process a signal ends, so the collector's own process group
 * (wrangler, its second Node process and workerd) outlived test workers stopped with SIGTERM and
 * held a core for the rest of the run.
 *
 * COLLECTOR_SCRIPT=path runs the same check against another copy of local-collector.mjs.
 */
import assert from 'node:assert/strict'
import { execFileSync, spawn } from 'node:child_process'
import { test } from 'node:test'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { liveInGroup } from './local-collector.mjs'

const script =
  process.env.COLLECTOR_SCRIPT ?? fileURLToPath(new URL('./local-collector.mjs', import.meta.url))

/** A failed run's collector is stopped here, so the failure does not go on holding a core. */
function leftBehind(url) {
  const port = new URL(url).port
  const ps = execFileSync('ps', ['-eo', 'pgid=,args='], { encoding: 'utf8' })
  for (const line of ps.split('\n')) {
    if (!line.includes(`--port ${port} `) && !line.includes(`127.0.0.1:${port} `)) continue
    try {
      process.kill(-Number(line.trim().split(/\s+/)[0]), 'SIGKILL')
    } catch {}
  }
}

const answers = (url) =>
  fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2_000) }).then(
    (r) => r.ok,
    () => false,
  )

for (const signal of ['SIGTERM', 'SIGINT']) {
  test(`a process ended by ${signal} takes its collector with it`, { timeout: 120_000 }, async () => {
    const code = `import(${JSON.stringify(pathToFileURL(script).href)}).then(async (m) => {
      const c = await m.startCollector()
      console.log('URL ' + c.url)
      setInterval(() => {}, 1000)
    })`
    const child = spawn(process.execPath, ['--input-type=module', '-e', code], {
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    const exited = new Promise((resolve) => child.once('exit', (c, s) => resolve({ code: c, signal: s })))
    const url = await new Promise((resolve, reject) => {
      let out = ''
      child.stdout.on('data', (chunk) => {
        out += chunk
        const m = /URL (\S+)/.exec(out)
        if (m) resolve(m[1])
      })
      child.once('exit', () => reject(new Error(`the process ended before its collector started: ${out}`)))
    })
    assert.equal(await answers(url), true, 'the collector answers while its process runs')
    child.kill(signal)
    const end = await exited
    // The process still ends as the signal says.
    assert.equal(end.signal, signal)
    let up = true
    for (let i = 0; i < 20 && up; i++) {
      await new Promise((r) => setTimeout(r, 250))
      up = await answers(url)
    }
    if (up) leftBehind(url)
    assert.equal(up, false, `the collector at ${url} still answers after its process got ${signal}`)
  })
}

/** wrangler's pid, which is the collector's process group, found by its port. */
function groupOf(url) {
  const port = new URL(url).port
  const ps = execFileSync('ps', ['-eo', 'pid=,pgid=,args='], { encoding: 'utf8' })
  const line = ps.split('\n').find((l) => l.includes(`--port ${port} `))
  assert.ok(line, `no wrangler process for port ${port}`)
  const [pid, pgid] = line.trim().split(/\s+/).map(Number)
  assert.equal(pid, pgid, 'wrangler leads its own process group')
  return pgid
}

// A restart on the same port (the crash tests) and `pnpm dev` saying it stopped both rely on
// stop() and crash() returning only once every process of the collector is gone: a SIGKILLed
// workerd goes on holding its port while it tears down. The processes are read with this tree's
// liveInGroup whichever script is under test (COLLECTOR_SCRIPT), and it must see the collector
// running first, so a reader that saw nothing could not pass the test.
for (const how of ['stop', 'crash']) {
  test(`${how}() returns only when none of the collector's processes is left`, {
    timeout: 120_000,
  }, async () => {
    const { startCollector } = await import(pathToFileURL(script).href)
    const collector = await startCollector()
    const pgid = groupOf(collector.url)
    assert.ok(liveInGroup(pgid).length >= 3, 'wrangler, its Node process and workerd run')
    await collector[how]()
    const left = liveInGroup(pgid)
    if (left.length > 0) process.kill(-pgid, 'SIGKILL')
    assert.deepEqual(left, [], `processes of group ${pgid} still running after ${how}()`)
  })
}
