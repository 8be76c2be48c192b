/** Helpers for collector tests: call the Worker like a client would, create programs and affiliates. */
import { createExecutionContext, env } from 'cloudflare:test'
import worker from '../src/index'
import type { ProgramCreated } from '../src/shared'

export const ADMIN = 'test-admin-token'

/** The program's ProgramHub, to call its methods directly. */
export const hub = (programId: string) => env.HUB.get(env.HUB.idFromName(programId))

/** Rows of `table` in D1 that belong to the program. */
export async function d1Count(table: string, programId: string): Promise<number> {
  const row = await env.DB.prepare(`SELECT COUNT(*) AS n FROM ${table} WHERE program_id = ?`)
    .bind(programId)
    .first<{ n: number }>()
  return row?.n ?? 0
}
export const BROWSER_UA =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36'

export interface Answer<T = any> {
  status: number
  headers: Headers
  body: T
}

export async function call<T = any>(
  method: string,
  path: string,
  opts: {
    token?: string
    body?: unknown
    raw?: string
    headers?: Record<string, string>
    /** What Cloudflare's edge would put in `request.cf` (the visitor's country, …). */
    cf?: Record<string, unknown>
  } = {},
): Promise<Answer<T>> {
  const headers: Record<string, string> = { 'user-agent': BROWSER_UA, ...opts.headers }
  if (opts.token) headers.authorization = `Bearer ${opts.token}`
  let body: string | undefined = opts.raw
  if (opts.body !== undefined) {
    body = JSON.stringify(opts.body)
    headers['content-type'] ??= 'application/json'
  }
  // The Worker's own fetch handler with the real bindings. (The pool's SELF/exports entry point slows
  // down quadratically under many concurrent requests, which says nothing about the collector.)
  const req = new Request(`http://collector.test${path}`, {
    method,
    headers,
    body,
    ...(opts.cf ? { cf: opts.cf as RequestInit['cf'] } : {}),
  })
  const res = await worker.fetch(req, env, createExecutionContext())
  const text = await res.text()
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null }
}

export async function createProgram(body: Record<string, unknown> = {}): Promise<ProgramCreated> {
  const res = await call<ProgramCreated>('POST', '/v1/programs', {
    token: ADMIN,
    body: { name: 'Acme', ...body },
  })
  if (res.status !== 201) throw new Error(`createProgram: ${res.status} ${JSON.stringify(res.body)}`)
  return res.body
}

let seq = 0
export async function createAffiliate(sk: string, body: Record<string, unknown> = {}) {
  seq++
  const res = await call('POST', '/v1/affiliates', {
    token: sk,
    body: {
      name: `Affiliate ${seq}`,
      email: `aff${seq}@example.com`,
      code: `aff${seq}x${Date.now().toString(36)}`,
      ...body,
    },
  })
  if (res.status !== 201) throw new Error(`createAffiliate: ${res.status} ${JSON.stringify(res.body)}`)
  return res.body.affiliate as { id: string; code: string; portal_url: string; link: string }
}

/**
 * A program with `count` affiliates and one live click at noon UTC of each of `days` days from
 * 1 January 2026 for every affiliate × sub-id, written into `rollups` so the triggers fill every
 * grain as the hub's writes do. Resolves to the program and its affiliates' ids.
 */
export async function seedNoonClicks(count: number, days: number, subs: string[] = ['']) {
  const { program, keys } = await createProgram()
  const ids: string[] = []
  for (let i = 0; i < count; i++) ids.push((await createAffiliate(keys.secret)).id)
  await env.DB.prepare(
    `WITH RECURSIVE d(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM d WHERE n < ?4 - 1)
     INSERT INTO rollups (program_id, mode, affiliate_id, sub, hour, currency, clicks, unique_clicks)
     SELECT ?1, 'live', a.value, s.value, strftime('%Y-%m-%dT12', ?2 + d.n * 86400, 'unixepoch'), '', 1, 1
     FROM json_each(?3) AS a, json_each(?5) AS s, d`,
  )
    .bind(
      program.id,
      Date.parse('2026-01-01T00:00:00Z') / 1000,
      JSON.stringify(ids),
      days,
      JSON.stringify(subs),
    )
    .run()
  return { programId: program.id, ids }
}

let clickSeq = 0
/** A fresh 22-character click id, as the browser script makes. */
export function clickId(): string {
  clickSeq++
  return `clk${clickSeq.toString().padStart(6, '0')}${crypto.randomUUID().replace(/-/g, '').slice(0, 13)}`
}

export function sendClick(
  pk: string,
  body: Record<string, unknown>,
  headers: Record<string, string> = {},
  cf?: Record<string, unknown>,
) {
  return call('POST', '/v1/clicks', {
    raw: JSON.stringify({ key: pk, url: 'https://saas.example/?ref=x', ...body }),
    headers: { 'content-type': 'text/plain', 'cf-connecting-ip': '203.0.113.7', ...headers },
    ...(cf ? { cf } : {}),
  })
}
