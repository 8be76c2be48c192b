/**
 * The running local collector, as tests use it: programs with affiliates, and the click rows it
 * stored in D1 (through scripts/local-collector.mjs).
 */
import { inject } from 'vitest'
import { queryD1 } from '../../../scripts/local-collector.mjs'

export const collector = () => inject('collector')

export interface ClickRow {
  click_id: string
  program_id: string
  affiliate_id: string | null
  ref: string
  sub: string | null
  url: string | null
  referrer: string | null
  mode: 'live' | 'test'
  source: 'script' | 'link'
  first_click_id: string | null
}

export interface TestProgram {
  id: string
  publishable: string
  secret: string
  testSecret: string
  /** Affiliate codes by the name asked for, e.g. `affiliates.jane` → the code of Jane. */
  affiliates: Record<string, { id: string; code: string }>
}

async function api(method: string, path: string, token: string, body?: unknown) {
  const res = await fetch(`${collector().url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const json = (await res.json()) as Record<string, unknown>
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`)
  return json
}

let seq = 0

/** Creates an affiliate with the given secret key (live or test); returns it as the API does. */
export async function createAffiliate(secret: string, name: string): Promise<{ id: string; code: string }> {
  const code = `${name}${++seq}${Math.random().toString(36).slice(2, 6)}`
  const { affiliate } = (await api('POST', '/v1/affiliates', secret, {
    name,
    email: `${code}@example.com`,
    code,
  })) as {
    affiliate: { id: string; code: string }
  }
  return affiliate
}

/** A fresh program with one affiliate per name, codes unique across the run. */
export async function createProgram(
  settings: Record<string, unknown> = {},
  affiliateNames: string[] = ['jane'],
): Promise<TestProgram> {
  const created = (await api('POST', '/v1/programs', collector().adminToken, {
    name: `Browser test ${++seq}`,
    ...settings,
  })) as { program: { id: string }; keys: { publishable: string; secret: string; test_secret: string } }
  const affiliates: TestProgram['affiliates'] = {}
  for (const name of affiliateNames) affiliates[name] = await createAffiliate(created.keys.secret, name)
  return {
    id: created.program.id,
    publishable: created.keys.publishable,
    secret: created.keys.secret,
    testSecret: created.keys.test_secret,
    affiliates,
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Every stored click of a program, oldest first. */
export async function clickRows(programId: string): Promise<ClickRow[]> {
  if (!/^[\w-]+$/.test(programId)) throw new Error(`odd program id ${programId}`)
  return (await queryD1(
    collector().persistTo,
    `SELECT click_id, program_id, affiliate_id, ref, sub, url, referrer, mode, source, first_click_id
       FROM clicks WHERE program_id = '${programId}' ORDER BY created_at, rowid`,
  )) as ClickRow[]
}

/**
 * Waits until the program has `count` stored clicks (the hub flushes to D1 within about a
 * second), then waits once more and checks nothing else arrives: "exactly", not "at least".
 */
export async function waitForClicks(
  programId: string,
  count: number,
  timeoutMs = 30_000,
): Promise<ClickRow[]> {
  const deadline = Date.now() + timeoutMs
  let rows = await clickRows(programId)
  while (rows.length < count && Date.now() < deadline) {
    await sleep(500)
    rows = await clickRows(programId)
  }
  if (rows.length < count) throw new Error(`expected ${count} clicks, D1 has ${rows.length}`)
  await sleep(1500)
  return clickRows(programId)
}

/** Sum of a rollup column for a program (clicks, unique_clicks, bot_clicks …). */
export async function rollupTotal(programId: string, column: 'clicks' | 'bot_clicks'): Promise<number> {
  const [row] = (await queryD1(
    collector().persistTo,
    `SELECT COALESCE(SUM(${column}), 0) AS n FROM rollups WHERE program_id = '${programId}'`,
  )) as Array<{ n: number }>
  return row?.n ?? 0
}
