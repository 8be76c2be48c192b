/**
 * A small Chrome DevTools protocol client for the collector's V8 isolate, for the benches that
 * look inside it: the heap (bench/memory.mjs) and CPU profiles (bench/live-profile.mjs).
 *
 * `wrangler dev --inspector-port` serves one target, the Worker's isolate; the ProgramHub
 * Durable Objects run in that same isolate locally, so its heap is the hub's heap plus the
 * Worker's. scripts/local-collector.mjs passes a free port to wrangler without returning it, so
 * `inspectorPortOf` reads it back from the command line of the `wrangler dev` serving `port`.
 *
 * @example
 * const cdp = await connectInspector(inspectorPortOf(collector.port))
 * const { usedSize } = await cdp.send('Runtime.getHeapUsage')
 * cdp.close()
 */
import { execFileSync } from 'node:child_process'
import WebSocket from 'ws'

/** The inspector port of the `wrangler dev` started with `--port <port>`. */
export function inspectorPortOf(port) {
  const lines = execFileSync('ps', ['-eo', 'args='], { encoding: 'utf8' }).split('\n')
  for (const line of lines) {
    if (!line.includes(` dev `) || !line.includes(`--port ${port} `)) continue
    const m = /--inspector-port (\d+)/.exec(line)
    if (m) return Number(m[1])
  }
  throw new Error(`found no wrangler dev --port ${port} with an --inspector-port`)
}

export async function connectInspector(port) {
  const targets = await (await fetch(`http://127.0.0.1:${port}/json`)).json()
  if (!targets.length) throw new Error(`the inspector on port ${port} lists no target`)
  // Miniflare lists one target per service; the collector's is the user worker, core:user:.
  const target = targets.find((t) => t.id.startsWith('core:user:')) ?? targets[0]
  const ws = new WebSocket(target.webSocketDebuggerUrl, { perMessageDeflate: false })
  await new Promise((resolve, reject) => {
    ws.once('open', resolve)
    ws.once('error', reject)
  })
  let id = 0
  const waiting = new Map()
  ws.on('message', (data) => {
    const msg = JSON.parse(String(data))
    const w = msg.id !== undefined && waiting.get(msg.id)
    if (!w) return
    waiting.delete(msg.id)
    if (msg.error) w.reject(new Error(`${w.method}: ${msg.error.message}`))
    else w.resolve(msg.result)
  })
  ws.on('close', () => {
    for (const w of waiting.values()) w.reject(new Error('inspector connection closed'))
    waiting.clear()
  })
  return {
    target,
    send(method, params = {}) {
      const msgId = ++id
      ws.send(JSON.stringify({ id: msgId, method, params }))
      return new Promise((resolve, reject) => waiting.set(msgId, { method, resolve, reject }))
    },
    close: () => ws.close(),
  }
}

/**
 * The isolate's heap after a full garbage collection, in MiB (used, and V8's total).
 *
 * workerd runs an inspector command that needs the isolate (a collection does) only when the
 * isolate next takes its lock for a request: an idle collector never answers it. `kick` sends a
 * request (GET /healthz) until the answer comes.
 */
export async function heapAfterGc(cdp, kick) {
  let done = false
  const collected = cdp.send('HeapProfiler.collectGarbage').finally(() => {
    done = true
  })
  while (!done) {
    await kick()
    await Promise.race([collected, new Promise((r) => setTimeout(r, 200))])
  }
  await collected
  const { usedSize, totalSize } = await cdp.send('Runtime.getHeapUsage')
  return { used: usedSize / 1024 / 1024, total: totalSize / 1024 / 1024 }
}

/** Self time per function (name and line), from a CDP Profile, sorted. */
export function selfTimes(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const ms = new Map()
  const deltas = profile.timeDeltas
  for (let i = 0; i < profile.samples.length; i++) {
    const node = byId.get(profile.samples[i])
    const f = node.callFrame
    const key =
      `${f.functionName || '(anonymous)'} ${f.url ? `${f.url.split('/').pop()}:${f.lineNumber + 1}` : ''}`.trim()
    ms.set(key, (ms.get(key) ?? 0) + (deltas[i] ?? 0) / 1000)
  }
  const total = [...ms.values()].reduce((a, b) => a + b, 0)
  return { total, top: [...ms.entries()].sort((a, b) => b[1] - a[1]) }
}

/**
 * Total time per function (its own and its callees'), from a CDP Profile, sorted: where a
 * request's time goes when the self times are spread over many small functions.
 */
export function totalTimes(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const parent = new Map()
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
  const ms = new Map()
  for (let i = 0; i < profile.samples.length; i++) {
    const seen = new Set()
    for (let id = profile.samples[i]; id !== undefined; id = parent.get(id)) {
      const f = byId.get(id).callFrame
      const key =
        `${f.functionName || '(anonymous)'} ${f.url ? `${f.url.split('/').pop()}:${f.lineNumber + 1}` : ''}`.trim()
      if (seen.has(key)) continue
      seen.add(key)
      ms.set(key, (ms.get(key) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000)
    }
  }
  return [...ms.entries()].sort((a, b) => b[1] - a[1])
}

/**
 * Where the time of one native function (e.g. SQLite's `exec`) comes from: its self time split
 * by the JavaScript function that called it, sorted.
 */
export function callersOf(profile, name) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const parent = new Map()
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
  const ms = new Map()
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i]
    if (byId.get(id).callFrame.functionName !== name) continue
    const f = byId.get(parent.get(id))?.callFrame
    const key = f
      ? `${f.functionName || '(anonymous)'} ${f.url ? `${f.url.split('/').pop()}:${f.lineNumber + 1}` : ''}`.trim()
      : '?'
    ms.set(key, (ms.get(key) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000)
  }
  return [...ms.entries()].sort((a, b) => b[1] - a[1])
}

/**
 * `command`'s answer, sending `GET /healthz` to `url` until it comes: commands that need the
 * isolate (a profile's start and stop, a collection) run only when it next serves a request.
 *
 * @example
 * await whenServed(collector.url, cdp.send('Profiler.start'))
 */
export async function whenServed(url, command) {
  let done = false
  command.then(
    () => {
      done = true
    },
    () => {
      done = true
    },
  )
  const kick = () => fetch(`${url}/healthz`).then((r) => r.arrayBuffer())
  while (!done) await Promise.race([command, kick().then(() => new Promise((r) => setTimeout(r, 50)))])
  return command
}
