/**
 * The browser side of `/v1/live`: one WebSocket that reconnects with exponential backoff and
 * jitter, pings every 25 s (answered by the hub's auto-response, without waking it) and treats a
 * missing pong as a dead connection. A socket that has not opened within OPEN_WITHIN_MS is given
 * up and tried again: a browser leaves an upgrade nobody answers (a stalled proxy, a hub that
 * never loads) "connecting" for minutes, and the page would say so all that time. Every
 * (re)connect starts with a fresh snapshot from the server; `onReconnect` lets the page refetch
 * what the snapshot doesn't carry, and `liveJournal` keeps such a refetch from undoing newer
 * messages.
 */
import type { LiveMessage } from '../../shared'

export type ConnectionState = 'connecting' | 'live' | 'reconnecting'

export interface LiveOptions {
  /** Path and query of the socket, e.g. `/v1/live?program=…&mode=live`. */
  path: string
  onMessage(message: LiveMessage): void
  onState(state: ConnectionState): void
  onReconnect?(): void
}

const PING_EVERY_MS = 25_000
const PONG_WITHIN_MS = 10_000
const MAX_BACKOFF_MS = 8_000
const OPEN_WITHIN_MS = 10_000

export function connectLive(options: LiveOptions): void {
  let attempt = 0
  let opened = false
  let ws: WebSocket | null = null
  let pingTimer: ReturnType<typeof setInterval> | undefined
  let pongTimer: ReturnType<typeof setTimeout> | undefined
  let retryTimer: ReturnType<typeof setTimeout> | undefined
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${options.path}`

  function open(): void {
    clearTimeout(retryTimer)
    options.onState(opened ? 'reconnecting' : 'connecting')
    const socket = new WebSocket(url)
    ws = socket
    // close() on a socket still connecting fails the handshake and fires 'close': the retry below.
    const openTimer = setTimeout(() => socket.close(), OPEN_WITHIN_MS)
    socket.addEventListener('open', () => {
      clearTimeout(openTimer)
      attempt = 0
      options.onState('live')
      if (opened) options.onReconnect?.()
      opened = true
      pingTimer = setInterval(() => {
        socket.send('ping')
        pongTimer = setTimeout(() => socket.close(4000, 'no pong'), PONG_WITHIN_MS)
      }, PING_EVERY_MS)
    })
    socket.addEventListener('message', (e) => {
      if (e.data === 'pong') {
        clearTimeout(pongTimer)
        return
      }
      try {
        options.onMessage(JSON.parse(String(e.data)) as LiveMessage)
      } catch (err) {
        console.error('live message', err)
      }
    })
    socket.addEventListener('close', () => {
      clearTimeout(openTimer)
      clearInterval(pingTimer)
      clearTimeout(pongTimer)
      if (ws !== socket) return
      ws = null
      attempt++
      const delay = Math.min(MAX_BACKOFF_MS, 500 * 2 ** (attempt - 1)) * (0.6 + Math.random() * 0.4)
      options.onState('reconnecting')
      retryTimer = setTimeout(open, delay)
    })
  }

  // Back online or back to the tab: don't wait for the backoff.
  const nudge = () => {
    if (!ws) open()
  }
  window.addEventListener('online', nudge)
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') nudge()
  })
  open()
}

/**
 * What the socket brought while a fetch was out. The socket is ordered and a fetch is not: an
 * answer read before a message can arrive after it. Take `mark()` before the fetch; after it,
 * `since(mark)` says whether any message came meanwhile (then the socket's totals are the newer
 * ones) and gives the items kept among them (the last `max`), which the answer may lack.
 */
export function liveJournal<T>(max: number) {
  let count = 0
  let kept: Array<{ n: number; item: T }> = []
  return {
    /** Counts a message, and keeps `item` when one is given. */
    add(item?: T): void {
      count++
      if (item === undefined) return
      kept.push({ n: count, item })
      if (kept.length > max) kept = kept.slice(-max)
    },
    mark: (): number => count,
    since(mark: number): { any: boolean; items: T[] } {
      return { any: count !== mark, items: kept.filter((k) => k.n > mark).map((k) => k.item) }
    },
  }
}
