/**
 * Live broadcast over hibernatable WebSockets. Sockets are tagged when accepted: `f:<mode>` for a
 * founder's socket (whole program, one mode) and `a:<affiliate id>` for an affiliate's (only
 * that affiliate's events and totals, in the socket's mode, kept in its attachment). Filtering
 * happens here, in the hub, so nothing can leak to a socket that shouldn't see it.
 *
 * Founders only: alerts, fraud reasons, free-text messages and anything naming a customer never
 * reach an affiliate's socket. An affiliate's message is built field by field from a short list
 * (`AffiliateLiveMessage`), not copied from the event minus some fields, so a field added to hub
 * events later stays with the founders until someone decides otherwise here.
 */
import type { AffiliateRef, CommissionStatus, LiveEventType, LiveMessage, Mode, Totals } from '../shared'
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

/** The event types an affiliate's socket may carry: everything but `alert`. */
export type AffiliateEventType = Exclude<LiveEventType, 'alert'>

const AFFILIATE_TYPES: ReadonlySet<LiveEventType> = new Set<AffiliateEventType>([
  'click',
  'signup',
  'conversion',
  'refund',
  'commission',
])

/** All an affiliate's socket ever gets for an event: no message, reason or customer id. */
export interface AffiliateLiveMessage {
  type: AffiliateEventType
  at: string
  affiliate: AffiliateRef
  amount?: number
  currency?: string
  status?: CommissionStatus
  totals: Totals
}

/** The affiliate's view of an event, or null when the event is for founders only. */
export function affiliateMessage(event: HubEvent, totals: Totals): AffiliateLiveMessage | null {
  if (!event.affiliate || !AFFILIATE_TYPES.has(event.type)) return null
  const message: AffiliateLiveMessage = {
    type: event.type as AffiliateEventType,
    at: new Date(event.at).toISOString(),
    affiliate: { id: event.affiliate.id, code: event.affiliate.code },
    totals,
  }
  if (typeof event.amount === 'number') message.amount = event.amount
  if (typeof event.currency === 'string') message.currency = event.currency
  if (event.status) message.status = event.status as CommissionStatus
  return message satisfies Extract<LiveMessage, { at: string }>
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
  if (event.affiliate && AFFILIATE_TYPES.has(event.type)) {
    const affiliates = state
      .getWebSockets(affiliateTag(event.affiliate.id))
      .filter((ws) => socketMode(ws) === event.mode)
    if (affiliates.length) {
      const message = affiliateMessage(event, store.totals(event.mode, event.affiliate.id))
      if (message) {
        const text = JSON.stringify(message)
        for (const ws of affiliates) send(ws, text)
      }
    }
  }
}

/** A founders-only message that is no event of the program (nothing counted, nothing in the feed). */
export function sendToFounders(state: DurableObjectState, mode: Mode, message: LiveMessage): void {
  const founders = state.getWebSockets(founderTag(mode))
  if (!founders.length) return
  const text = JSON.stringify(message)
  for (const ws of founders) send(ws, text)
}
