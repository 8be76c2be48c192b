/**
 * `GET /v1/live`: the live channel, a WebSocket held by the program's hub. Three ways in, all
 * checked before the upgrade (anything else is a 401): the dashboard session cookie (founder,
 * `?program=&mode=`), an affiliate's portal token (`?token=`, that affiliate only), or a
 * short-lived signed token from `POST /v1/live/tokens` (`?token=`, for programmatic subscribers).
 *
 * A browser sends its page's `Origin` with every WebSocket handshake and attaches cookies even
 * when the page is another site's (cross-site WebSocket hijacking), so any `Origin` but the
 * collector's own is refused (403). Server-side clients send no `Origin` and keep working.
 */
import { type Context, Hono } from 'hono'
import { findAffiliate, isActiveAffiliate } from '../affiliates/data'
import { SOCKET_ROLE_HEADER, type SocketRole } from '../hub/sockets'
import { authFailure, requireSecretKey } from '../lib/auth'
import { type AppEnv, type Env, hubFor, publicOrigin } from '../lib/env'
import { ApiError } from '../lib/errors'
import { affiliateByPortalToken } from '../lib/portal-token'
import { assertKnownQuery } from '../lib/query'
import { liveTokenInput } from '../lib/schemas'
import { readSession, sessionIdHash } from '../lib/session'
import { signToken, verifyToken } from '../lib/signing'
import { parseWith } from '../lib/validate'
import type { LiveTokenResult, Mode } from '../shared'

export const liveRoutes = new Hono<AppEnv>()

/** Live tokens only open a socket; an open socket outlives its token. */
export const LIVE_TOKEN_TTL_MS = 10 * 60_000

export interface LiveTokenPayload {
  kind: 'live'
  exp: number
  /** Program, mode and (for an affiliate's view) affiliate id. */
  p: string
  m: Mode
  a?: string
}

interface Target {
  programId: string
  role: SocketRole
}

async function tokenTarget(env: Env, token: string): Promise<Target | null> {
  if (token.includes('.')) {
    const live = await verifyToken<LiveTokenPayload>(env, token, 'live')
    if (!live) return null
    if (!live.a) return { programId: live.p, role: { kind: 'founder', mode: live.m } }
    const active = await isActiveAffiliate(env.DB, live.p, live.a)
    return active
      ? { programId: live.p, role: { kind: 'affiliate', affiliateId: live.a, mode: live.m } }
      : null
  }
  const aff = await affiliateByPortalToken(env.DB, token)
  return aff
    ? {
        programId: aff.program_id,
        role: { kind: 'affiliate', affiliateId: aff.id, mode: aff.mode, portal: true },
      }
    : null
}

async function sessionTarget(c: Context<AppEnv>): Promise<Target | null> {
  const session = await readSession(c)
  if (!session) return null
  const programId = c.req.query('program')
  const mode = c.req.query('mode') ?? 'live'
  if (!programId) throw new ApiError('invalid_request', 'program is required', 'program')
  if (mode !== 'live' && mode !== 'test')
    throw new ApiError('invalid_request', 'mode must be live or test', 'mode')
  const exists = await c.env.DB.prepare('SELECT 1 FROM programs WHERE id = ?').bind(programId).first()
  if (!exists) throw new ApiError('not_found', 'Unknown program', 'program')
  return { programId, role: { kind: 'founder', mode, session: await sessionIdHash(session.sid) } }
}

/**
 * The origins this collector is reached at: PUBLIC_URL's, the request URL's, and the Host the
 * request came to (a proxy or `wrangler dev` may rewrite the URL, not the Host header).
 */
function ownOrigins(c: Context<AppEnv>): Set<string> {
  const url = new URL(c.req.url)
  const origins = new Set([url.origin])
  const host = c.req.header('host')
  if (host) origins.add(`${url.protocol}//${host}`)
  if (c.env.PUBLIC_URL) {
    try {
      origins.add(new URL(c.env.PUBLIC_URL).origin)
    } catch {}
  }
  return origins
}

function assertOwnOrigin(c: Context<AppEnv>): void {
  const origin = c.req.header('origin')
  if (origin === undefined) return
  if (!ownOrigins(c).has(origin)) {
    throw new ApiError('forbidden', 'The live channel only accepts pages of this collector (Origin)')
  }
}

liveRoutes.get('/v1/live', async (c) => {
  assertOwnOrigin(c)
  const token = c.req.query('token')
  const target = token ? await tokenTarget(c.env, token) : await sessionTarget(c)
  if (!target) {
    const error = new ApiError(
      'unauthorized',
      'Connect with the dashboard session, a portal token or a live token (?token=)',
      token ? 'token' : undefined,
    )
    // A wrong token is a guess at a credential: counted like a failed key.
    if (token) return authFailure(c, error)
    throw error
  }
  assertKnownQuery(c.req.query(), ['token', 'program', 'mode'])
  if (c.req.header('upgrade')?.toLowerCase() !== 'websocket') {
    throw new ApiError('invalid_request', 'GET /v1/live expects a WebSocket upgrade (Upgrade: websocket)')
  }
  const headers = new Headers(c.req.raw.headers)
  headers.set(SOCKET_ROLE_HEADER, JSON.stringify(target.role))
  return hubFor(c.env, target.programId).fetch(new Request(c.req.url, { headers }))
})

liveRoutes.post('/v1/live/tokens', requireSecretKey, async (c) => {
  const { programId, mode } = c.get('auth')
  // The body is optional (no affiliate = the whole program); it is tiny, so read it whole.
  const text = await c.req.text()
  if (text.length > 1024) throw new ApiError('payload_too_large', 'Body exceeds 1 KB')
  let raw: unknown = {}
  if (text.trim()) {
    try {
      raw = JSON.parse(text)
    } catch {
      throw new ApiError('invalid_request', 'Body is not valid JSON')
    }
  }
  const body = parseWith(liveTokenInput, raw)
  let affiliateId: string | undefined
  if (body.affiliate_id) {
    // A live key follows live affiliates; a test key any affiliate (test events may be attributed
    // to live affiliates), always in test mode.
    const aff = await findAffiliate(c.env.DB, programId, body.affiliate_id, { visibleTo: mode })
    if (!aff) throw new ApiError('invalid_request', 'No affiliate with that id or code', 'affiliate_id')
    affiliateId = aff.id
  }
  const exp = Date.now() + LIVE_TOKEN_TTL_MS
  const payload: LiveTokenPayload = {
    kind: 'live',
    exp,
    p: programId,
    m: mode,
    ...(affiliateId ? { a: affiliateId } : {}),
  }
  const token = await signToken(c.env, payload)
  const origin = publicOrigin(c.env, c.req.url).replace(/^http/, 'ws')
  const result: LiveTokenResult = {
    token,
    url: `${origin}/v1/live?token=${encodeURIComponent(token)}`,
    expires_at: new Date(exp).toISOString(),
  }
  return c.json(result, 201)
})
