/**
 * Reliability properties, checked on generated event sequences against the real Worker, the real
 * ProgramHub and the real D1 (workerd). Each property creates fresh programs, so ids differ from
 * run to run; the state compared is therefore keyed by what the sequence names (affiliate slot,
 * customer, event id), never by generated ids.
 *
 * - replaying a sequence (all of it again, or every event twice in a row) leaves the state of
 *   sending it once;
 * - for independent customers, counters do not depend on the order their events arrive in;
 * - totals are the sum of their parts: program totals = Σ affiliates, series = totals, per currency;
 * - hub counters equal D1 after any sequence (`audit()` is `[]`).
 *
 * Bounded: a fixed seed and few, short sequences keep the file well under 40 s.
 */
import { env } from 'cloudflare:test'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { Money, StatsResult, Totals } from '../src/shared'
import { call, createAffiliate, createProgram, hub, sendClick } from './helpers'

const SEED = 20261201
const AFFILIATES = 2
const CURRENCIES = ['USD', 'EUR'] as const

type Ev =
  | { kind: 'click'; aff: number; n: number }
  | { kind: 'signup'; customer: number; aff: number }
  | { kind: 'conversion'; n: number; customer: number; aff: number; amount: number; currency: 0 | 1 }
  | { kind: 'refund'; n: number; of: number; part: 'full' | 'half' }
  | { kind: 'status'; of: number; action: 'approve' | 'reject' }

const evArb: fc.Arbitrary<Ev> = fc.oneof(
  fc.record({ kind: fc.constant('click' as const), aff: fc.nat(AFFILIATES - 1), n: fc.nat(5) }),
  fc.record({ kind: fc.constant('signup' as const), customer: fc.nat(3), aff: fc.nat(AFFILIATES - 1) }),
  fc.record({
    kind: fc.constant('conversion' as const),
    n: fc.nat(5),
    customer: fc.nat(3),
    aff: fc.nat(AFFILIATES - 1),
    amount: fc.integer({ min: 1, max: 50_000 }),
    currency: fc.constantFrom(0 as const, 1 as const),
  }),
  fc.record({
    kind: fc.constant('refund' as const),
    n: fc.nat(3),
    of: fc.nat(5),
    part: fc.constantFrom('full' as const, 'half' as const),
  }),
  fc.record({
    kind: fc.constant('status' as const),
    of: fc.nat(5),
    action: fc.constantFrom('approve' as const, 'reject' as const),
  }),
)

/**
 * A sequence with at most one approve/reject per commission: two opposite decisions on the same
 * commission are not a replay but a change of mind, and a replay of "approve, then reject" would
 * rightly be refused the second time round. A conversion event id also names one body only, and
 * refunds and decisions name conversions sent before them (one sent too early is refused with a 404
 * the first time and accepted on the replay: a different sequence, not a replay).
 */
const sequenceArb = fc.array(evArb, { minLength: 1, maxLength: 14 }).map((evs) => {
  const decided = new Set<number>()
  const conversions = new Map<number, Ev>()
  return evs.filter((e) => {
    if ((e.kind === 'status' || e.kind === 'refund') && !conversions.has(e.of)) return false
    if (e.kind === 'status') {
      if (decided.has(e.of)) return false
      decided.add(e.of)
    }
    if (e.kind === 'conversion') {
      if (conversions.has(e.n)) return false
      conversions.set(e.n, e)
    }
    return true
  })
})

interface World {
  programId: string
  sk: string
  pk: string
  affs: Array<{ id: string; code: string }>
  tag: string
}

async function world(): Promise<World> {
  const { keys, program } = await createProgram({ hold_days: 30 })
  const affs = []
  for (let i = 0; i < AFFILIATES; i++) affs.push(await createAffiliate(keys.secret))
  return { programId: program.id, sk: keys.secret, pk: keys.publishable, affs, tag: program.id.slice(-6) }
}

const clickIdFor = (w: World, aff: number, n: number) => `rel${w.tag}a${aff}n${n}`.padEnd(22, 'x')

