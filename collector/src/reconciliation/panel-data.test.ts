/**
 * How long the Health page keeps its reconciliation panel, with a clock: five minutes for a
 * result, 30 s for an error, "Check now" at most once per 30 s, per program and mode and key, and
 * bounded in entries. The Stripe requests themselves are counted in e2e/reconciliation-panel.test.ts.
 */
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { call, createProgram } from '../../test/helpers'
import type { Env } from '../lib/env'
import {
  CHECK_NOW_INTERVAL_MS,
  type CheckedPanel,
  dropReconciliationPanels,
  keptPanel,
  keptPanelCount,
  PANEL_CACHE_MAX_ENTRIES,
  PANEL_ERROR_TTL_MS,
  PANEL_TTL_MS,
  reconciliationPanel,
} from './panel-data'

let seq = 0
const T0 = Date.parse('2026-03-01T12:00:00Z')

/** A fresh program id and a counting stand-in for a reconciliation that answers `state`. */
function setup(state: 'ok' | 'error' = 'ok') {
  const programId = `prg_kept${++seq}`
  let runs = 0
  const compute = async (): Promise<CheckedPanel> => {
    runs++
    const checkedAt = new Date(T0 + runs).toISOString()
    return state === 'ok'
      ? {
          state: 'ok',
          checkedAt,
          reconciliation: {
            from: checkedAt,
            to: checkedAt,
            paid_without_conversion: [],
            conversions_without_payment: [],
            refunds_after_payout: [],
            checked: { invoices: runs, conversions: 0 },
            truncated: false,
          },
        }
      : { state: 'error', message: 'Stripe could not be asked', checkedAt }
  }
  const load = (now: number, o: { mode?: 'live' | 'test'; fingerprint?: string; checkNow?: boolean } = {}) =>
    keptPanel(
      {
        programId,
        mode: o.mode ?? 'live',
        fingerprint: o.fingerprint ?? 'key-a',
        now,
        checkNow: o.checkNow ?? false,
      },
      compute,
    )
  return { programId, load, runs: () => runs }
}

describe('the kept reconciliation panel', () => {
  it('is computed once for loads within five minutes, and again after', async () => {
    const s = setup()
    await s.load(T0)
    await s.load(T0 + 60_000)
    await s.load(T0 + PANEL_TTL_MS - 1)
    expect(s.runs()).toBe(1)
    await s.load(T0 + PANEL_TTL_MS)
    expect(s.runs()).toBe(2)
  })

  it('keeps an error for 30 s only', async () => {
    const s = setup('error')
    await s.load(T0)
    await s.load(T0 + PANEL_ERROR_TTL_MS - 1)
    expect(s.runs()).toBe(1)
    await s.load(T0 + PANEL_ERROR_TTL_MS)
    expect(s.runs()).toBe(2)
  })

  it('Check now runs again at once, and at most once per 30 s', async () => {
    const s = setup()
    await s.load(T0)
    await s.load(T0 + 1, { checkNow: true })
    expect(s.runs()).toBe(2)
    await s.load(T0 + CHECK_NOW_INTERVAL_MS, { checkNow: true })
    expect(s.runs()).toBe(2)
    await s.load(T0 + 1 + CHECK_NOW_INTERVAL_MS, { checkNow: true })
    expect(s.runs()).toBe(3)
    // Its result is what the next load shows.
    const shown = await s.load(T0 + 2 + CHECK_NOW_INTERVAL_MS)
    expect(shown.state === 'ok' && shown.reconciliation.checked.invoices).toBe(3)
  })

  it('of two checks pressed together, only the first asks Stripe', async () => {
    const s = setup()
    await s.load(T0)
    const later = T0 + 60_000
    await Promise.all([s.load(later, { checkNow: true }), s.load(later + 1, { checkNow: true })])
    expect(s.runs()).toBe(2)
  })

  it('keeps live and test apart', async () => {
    const s = setup()
    const live = await s.load(T0, { mode: 'live' })
    const test = await s.load(T0, { mode: 'test' })
    expect(s.runs()).toBe(2)
    expect(await s.load(T0 + 1, { mode: 'live' })).toEqual(live)
    expect(await s.load(T0 + 1, { mode: 'test' })).toEqual(test)
    expect(s.runs()).toBe(2)
  })

  it('is never served for another restricted key', async () => {
    const s = setup()
    await s.load(T0, { fingerprint: 'key-a' })
    await s.load(T0 + 1, { fingerprint: 'key-b' })
    expect(s.runs()).toBe(2)
    await s.load(T0 + 2, { fingerprint: 'key-a' })
    expect(s.runs()).toBe(3)
  })

  it('is dropped with the program’s Stripe integration, both modes', async () => {
    const s = setup()
    await s.load(T0, { mode: 'live' })
    await s.load(T0, { mode: 'test' })
    dropReconciliationPanels(s.programId)
    await s.load(T0 + 1, { mode: 'live' })
    await s.load(T0 + 1, { mode: 'test' })
    expect(s.runs()).toBe(4)
  })

  it(`holds at most ${PANEL_CACHE_MAX_ENTRIES} panels however many programs are looked at`, async () => {
    for (let i = 0; i < PANEL_CACHE_MAX_ENTRIES + 50; i++) await setup().load(T0)
    expect(keptPanelCount()).toBeLessThanOrEqual(PANEL_CACHE_MAX_ENTRIES)
  })

  it('a stored key Stripe cannot be asked with is shown as an error, kept 30 s, and off once the key is removed', async () => {
    const { program, keys } = await createProgram({ name: 'Kept Error Co' })
    const put = await call('PUT', '/v1/integrations/stripe', {
      token: keys.secret,
      body: { webhook_secret: `whsec_${'k'.repeat(32)}`, restricted_key: `rk_live_${'K'.repeat(40)}` },
    })
    expect(put.status).toBe(200)
    // Not a URL: the reader refuses before any request, as it would when Stripe is unreachable.
    const broken = { ...(env as unknown as Env), STRIPE_API_BASE: 'not a url' } as Env
    const now = Date.now()
    const first = await reconciliationPanel(broken, program.id, 'live', now)
    expect(first).toMatchObject({ state: 'error', checkedAt: new Date(now).toISOString() })
    expect(await reconciliationPanel(broken, program.id, 'live', now + PANEL_ERROR_TTL_MS - 1)).toEqual(first)
    const again = await reconciliationPanel(broken, program.id, 'live', now + PANEL_ERROR_TTL_MS)
    expect(again).toMatchObject({
      state: 'error',
      checkedAt: new Date(now + PANEL_ERROR_TTL_MS).toISOString(),
    })
    expect((await call('DELETE', '/v1/integrations/stripe', { token: keys.secret })).status).toBe(200)
    expect(await reconciliationPanel(broken, program.id, 'live', now + PANEL_ERROR_TTL_MS + 1)).toEqual({
      state: 'off',
    })
  })
})
