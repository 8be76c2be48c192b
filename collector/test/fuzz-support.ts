/**
 * Support for the generated-input tests: a dashboard session signed in through the form, a snapshot
 * of everything stored (every D1 table's row count and the hub's live totals), and the checks
 * every answer must pass.
 */
import { createExecutionContext, env } from 'cloudflare:test'
import { expect } from 'vitest'
import worker from '../src/index'
import type { Mode, Totals } from '../src/shared'
import { ADMIN, hub } from './helpers'

/** Every Set-Cookie header (workerd has getAll; the DOM-ish types don't). */
function cookieOf(res: Response, name: string): string {
  const all = (res.headers as unknown as { getAll(name: string): string[] }).getAll('set-cookie')
  return all.find((c) => c.startsWith(`${name}=`))?.split(';')[0] ?? ''
}

async function page(path: string, init: RequestInit = {}): Promise<{ res: Response; text: string }> {
  const res = await worker.fetch(
    new Request(`http://collector.test${path}`, init),
    env,
    createExecutionContext(),
  )
  return { res, text: await res.text() }
}

/**
 * A signed-in dashboard, through the real sign-in form: the cookie header and the CSRF token
 * its mutations carry (read from the page, as the dashboard's own script does).
 */
export async function dashboardSession(): Promise<{ cookie: string; csrf: string }> {
  const form = await page('/dashboard/sign-in')
  const formCsrf = /name="_csrf" value="([^"]+)"/.exec(form.text)?.[1] ?? ''
  const signedIn = await page('/dashboard/sign-in', {
    method: 'POST',
    headers: {
      cookie: cookieOf(form.res, 'rl_signin'),
      'content-type': 'application/x-www-form-urlencoded',
      'sec-fetch-site': 'same-origin',
      'cf-connecting-ip': `192.0.2.${Math.floor(Math.random() * 250)}`,
    },
    body: new URLSearchParams({ _csrf: formCsrf, token: ADMIN }).toString(),
    redirect: 'manual',
  })
  const cookie = cookieOf(signedIn.res, 'rl_session')
  if (!cookie) throw new Error(`dashboardSession: sign-in answered ${signedIn.res.status}`)
  const dashboard = await page('/dashboard', { headers: { cookie } })
  const csrf = /name="csrf-token" content="([^"]+)"/.exec(dashboard.text)?.[1] ?? ''
  if (!csrf) throw new Error('dashboardSession: no CSRF token on the dashboard page')
  return { cookie, csrf }
}

let tableNames: string[] | null = null

/** Every table of the schema, read from D1 itself so a table added later is counted too. */
async function tables(): Promise<string[]> {
  tableNames ??= (
    await env.DB.prepare(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name != 'd1_migrations' ORDER BY name",
    ).all<{ name: string }>()
  ).results.map((r) => r.name)
  return tableNames
}

export interface StoredState {
  rows: Record<string, number>
  hub: Record<string, Totals>
}

/** Row counts of every D1 table (one query) and the hubs' totals of the given programs, both modes. */
export async function storedState(programIds: string[]): Promise<StoredState> {
  const names = await tables()
  const sql = `SELECT ${names.map((n) => `(SELECT COUNT(*) FROM "${n}") AS "${n}"`).join(', ')}`
  const scopes = programIds.flatMap((id) => (['live', 'test'] as Mode[]).map((mode) => [id, mode] as const))
  const [rows, ...totals] = await Promise.all([
    env.DB.prepare(sql).first<Record<string, number>>(),
    ...scopes.map(([id, mode]) => hub(id).totals(mode)),
  ])
  return {
    rows: rows ?? {},
    hub: Object.fromEntries(scopes.map(([id, mode], i) => [`${id}/${mode}`, totals[i] as Totals])),
  }
}

/** Writes every click the hubs still buffer, so the D1 counts stop moving before a comparison. */
export async function settle(programIds: string[]): Promise<void> {
  await Promise.all(programIds.map((id) => hub(id).flush()))
}

const ERROR_CODES = [
  'invalid_request',
  'unauthorized',
  'forbidden',
  'not_found',
  'conflict',
  'rate_limited',
  'payload_too_large',
  'internal',
]

/** A JSON error body has the one shape: `{"error": {"code", "message", "field"?}}` and nothing else. */
export function expectErrorShape(text: string, context: string): void {
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    throw new Error(`${context}: the error body is not JSON: ${text.slice(0, 200)}`)
  }
  expect(Object.keys(body as object), context).toEqual(['error'])
  const error = (body as { error: Record<string, unknown> }).error
  expect(ERROR_CODES, context).toContain(error.code)
  expect(typeof error.message, context).toBe('string')
  for (const key of Object.keys(error)) expect(['code', 'message', 'field'], context).toContain(key)
  if ('field' in error) expect(typeof error.field, context).toBe('string')
}
