/**
 * The browser side of `/v1/live`: one WebSocket that reconnects with exponential backoff and
 * jitter, pings every 25 s (answered by the hub's auto-response, without waking it) and treats a
 * missing pong as a dead connection. A socket that has not opened within OPEN_WITHIN_MS is given
 * up and tried again: a browser leaves an upgrade nobody answers (a stalled proxy, a hub that
 * never loads) "connecting" for minutes, and the page would say so all that time. Every (re)connect starts with a fresh snapshot from the
 * server; `onReconnect` lets the page refetch what the snapshot doesn't carry.
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
