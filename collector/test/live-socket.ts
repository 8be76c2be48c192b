/** Opens `/v1/live` against the Worker in tests and collects what the socket receives. */
import { exports } from 'cloudflare:workers'
import type { LiveMessage } from '../src/shared'

const worker = (exports as unknown as { default: { fetch(request: Request): Promise<Response> } }).default

export interface TestSocket {
  ws: WebSocket
  messages: LiveMessage[]
  /** Resolves once `count` messages (snapshot included) have arrived. */
  waitFor(count: number, timeoutMs?: number): Promise<LiveMessage[]>
}

export async function upgrade(path: string, headers: Record<string, string> = {}): Promise<Response> {
  return worker.fetch(
    new Request(`http://collector.test${path}`, { headers: { upgrade: 'websocket', ...headers } }),
  )
}

export async function openSocket(path: string, headers: Record<string, string> = {}): Promise<TestSocket> {
  const res = await upgrade(path, headers)
  if (res.status !== 101 || !res.webSocket)
    throw new Error(`upgrade failed: ${res.status} ${await res.text()}`)
  const ws = res.webSocket
  const messages: LiveMessage[] = []
  ws.accept()
  ws.addEventListener('message', (e) => {
    messages.push(JSON.parse(String(e.data)) as LiveMessage)
  })
  return {
    ws,
    messages,
    async waitFor(count, timeoutMs = 2_000) {
      const deadline = Date.now() + timeoutMs
      while (messages.length < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10))
      return messages
    },
  }
}

export const settle = (ms = 150) => new Promise((r) => setTimeout(r, ms))
