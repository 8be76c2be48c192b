/** Helpers of the payouts tests (workerd): events through the Worker, the hub, files and the portal. */
import { createExecutionContext, env } from 'cloudflare:test'
import { expect } from 'vitest'
import { call, hub } from '../../test/helpers'
import worker from '../index'
import type { AffiliateBalance, PayoutRecord, PortalPayout } from '../shared'

export { hub }

export const DAY = 86_400_000
export const EVIL = '=HYPERLINK("http://evil.example","click")'

export async function convert(sk: string, eventId: string, ref: string, amount: number, currency = 'USD') {
  const res = await call('POST', '/v1/conversions', {
    token: sk,
    body: { event_id: eventId, ref, amount, currency },
  })
  expect(res.status, JSON.stringify(res.body)).toBe(201)
  return res.body.conversion.commission as { id: string; amount: number }
}

/** Runs the hourly approval as if the hold had passed. */
export const passHold = (programId: string) => hub(programId).approveDue(programId, Date.now() + 31 * DAY)

export async function createPayout(sk: string, body?: unknown): Promise<PayoutRecord | null> {
  const res = await call('POST', '/v1/payouts', { token: sk, ...(body ? { body } : {}) })
  expect([200, 201], JSON.stringify(res.body)).toContain(res.status)
  expect(res.status).toBe(res.body.payout ? 201 : 200)
  return res.body.payout
}

export async function file(sk: string, path: string) {
  const res = await fetchRaw(path, sk)
  return { status: res.status, headers: res.headers, text: await res.text() }
}

async function fetchRaw(path: string, sk: string): Promise<Response> {
  return worker.fetch(
    new Request(`http://collector.test${path}`, { headers: { authorization: `Bearer ${sk}` } }),
    env,
    createExecutionContext(),
  )
}

export async function portal(portalUrl: string) {
  const res = await call('GET', `${new URL(portalUrl).pathname}/data.json`)
  expect(res.status).toBe(200)
  return res.body as { balance: AffiliateBalance; payouts: PortalPayout[]; next_payout: string }
}

export async function commissionStatus(id: string) {
  return env.DB.prepare('SELECT status, payout_id, amount FROM commissions WHERE id = ?')
    .bind(id)
    .first<{ status: string; payout_id: string | null; amount: number }>()
}
