/** Signed-in dashboard requests for workerd tests: sign in with the admin token, get and post pages. */
import { exports } from 'cloudflare:workers'
import { ADMIN } from './helpers'

const worker = (exports as unknown as { default: { fetch(r: Request): Promise<Response> } }).default

export async function fetchPage(path: string, init: RequestInit = {}) {
  const res = await worker.fetch(new Request(`http://collector.test${path}`, { redirect: 'manual', ...init }))
  return { status: res.status, headers: res.headers, text: await res.text() }
}

function cookieOf(headers: Headers, name: string): string {
  const all = (headers as unknown as { getAll(name: string): string[] }).getAll('set-cookie')
  return all.find((c) => c.startsWith(`${name}=`))?.split(';')[0] ?? ''
}

let ipSeq = 0
/** A dashboard session: its cookie and its CSRF token. */
export async function signIn(): Promise<{ cookie: string; csrf: string }> {
  const ip = `198.51.88.${++ipSeq % 250}`
  const page = await fetchPage('/dashboard/sign-in', { headers: { 'cf-connecting-ip': ip } })
  const signInCsrf = /name="_csrf" value="([^"]+)"/.exec(page.text)?.[1] ?? ''
  const res = await fetchPage('/dashboard/sign-in', {
    method: 'POST',
    headers: {
      cookie: cookieOf(page.headers, 'rl_signin'),
      'cf-connecting-ip': ip,
      'content-type': 'application/x-www-form-urlencoded',
      'sec-fetch-site': 'same-origin',
    },
    body: new URLSearchParams({ _csrf: signInCsrf, token: ADMIN }).toString(),
  })
  const cookie = cookieOf(res.headers, 'rl_session')
  const programs = await fetchPage('/dashboard/programs', { headers: { cookie } })
  const csrf = /name="csrf-token" content="([^"]+)"/.exec(programs.text)?.[1] ?? ''
  return { cookie, csrf }
}

/** Posts a form as the dashboard's own page would (same origin); `_csrf` is added unless given. */
export function postForm(
  session: { cookie: string; csrf: string },
  path: string,
  form: Record<string, string> | URLSearchParams,
  opts: { csrf?: boolean } = {},
) {
  const body = new URLSearchParams(form)
  if (opts.csrf !== false && !body.has('_csrf')) body.set('_csrf', session.csrf)
  return fetchPage(path, {
    method: 'POST',
    headers: {
      cookie: session.cookie,
      'content-type': 'application/x-www-form-urlencoded',
      'sec-fetch-site': 'same-origin',
    },
    body: body.toString(),
  })
}
