/**
 * The founder's dashboard pages: sign-in with the admin token (a signed session cookie backed by
 * a server-side session; attempts are rate limited per IP), sign-out, and `/dashboard` itself.
 * The sign-in form is protected against CSRF by a double-submit cookie; everything after it by the
 * session-bound token (lib/session.ts).
 */
import { type Context, Hono } from 'hono'
import { deleteCookie, getCookie, setCookie } from 'hono/cookie'
import { affiliatesByName } from '../affiliates/data'
import { closeSockets, sessionTag } from '../hub/sockets'
import { pendingApplications } from '../join/applications'
import { isAdminToken } from '../lib/auth'
import { randomToken, timingSafeEqual } from '../lib/crypto'
import { hubFor } from '../lib/env'
import { clientIp, SIGN_IN, withinLimit } from '../lib/rate-limit'
import {
  assertSameOrigin,
  endSession,
  readSession,
  requireCsrf,
  requireSession,
  type SessionEnv,
  sessionIdHash,
  startSession,
} from '../lib/session'
import { DashboardPage, type DashboardProps } from '../pages/dashboard'
import { pageHeaders } from '../pages/layout'
import { SignInPage } from '../pages/sign-in'
import { programNames } from '../program/data'
import { checklistState } from '../programs/checklist'
import type { Mode } from '../shared'

export const dashboardRoutes = new Hono<SessionEnv>()

const SIGNIN_COOKIE = 'rl_signin'

dashboardRoutes.use('/dashboard', async (c, next) => {
  pageHeaders(c)
  await next()
})
dashboardRoutes.use('/dashboard/*', async (c, next) => {
  if (!c.req.path.startsWith('/dashboard/api/')) pageHeaders(c)
  await next()
})

async function signInForm(c: Context<SessionEnv>, error?: string, status: 400 | 401 | 429 = 401) {
  const csrf = randomToken(24)
  setCookie(c, SIGNIN_COOKIE, csrf, {
    path: '/dashboard/sign-in',
    httpOnly: true,
    sameSite: 'Strict',
    secure: new URL(c.req.url).protocol === 'https:',
    maxAge: 3600,
  })
  return c.html(<SignInPage csrf={csrf} {...(error ? { error } : {})} />, error ? status : 200)
}

dashboardRoutes.get('/dashboard/sign-in', async (c) => {
  if (await readSession(c)) return c.redirect('/dashboard', 303)
  return signInForm(c)
})

dashboardRoutes.post('/dashboard/sign-in', async (c) => {
  assertSameOrigin(c)
  // Counted before anything is checked: past the limit no token is even compared.
  if (!(await withinLimit(c.env, SIGN_IN, `ip:${clientIp(c)}`))) {
    c.header('Retry-After', String(SIGN_IN.period))
    return signInForm(c, 'Too many sign-in attempts from this address. Try again in a minute.', 429)
  }
  let form: Record<string, unknown>
  try {
    form = await c.req.parseBody()
  } catch {
    // A malformed body (say, a multipart form without its closing boundary) is the client's fault.
    return signInForm(c, 'The form could not be read. Please sign in again.', 400)
  }
  const expected = getCookie(c, SIGNIN_COOKIE)
  const sent = typeof form._csrf === 'string' ? form._csrf : ''
  if (!expected || !timingSafeEqual(sent, expected)) {
    return signInForm(c, 'The form expired. Please sign in again.')
  }
  if (!c.env.ADMIN_TOKEN) return signInForm(c, 'ADMIN_TOKEN is not configured on this deployment.')
  const token = typeof form.token === 'string' ? form.token.trim() : ''
  if (!isAdminToken(c.env, token)) return signInForm(c, 'That admin token is not valid.')
  deleteCookie(c, SIGNIN_COOKIE, { path: '/dashboard/sign-in' })
  await startSession(c)
  return c.redirect('/dashboard', 303)
})

dashboardRoutes.post('/dashboard/sign-out', requireSession('page'), requireCsrf, async (c) => {
  const session = c.get('session')
  await endSession(c, session)
  // Live sockets opened with this session close too (a deployment has a handful of programs).
  const tag = sessionTag(await sessionIdHash(session.sid))
  const programs = await programNames(c.env.DB)
  await Promise.all(programs.map((p) => closeSockets(c.env, p.id, tag)))
  return c.redirect('/dashboard/sign-in', 303)
})

const DATE = /^\d{4}-\d{2}-\d{2}$/

dashboardRoutes.get('/dashboard', requireSession('page'), async (c) => {
  const db = c.env.DB
  const programs = await programNames(db)
  const program = programs.find((p) => p.id === c.req.query('program')) ?? programs[0]
  // A fresh deployment starts on the Programs page, where the first program is created.
  if (!program) return c.redirect('/dashboard/programs', 303)
  const mode: Mode = c.req.query('mode') === 'test' ? 'test' : 'live'
  const q = c.req.query()
  const [totals, affiliates, checklist, pending] = await Promise.all([
    hubFor(c.env, program.id).totals(mode),
    affiliatesByName(db, program.id),
    checklistState(c.env, program.id),
    pendingApplications(db, program.id),
  ])
  const props: DashboardProps = {
    csrf: c.get('csrf'),
    programs,
    programId: program.id,
    mode,
    filters: {
      affiliate: affiliates.some((a) => a.id === q.affiliate) ? (q.affiliate ?? '') : '',
      sub: (q.sub ?? '').slice(0, 128),
      from: DATE.test(q.from ?? '') ? (q.from ?? '') : '',
      to: DATE.test(q.to ?? '') ? (q.to ?? '') : '',
    },
    totals,
    affiliates,
    checklist,
    pending,
  }
  return c.html(<DashboardPage {...props} />)
})