/** Sends one event; any answer but a 5xx is acceptable (a refund of a conversion not yet sent is a 404). */
async function send(w: World, e: Ev): Promise<void> {
  let status: number
  switch (e.kind) {
    case 'click': {
      const res = await sendClick(
        w.pk,
        { ref: w.affs[e.aff]!.code, click_id: clickIdFor(w, e.aff, e.n) },
        { 'cf-connecting-ip': `198.51.100.${e.n + 1}` },
      )
      status = res.status
      break
    }
    case 'signup':
      status = (
        await call('POST', '/v1/signups', {
          token: w.sk,
          body: { customer_id: `cus_${e.customer}`, ref: w.affs[e.aff]!.code },
        })
      ).status
      break
    case 'conversion':
      status = (
        await call('POST', '/v1/conversions', {
          token: w.sk,
          body: {
            event_id: `inv_${e.n}`,
            customer_id: `cus_${e.customer}`,
            ref: w.affs[e.aff]!.code,
            amount: e.amount,
            currency: CURRENCIES[e.currency],
          },
        })
      ).status
      break
    case 'refund':
      status = (
        await call('POST', '/v1/refunds', {
          token: w.sk,
          body: {
            event_id: `re_${e.n}_${e.of}_${e.part}`,
            conversion_event_id: `inv_${e.of}`,
            ...(e.part === 'half' ? { amount: 1 } : {}),
          },
        })
      ).status
      break
    case 'status': {
      const id = await commissionIdOf(w, `inv_${e.of}`)
      if (!id) return
      status = (await call('POST', `/v1/commissions/${id}/${e.action}`, { token: w.sk, body: {} })).status
      break
    }
  }
  if (status >= 500) throw new Error(`${e.kind} answered ${status}`)
}

async function commissionIdOf(w: World, eventId: string): Promise<string | null> {
  const row = await env.DB.prepare(
    `SELECT cm.id FROM commissions cm JOIN conversions cv ON cv.id = cm.conversion_id
      WHERE cv.program_id = ? AND cv.event_id = ? AND cm.amount >= 0 ORDER BY cm.created_at LIMIT 1`,
  )
    .bind(w.programId, eventId)
    .first<{ id: string }>()
  return row?.id ?? null
}

async function sendAll(w: World, evs: Ev[]) {
  for (const e of evs) await send(w, e)
}

const slotOf = (w: World, affiliateId: string | null) => {
  const i = w.affs.findIndex((a) => a.id === affiliateId)
  return i < 0 ? 'none' : `a${i}`
}

/** Everything a founder could observe, keyed by the names the sequence uses. */
async function observe(w: World) {
  const h = hub(w.programId)
  // The audit flushes the click outbox first, so D1 holds every click the hub has counted.
  expect(await h.audit()).toEqual([])
  const program = await h.totals('live')
  const perAffiliate = []
  for (const a of w.affs) perAffiliate.push(await h.totals('live', a.id))
  const rows = async (sql: string) =>
    (await env.DB.prepare(sql).bind(w.programId).all<Record<string, unknown>>()).results
  const clicks = await rows(
    'SELECT click_id, affiliate_id, is_unique FROM clicks WHERE program_id = ? ORDER BY click_id',
  )
  const signups = await rows(
    'SELECT customer_id, affiliate_id FROM signups WHERE program_id = ? ORDER BY customer_id',
  )
  const conversions = await rows(
    'SELECT event_id, customer_id, affiliate_id, amount, currency FROM conversions WHERE program_id = ? ORDER BY event_id',
  )
  const refunds = await rows('SELECT event_id, amount FROM refunds WHERE program_id = ? ORDER BY event_id')
  const commissions = await rows(
    `SELECT cv.event_id, cm.affiliate_id, cm.amount, cm.currency, cm.status FROM commissions cm
       JOIN conversions cv ON cv.id = cm.conversion_id WHERE cm.program_id = ? ORDER BY cv.event_id, cm.amount`,
  )
  const bySlot = (r: Record<string, unknown>) => ({
    ...r,
    affiliate_id: slotOf(w, r.affiliate_id as string | null),
  })
  return {
    program,
    perAffiliate,
    clicks: clicks.map((r) => ({ ...bySlot(r), click_id: String(r.click_id).replace(w.tag, '') })),
    signups: signups.map(bySlot),
    conversions: conversions.map(bySlot),
    refunds,
    commissions: commissions.map(bySlot),
  }
}

