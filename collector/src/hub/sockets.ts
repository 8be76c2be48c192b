/**
 * The hub's side of `/v1/live`: accepts WebSockets with the hibernation API (an idle dashboard
 * costs nothing: the object can be evicted while its sockets stay open), tags each with who it
 * belongs to, sends the snapshot, and wraps the platform's socket hooks. Pings are answered by
 * the runtime itself (auto-response), without waking the object.
 *
 * The Worker authenticates the request before it gets here and passes the socket's role in an
 * internal header; only the Worker can reach the hub, so the header can be trusted. The same goes
 * for the Worker's request to close the sockets of a revoked credential.
 */
import { type Env, hubFor } from '../lib/env'
import type { LiveMessage, Mode } from '../shared'
import { affiliateTag, founderTag } from './live'
import type { LocalStore } from './local-store'

export const SOCKET_ROLE_HEADER = 'x-refline-socket-role'
/** An internal request from the Worker: close every socket carrying this tag. */
export const CLOSE_SOCKETS_HEADER = 'x-refline-close-sockets'
/** Close code sent when the credential a socket was opened with is revoked. */
export const REVOKED_CLOSE_CODE = 4001

/**
 * Who a socket belongs to. `session` (the session id's hash) and `portal` say which credential
 * opened it, so signing out or rotating a portal link can close it at once.
 */
export type SocketRole =
  | { kind: 'founder'; mode: Mode; session?: string }
  | { kind: 'affiliate'; affiliateId: string; mode: Mode; portal?: boolean }

/** Sockets opened with this affiliate's portal link. */
export function portalTag(affiliateId: string): string {
  return `p:${affiliateId}`
}

/** Sockets opened with this dashboard session (the id's hash, never the id). */
export function sessionTag(sessionHash: string): string {
  return `s:${sessionHash.slice(0, 64)}`
}

function tagsOf(role: SocketRole): string[] {
  if (role.kind === 'founder')
    return [founderTag(role.mode), ...(role.session ? [sessionTag(role.session)] : [])]
  return [affiliateTag(role.affiliateId), ...(role.portal ? [portalTag(role.affiliateId)] : [])]
}

/**
 * Closes the program's sockets opened with a revoked credential (a rotated portal link, a
 * disabled affiliate, a signed-out session). Called by the Worker after the change is stored.
 */
export async function closeSockets(env: Env, programId: string, tag: string): Promise<void> {
  const res = await hubFor(env, programId).fetch(
    new Request('https://hub.internal/close', { method: 'POST', headers: { [CLOSE_SOCKETS_HEADER]: tag } }),
  )
  await res.body?.cancel()
}

function parseRole(raw: string | null): SocketRole | null {
  if (!raw) return null
  try {
    const role = JSON.parse(raw) as SocketRole
    if (role.mode !== 'live' && role.mode !== 'test') return null
    if (role.kind === 'founder')
      return typeof role.session === 'string'
        ? { kind: 'founder', mode: role.mode, session: role.session }
        : { kind: 'founder', mode: role.mode }
    if (role.kind === 'affiliate' && typeof role.affiliateId === 'string' && role.affiliateId)
      return {
        kind: 'affiliate',
        affiliateId: role.affiliateId,
        mode: role.mode,
        portal: role.portal === true,
      }
  } catch {}
  return null
}

export function socketRole(ws: WebSocket): SocketRole | null {
  try {
    return ws.deserializeAttachment() as SocketRole | null
  } catch {
    return null
  }
}

function objectName(ctx: DurableObjectState): string {
  return ctx.id.name ?? ctx.id.toString()
}

/** Pings are answered by the runtime without waking the object. */
export function configureSockets(ctx: DurableObjectState): void {
  ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair('ping', 'pong'))
}

export function snapshotMessage(store: LocalStore, role: SocketRole): LiveMessage {
  const totals = role.kind === 'founder' ? store.totals(role.mode) : store.totals(role.mode, role.affiliateId)
  return { type: 'snapshot', totals, mode: role.mode }
}

function sendOrClose(ctx: DurableObjectState, ws: WebSocket, message: LiveMessage): void {
  try {
    ws.send(JSON.stringify(message))
  } catch (err) {
    console.error('ProgramHub', objectName(ctx), 'send failed', err)
    closeQuietly(ws, 1011, 'send failed')
  }
}

function closeQuietly(ws: WebSocket, code: number, reason: string): void {
  try {
    ws.close(code, reason)
  } catch {}
}

/**
 * The hub's `fetch`: a WebSocket upgrade for `/v1/live` (already authenticated by the Worker), or
 * the Worker's internal request to close the sockets of a revoked credential.
 */
export function acceptLiveSocket(ctx: DurableObjectState, store: LocalStore, request: Request): Response {
  const closeTag = request.headers.get(CLOSE_SOCKETS_HEADER)
  if (closeTag) {
    for (const ws of ctx.getWebSockets(closeTag)) closeQuietly(ws, REVOKED_CLOSE_CODE, 'credential revoked')
    return new Response(null, { status: 204 })
  }
  if (request.headers.get('upgrade')?.toLowerCase() !== 'websocket')
    return new Response('Expected a WebSocket upgrade', { status: 426 })
  const role = parseRole(request.headers.get(SOCKET_ROLE_HEADER))
  if (!role) return new Response('Missing socket role', { status: 400 })
  const { 0: client, 1: server } = new WebSocketPair()
  ctx.acceptWebSocket(server, tagsOf(role))
  server.serializeAttachment(role)
  sendOrClose(ctx, server, snapshotMessage(store, role))
  return new Response(null, { status: 101, webSocket: client })
}

/** Clients may ask for a fresh snapshot (`"snapshot"`); anything else is ignored. */
export function onSocketMessage(
  ctx: DurableObjectState,
  store: LocalStore,
  ws: WebSocket,
  message: string | ArrayBuffer,
): void {
  try {
    if (message !== 'snapshot') return
    const role = socketRole(ws)
    if (!role) throw new Error('socket without a role')
    sendOrClose(ctx, ws, snapshotMessage(store, role))
  } catch (err) {
    console.error('ProgramHub', objectName(ctx), 'webSocketMessage failed', err)
    closeQuietly(ws, 1011, 'internal error')
  }
}

/** Answers the client's close frame, or the socket lingers half-closed. */
export function onSocketClose(ctx: DurableObjectState, ws: WebSocket, code: number, reason: string): void {
  // 1005, 1006 and 1015 describe a close; they may not be sent in one.
  const answer = code === 1005 || code === 1006 || code === 1015 ? 1000 : code
  try {
    ws.close(answer, reason)
  } catch (err) {
    // Already closed (the runtime may have answered for us): nothing left to do.
    if (!(err instanceof TypeError))
      console.error('ProgramHub', objectName(ctx), 'webSocketClose failed', err)
  }
}

export function onSocketError(ctx: DurableObjectState, ws: WebSocket, error: unknown): void {
  console.error('ProgramHub', objectName(ctx), 'webSocketError', error)
  closeQuietly(ws, 1011, 'socket error')
}
