/**
 * The subscriber side of bench/live-latency.mjs: opens WebSockets to /v1/live in bounded
 * batches and stamps every `conversion` message as it arrives. Runs in the benchmark's own
 * thread or, to spread a thousand sockets over more than one event loop, in a worker thread
 * (this file is then the worker).
 *
 * Arrival times are `performance.timeOrigin + performance.now()`, so stamps taken in different
 * threads of the process share one clock.
 */
import { performance } from 'node:perf_hooks'
import { isMainThread, parentPort, workerData } from 'node:worker_threads'
import WebSocket from 'ws'

const CONVERSION = Buffer.from('"type":"conversion"')
const now = () => performance.timeOrigin + performance.now()

export class Subscribers {
  /** @param {(seen: number) => void} [onProgress] called when every socket has `seen` messages */
  constructor(onProgress) {
    this.sockets = []
    this.arrivals = []
    this.onProgress = onProgress
    // How many sockets have their n-th message: O(1) per message, where checking every socket
    // on each arrival would make the client's cost grow with the square of the sockets.
    this.counts = []
    this.seen = 0
  }

  async open(url, count, batch = 50) {
    for (let start = 0; start < count; start += batch) {
      const opened = []
      for (let i = start; i < Math.min(count, start + batch); i++) opened.push(this.#connect(url))
      await Promise.all(opened)
    }
  }

  #connect(url) {
    const ws = new WebSocket(url, { perMessageDeflate: false })
    const stamps = []
    this.sockets.push(ws)
    this.arrivals.push(stamps)
    ws.on('message', (data) => {
      // The stamp comes first: parsing is the client's cost, not the collector's. A byte search
      // instead of JSON.parse keeps that cost small with a thousand sockets on one event loop.
      const at = now()
      if (!data.includes(CONVERSION)) return
      const n = stamps.push(at)
      this.counts[n - 1] = (this.counts[n - 1] ?? 0) + 1
      while (this.counts[this.seen] === this.sockets.length) {
        this.seen++
        this.onProgress?.(this.seen)
      }
    })
    return new Promise((resolve, reject) => {
      ws.once('open', resolve)
      ws.once('error', reject)
    })
  }

  async close() {
    await Promise.all(
      this.sockets.map(
        (ws) =>
          new Promise((resolve) => {
            if (ws.readyState === WebSocket.CLOSED) return resolve()
            ws.once('close', resolve)
            ws.close()
            setTimeout(() => {
              ws.terminate()
              resolve()
            }, 2_000).unref()
          }),
      ),
    )
  }
}

if (!isMainThread && workerData?.liveSubscribers) {
  const subs = new Subscribers((seen) => parentPort.postMessage({ seen }))
  parentPort.on('message', async (msg) => {
    if (msg.open) {
      await subs.open(msg.open.url, msg.open.count, msg.open.batch)
      parentPort.postMessage({ opened: subs.sockets.length })
    } else if (msg.collect) {
      parentPort.postMessage({ arrivals: subs.arrivals })
      await subs.close()
      parentPort.postMessage({ closed: true })
    }
  })
}
