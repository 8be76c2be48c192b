/**
 * Dashboard sessions: signing in with the admin token sets a signed, HttpOnly, SameSite=Strict
 * cookie carrying a random session id. The session also lives on the server (D1 `sessions`, the
 * id's sha256 only), so signing out ends it at once: a copied cookie stops working with it.
 * Every mutation carries a CSRF token bound to the session (an HMAC of the session id) in the
 * `X-CSRF-Token` header or a `_csrf` form field, and must come from this origin.
 */
import { and, eq, gt, lte } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/d1'
import type { Context } from 'hono'
import { deleteCookie, getCookie, setCookie } from 'hono/cookie'
import { createMiddleware } from 'hono/factory'
import { sessions } from '../db/schema'
import { randomToken, sha256Hex, timingSafeEqual } from './crypto'
import type { Env } from './env'
import { ApiError } from './errors'
import { mac, signToken, verifyToken } from './signing'

export const SESSION_COOKIE = 'rl_session'
export const SESSION_TTL_MS = 12 * 3_600_000

export interface SessionPayload {
  kind: 'session'
  sid: string
  exp: number
}

export interface SessionEnv {
  Bindings: Env
  Variables: { session: SessionPayload; csrf: string }
}

function isHttps(c: Context): boolean {
  return new URL(c.req.url).protocol === 'https:'
}

/** The session of a valid cookie that has not been signed out of, or null. */
export async function readSession(c: Context): Promise<SessionPayload | null> {
  const env = c.env as Env
  const payload = await verifyToken<SessionPayload>(env, getCookie(c, SESSION_COOKIE), 'session')
  if (!payload || typeof payload.sid !== 'string') return null
  const row = await drizzle(env.DB)
    .select({ idHash: sessions.idHash })
    .from(sessions)
    .where(
      and(
        eq(sessions.idHash, await sessionIdHash(payload.sid)),
        gt(sessions.expiresAt, new Date().toISOString()),
      ),
    )
    .get()
  return row ? payload : null
}

/** What the sessions table keys a session by: the id itself is only ever in the cookie. */
export function sessionIdHash(sid: string): Promise<string> {
  return sha256Hex(`session:${sid}`)
}

export async function startSession(c: Context<SessionEnv>): Promise<void> {
  const now = Date.now()
  const payload: SessionPayload = { kind: 'session', sid: randomToken(22), exp: now + SESSION_TTL_MS }
  const db = drizzle(c.env.DB)
  // Sign-in is rate limited per IP, so sweeping expired sessions here keeps the table small.
  await db.batch([
    db.delete(sessions).where(lte(sessions.expiresAt, new Date(now).toISOString())),
    db.insert(sessions).values({
      idHash: await sessionIdHash(payload.sid),
      createdAt: new Date(now).toISOString(),
      expiresAt: new Date(payload.exp).toISOString(),
    }),
  ])
  setCookie(c, SESSION_COOKIE, await signToken(c.env, payload), {
    path: '/',
    httpOnly: true,
    sameSite: 'Strict',
    secure: isHttps(c),
    maxAge: SESSION_TTL_MS / 1000,
  })
}

/** Ends the session on the server and clears the cookie. */
export async function endSession(c: Context<SessionEnv>, session: SessionPayload): Promise<void> {
  await drizzle(c.env.DB)
    .delete(sessions)
    .where(eq(sessions.idHash, await sessionIdHash(session.sid)))
  deleteCookie(c, SESSION_COOKIE, { path: '/', secure: isHttps(c) })
}

export function csrfFor(env: Env, sid: string): Promise<string> {
  return mac(env, `csrf:${sid}`)
}

/**
 * A cross-site request never mutates anything. Browsers say where a request comes from in
 * Sec-Fetch-Site; older ones only send Origin, checked against the Host the request came to
 * (not the URL, which a proxy or `wrangler dev` may rewrite).
 */
export function assertSameOrigin(c: Context): void {
  const site = c.req.header('sec-fetch-site')
  if (site) {
    if (site !== 'same-origin' && site !== 'none') throw new ApiError('forbidden', 'Cross-site request')
    return
  }
  const origin = c.req.header('origin')
  if (!origin) return
  let host = ''
  try {
    host = new URL(origin).host
  } catch {}
  const allowed = [c.req.header('host'), new URL(c.req.url).host]
  if (!allowed.includes(host)) throw new ApiError('forbidden', 'Cross-origin request')
}

/** Pages redirect to the sign-in form; JSON endpoints answer 401. */
export function requireSession(kind: 'page' | 'api') {
  return createMiddleware<SessionEnv>(async (c, next) => {
    const session = await readSession(c)
    if (!session) {
      if (kind === 'page') return c.redirect('/dashboard/sign-in', 303)
      throw new ApiError('unauthorized', 'Sign in to the dashboard first')
    }
    c.set('session', session)
    c.set('csrf', await csrfFor(c.env, session.sid))
    await next()
  })
}

/** Checks the CSRF token and the origin on every method that can change something. */
export const requireCsrf = createMiddleware<SessionEnv>(async (c, next) => {
  if (c.req.method !== 'GET' && c.req.method !== 'HEAD') {
    assertSameOrigin(c)
    let sent = c.req.header('x-csrf-token')
    if (!sent && (c.req.header('content-type') ?? '').includes('application/x-www-form-urlencoded')) {
      const form = await c.req.parseBody()
      sent = typeof form._csrf === 'string' ? form._csrf : undefined
    }
    if (!sent || !timingSafeEqual(sent, c.get('csrf')))
      throw new ApiError('forbidden', 'Missing or bad CSRF token')
  }
  await next()
})
