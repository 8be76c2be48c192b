/**
 * Support for the generated-input tests: a dashboard session without the sign-in form, a snapshot
 * of everything stored (every D1 table's row count and the hub's live totals), and the checks
 * every answer must pass.
 */
import { env } from 'cloudflare:test'
import { expect } from 'vitest'
import { csrfFor, SESSION_COOKIE, type SessionPayload } from '../src/lib/session'
import { signToken } from '../src/lib/signing'
import type { Mode, Totals } from '../src/shared'

/** A signed-in dashboard: the cookie header and the CSRF token its mutations carry. */
export async function dashboardSession(): Promise<{ cookie: string; csrf: string }> {
  const sid = crypto.randomUUID().replace(/-/g, '')
  const payload: SessionPayload = { kind: 'session', sid, exp: Date.now() + 3_600_000 }
  return { cookie: `${SESSION_COOKIE}=${await signToken(env, payload)}`, csrf: await csrfFor(env, sid) }
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

const hub = (programId: string) => env.HUB.get(env.HUB.idFromName(programId))

/** Row counts of every D1 table (one query) and the hubs' totals of the given programs, both modes. */
export async function storedState(programIds: string[]): Promise<StoredState> {
  const names = await tables()
  const sql = `SELECT ${names.map((n) => `(SELECT COUNT(*) FROM "${n}") AS "${n}"`).join(', ')}`
  const rows = (await env.DB.prepare(sql).first<Record<string, number>>()) ?? {}
  const totals: Record<string, Totals> = {}
  for (const id of programIds) {
    for (const mode of ['live', 'test'] as Mode[]) totals[`${id}/${mode}`] = await hub(id).totals(mode)
  }
  return { rows, hub: totals }
}

/** Writes every click the hubs still buffer, so the D1 counts stop moving before a comparison. */
export async function settle(programIds: string[]): Promise<void> {
  for (const id of programIds) await hub(id).flush()
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