function addMoney(into: Money, m: Money) {
  for (const [c, v] of Object.entries(m)) if (v) into[c] = (into[c] ?? 0) + v
}
const COUNTS = ['clicks', 'unique_clicks', 'signups', 'conversions', 'refunds'] as const
function sumTotals(parts: Totals[]): Totals {
  const t: Totals = {
    clicks: 0,
    unique_clicks: 0,
    signups: 0,
    conversions: 0,
    refunds: 0,
    revenue: {},
    commission: {},
  }
  for (const p of parts) {
    for (const k of COUNTS) t[k] += p[k]
    addMoney(t.revenue, p.revenue)
    addMoney(t.commission, p.commission)
  }
  return t
}
/** Zero amounts are dropped so `{USD: 0}` and `{}` compare equal. */
const norm = (t: Totals) => {
  const m = (x: Money) =>
    Object.fromEntries(
      Object.entries(x)
        .filter(([, v]) => v !== 0)
        .sort(),
    )
  return {
    ...Object.fromEntries(COUNTS.map((k) => [k, t[k]])),
    revenue: m(t.revenue),
    commission: m(t.commission),
  }
}

async function checkSums(w: World) {
  const h = hub(w.programId)
  // Stats read D1, which has clicks once the outbox flushes (≤ 1 s); the audit flushes it now.
  expect(await h.audit()).toEqual([])
  const hubProgram = await h.totals('live')
  const hubParts = []
  for (const a of w.affs) hubParts.push(await h.totals('live', a.id))
  // Every event in these sequences names an affiliate, so the program is exactly the sum of them.
  expect(norm(sumTotals(hubParts))).toEqual(norm(hubProgram))

  const from = new Date(Date.now() - 2 * 86_400_000).toISOString()
  const to = new Date(Date.now() + 3_600_000).toISOString()
  for (const interval of ['hour', 'day'] as const) {
    const res = await call<StatsResult>('GET', `/v1/stats?from=${from}&to=${to}&interval=${interval}`, {
      token: w.sk,
    })
    expect(res.status).toBe(200)
    const stats = res.body
    expect(norm(stats.totals)).toEqual(norm(hubProgram))
    expect(norm(sumTotals(stats.affiliates.map((a) => a.totals)))).toEqual(norm(stats.totals))
    expect(norm(sumTotals(stats.series))).toEqual(norm(stats.totals))
    for (const [i, a] of w.affs.entries()) {
      const row = stats.affiliates.find((x) => x.id === a.id)
      expect(norm(row?.totals ?? sumTotals([]))).toEqual(norm(hubParts[i] as Totals))
    }
  }
  expect(await h.audit()).toEqual([])
}

const params = (numRuns: number) => ({
  seed: SEED,
  numRuns,
  endOnFailure: true,
  interruptAfterTimeLimit: 8_500,
})

