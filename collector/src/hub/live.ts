/**
 * Live broadcast over hibernatable WebSockets. Sockets are tagged when accepted: `f:<mode>` for a
 * founder's socket (whole program, one mode) and `a:<affiliate id>` for an affiliate's (only
 * that affiliate's live-mode events and totals). Filtering happens here, in the hub, so nothing
 * can leak to a socket that shouldn't see it.
 */
import type { LiveMessage, Mode } from '../shared'
import type { LocalStore } from './local-store'
import type { HubEvent } from './types'

export function founderTag(mode: Mode): string {
  return `f:${mode}`
}

export function affiliateTag(affiliateId: string): string {
  return `a:${affiliateId}`
}

function send(ws: WebSocket, message: LiveMessage): void {
  try {
    ws.send(JSON.stringify(message))
  } catch (err) {
    console.error('ProgramHub live send failed', err)
    try {
      ws.close(1011, 'send failed')
    } catch {}
  }
}

function eventMessage(event: HubEvent, totals: LiveMessage['totals']): LiveMessage {
  const { mode: _mode, at, ...rest } = event
  return { ...rest, at: new Date(at).toISOString(), totals } as LiveMessage
}

export function broadcast(state: DurableObjectState, store: LocalStore, event: HubEvent): void {
  const founders = state.getWebSockets(founderTag(event.mode))
  if (founders.length) {
    const message = eventMessage(event, store.totals(event.mode))
    for (const ws of founders) send(ws, message)
  }
  if (event.affiliate && event.mode === 'live') {
    const affiliates = state.getWebSockets(affiliateTag(event.affiliate.id))
    if (affiliates.length) {
      const message = eventMessage(event, store.totals('live', event.affiliate.id))
      for (const ws of affiliates) send(ws, message)
    }
  }
}
