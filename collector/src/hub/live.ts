/**
 * Live broadcast over hibernatable WebSockets. Sockets are tagged when accepted: `f:<mode>` for a
 * founder's socket (whole program, one mode) and `a:<affiliate id>` for an affiliate's (only
 * that affiliate's events and totals, in the socket's mode, kept in its attachment). Filtering
 * happens here, in the hub, so nothing can leak to a socket that shouldn't see it.
 */
import type { LiveMessage, Mode } from '../shared'
import { recordActivity } from './activity'
import type { LocalStore } from './local-store'
import type { HubEvent } from './types'

export function founderTag(mode: Mode): string {
  return `f:${mode}`
}

export function affiliateTag(affiliateId: string): string {
  return `a:${affiliateId}`
}

function send(ws: WebSocket, message: string): void {
  try {
    ws.send(message)
  } catch (err) {
    console.error('ProgramHub live send failed', err)
    try {
      ws.close(1011, 'send failed')
    } catch {}
  }
}

function eventMessage(event: HubEvent, totals: LiveMessage['totals']): string {
  const { mode: _mode, at, ...rest } = event
  return JSON.stringify({ ...rest, at: new Date(at).toISOString(), totals } as LiveMessage)
}

/** An affiliate socket follows one mode: live for portals, the key's mode for live tokens. */
function socketMode(ws: WebSocket): Mode {
  try {
    const role = ws.deserializeAttachment() as { mode?: Mode } | null
    return role?.mode === 'test' ? 'test' : 'live'
  } catch {
    return 'live'
  }
}

export function broadcast(state: DurableObjectState, store: LocalStore, event: HubEvent): void {
  try {
    recordActivity(state.storage, event)
  } catch (err) {
    // The chart and feed are a convenience; the event itself is already recorded.
    console.error('ProgramHub activity write failed', err)
  }
  const founders = state.getWebSockets(founderTag(event.mode))
  if (founders.length) {
    const message = eventMessage(event, store.totals(event.mode))
    for (const ws of founders) send(ws, message)
  }
  if (event.affiliate) {
    const affiliates = state
      .getWebSockets(affiliateTag(event.affiliate.id))
      .filter((ws) => socketMode(ws) === event.mode)
    if (affiliates.length) {
      const message = eventMessage(event, store.totals(event.mode, event.affiliate.id))
      for (const ws of affiliates) send(ws, message)
    }
  }
}