describe('reliability properties (fixed seed, bounded)', () => {
  it('replaying a whole sequence leaves the state of sending it once, and hub totals equal D1', async () => {
    await fc.assert(
      fc.asyncProperty(sequenceArb, async (evs) => {
        const w = await world()
        await sendAll(w, evs)
        expect(await hub(w.programId).audit()).toEqual([])
        const once = await observe(w)
        await sendAll(w, evs)
        expect(await hub(w.programId).audit()).toEqual([])
        expect(await observe(w)).toEqual(once)
      }),
      params(8),
    )
  }, 40_000)

  it('every event sent twice in a row gives the same state as every event sent once', async () => {
    await fc.assert(
      fc.asyncProperty(sequenceArb, async (evs) => {
        const once = await world()
        await sendAll(once, evs)
        const twice = await world()
        await sendAll(
          twice,
          evs.flatMap((e) => [e, e]),
        )
        expect(await hub(twice.programId).audit()).toEqual([])
        expect(await observe(twice)).toEqual(await observe(once))
      }),
      params(6),
    )
  }, 40_000)

  it('counters of independent customers do not depend on the order their events arrive in', async () => {
    // A story per customer: its click, its signup with that click, then conversions. Only the
    // interleaving between customers changes; each customer's own order is kept.
    const storyArb = fc.record({
      aff: fc.nat(AFFILIATES - 1),
      amounts: fc.array(fc.integer({ min: 1, max: 90_000 }), { minLength: 0, maxLength: 3 }),
      currency: fc.constantFrom(0 as const, 1 as const),
    })
    await fc.assert(
      fc.asyncProperty(
        fc.array(storyArb, { minLength: 1, maxLength: 5 }),
        fc.integer(),
        async (stories, seed) => {
          type Step = { story: number; step: number }
          const steps: Step[] = stories.flatMap((s, story) =>
            Array.from({ length: 2 + s.amounts.length }, (_, step) => ({ story, step })),
          )
          // Shuffle, then put each story's steps back in their own order at the positions it got.
          let x = seed >>> 0 || 1
          const shuffled = steps.slice()
          for (let i = shuffled.length - 1; i > 0; i--) {
            x = (x * 1_103_515_245 + 12_345) >>> 0
            const j = x % (i + 1)
            ;[shuffled[i], shuffled[j]] = [shuffled[j] as Step, shuffled[i] as Step]
          }
          const next = stories.map(() => 0)
          const interleaved = shuffled.map((s) => {
            const step = next[s.story] ?? 0
            next[s.story] = step + 1
            return { story: s.story, step }
          })

          const run = async (order: Step[]) => {
            const w = await world()
            for (const { story, step } of order) {
              const s = stories[story]!
              const click = clickIdFor(w, s.aff, story)
              if (step === 0)
                await sendClick(
                  w.pk,
                  { ref: w.affs[s.aff]!.code, click_id: click },
                  { 'cf-connecting-ip': `192.0.2.${story + 1}` },
                )
              else if (step === 1)
                await call('POST', '/v1/signups', {
                  token: w.sk,
                  body: { customer_id: `cus_${story}`, click_id: click },
                })
              else
                await call('POST', '/v1/conversions', {
                  token: w.sk,
                  body: {
                    event_id: `inv_${story}_${step}`,
                    customer_id: `cus_${story}`,
                    amount: s.amounts[step - 2] as number,
                    currency: CURRENCIES[s.currency] as string,
                  },
                })
            }
            expect(await hub(w.programId).audit()).toEqual([])
            return w
          }
          const inOrder = await run(steps)
          const shuffledRun = await run(interleaved)
          const a = await observe(inOrder)
          const b = await observe(shuffledRun)
          expect(b.program).toEqual(a.program)
          expect(b.perAffiliate).toEqual(a.perAffiliate)
          expect(b.conversions).toEqual(a.conversions)
          expect(b.commissions).toEqual(a.commissions)
          // Each customer converted with the affiliate of its own click, whatever the order.
          for (const [i, s] of stories.entries())
            for (const c of b.conversions.filter(
              (r) => String((r as Record<string, unknown>).customer_id) === `cus_${i}`,
            ))
              expect(c.affiliate_id).toBe(`a${s.aff}`)
        },
      ),
      params(6),
    )
  }, 40_000)

  it('program totals are the sum of the affiliates, and the series sums to the totals, per currency', async () => {
    await fc.assert(
      fc.asyncProperty(sequenceArb, async (evs) => {
        const w = await world()
        await sendAll(w, evs)
        await checkSums(w)
      }),
      params(8),
    )
  }, 40_000)
})
