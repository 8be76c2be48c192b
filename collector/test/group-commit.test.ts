/**
 * Group commit (collector/src/hub/group-commit.ts): signups and conversions that arrive while a
 * D1 batch is in flight share the next one, each answered only once its own data is committed,
 * with idempotency, attribution and crash recovery as for an event alone. The test-only hold
 * (`holdGroupCommit`) keeps planned events in the open group, so a test can choose what one
 * batch holds.
 */
import { abortAllDurableObjects, env } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { ADMIN, call, clickId, createAffiliate, createProgram, d1Count, hub, sendClick } from './helpers'

/** Waits (bounded) until the hub's group commit reports what `ok` wants. */
async function until(programId: string, ok: (s: { open: number; waiting: number }) => boolean) {
  const deadline = Date.now() + 10_000
  for (;;) {
    const stats = await hub(programId).groupCommitStats()
    if (ok(stats)) return stats
    if (Date.now() > deadline)
      throw new Error(`group commit never reached the state: ${JSON.stringify(stats)}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

function convert(sk: string, body: Record<string, unknown>) {
  return call('POST', '/v1/conversions', { token: sk, body: { amount: 1_000, currency: 'USD', ...body } })
}

async function expectHubEqualsD1(programId: string) {
  const audit = await call('GET', `/v1/admin/programs/${programId}/audit`, { token: ADMIN })
  expect(audit.body).toMatchObject({ equal: true, differences: [] })
}

describe('group commit of money events', () => {
  it('commits 50 concurrent conversions in fewer D1 batches than events, each answered 201 once stored', async () => {
    const { keys, program } = await createProgram()
    const aff = await createAffiliate(keys.secret)
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        convert(keys.secret, {
          event_id: `inv_g${i}`,
          customer_id: `cus_g${i}`,
          ref: aff.code,
          amount: 1_000 + i,
        }),
      ),
    )
    expect(answers.map((a) => a.status)).toEqual(Array(50).fill(201))
    expect(answers.every((a) => a.body.conversion.affiliate?.id === aff.id)).toBe(true)

    const stats = await hub(program.id).groupCommitStats()
    expect(stats.events).toBe(50)
    expect(stats.batches).toBeLessThan(50)
    expect(stats.largest).toBeGreaterThan(1)
    expect(await d1Count('conversions', program.id)).toBe(50)
    expect(await d1Count('commissions', program.id)).toBe(50)
    expect(await d1Count('events', program.id)).toBe(50)
    expect(await hub(program.id).totals('live')).toMatchObject({
      conversions: 50,
      revenue: { USD: 50 * 1_000 + (49 * 50) / 2 },
    })
    await expectHubEqualsD1(program.id)
  })

  it('turns concurrent duplicates of one event id into one conversion and replays, beside other events', async () => {
    const { keys, program } = await createProgram()
    const aff = await createAffiliate(keys.secret)
    const dup = { event_id: 'inv_dup', customer_id: 'cus_dup', ref: aff.code, amount: 4_900 }
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        i % 2 === 0
          ? convert(keys.secret, dup)
          : convert(keys.secret, { event_id: `inv_o${i}`, ref: aff.code }),
      ),
    )
    const dups = answers.filter((_, i) => i % 2 === 0)
    const others = answers.filter((_, i) => i % 2 === 1)
    expect(dups.filter((a) => a.status === 201)).toHaveLength(1)
    const replays = dups.filter((a) => a.status === 200)
    expect(replays).toHaveLength(19)
    expect(replays.every((a) => a.headers.get('Idempotent-Replayed') === 'true')).toBe(true)
    expect(new Set(dups.map((a) => a.body.conversion.id)).size).toBe(1)
    expect(others.map((a) => a.status)).toEqual(Array(20).fill(201))

    expect(await d1Count('conversions', program.id)).toBe(21)
    expect(await d1Count('commissions', program.id)).toBe(21)
    expect((await hub(program.id).totals('live')).revenue).toEqual({ USD: 4_900 + 20 * 1_000 })
    await expectHubEqualsD1(program.id)
  })

  it("plans a customer's conversion only after that customer's signup in the open group is committed", async () => {
    const { keys, program } = await createProgram()
    const aff = await createAffiliate(keys.secret)
    const click = clickId()
    await sendClick(keys.publishable, { ref: aff.code, click_id: click })

    await hub(program.id).holdGroupCommit(true)
    const signup = call('POST', '/v1/signups', {
      token: keys.secret,
      body: { customer_id: 'cus_att', click_id: click },
    })
    await until(program.id, (s) => s.open === 1)
    // Other customers' conversions join the same open group.
    const others = Array.from({ length: 4 }, (_, i) =>
      convert(keys.secret, { event_id: `inv_other${i}`, customer_id: `cus_other${i}` }),
    )
    await until(program.id, (s) => s.open === 5)
    // No click, no ref: only the signup can attribute it, so it must wait for the signup's commit.
    const conversion = convert(keys.secret, { event_id: 'inv_att', customer_id: 'cus_att', amount: 10_000 })
    await until(program.id, (s) => s.waiting === 1 && s.open === 5)
    await hub(program.id).holdGroupCommit(false)

    const [signed, converted, ...rest] = await Promise.all([signup, conversion, ...others])
    expect(signed?.status).toBe(201)
    expect(signed?.body.signup.affiliate).toEqual({ id: aff.id, code: aff.code })
    expect(converted?.status).toBe(201)
    expect(converted?.body.conversion.affiliate).toEqual({ id: aff.id, code: aff.code })
    expect(converted?.body.conversion.commission).toMatchObject({ amount: 3_000 })
    expect(rest.map((a) => a.status)).toEqual([201, 201, 201, 201])
    const row = await env.DB.prepare(
      'SELECT affiliate_id FROM conversions WHERE program_id = ? AND event_id = ?',
    )
      .bind(program.id, 'inv_att')
      .first<{ affiliate_id: string | null }>()
    expect(row?.affiliate_id).toBe(aff.id)
    const stats = await hub(program.id).groupCommitStats()
    expect(stats).toMatchObject({ batches: 2, events: 6, largest: 5 })
    await expectHubEqualsD1(program.id)
  })

  it('recovers every event of a group exactly once when the hub fails between D1 and its own commit', async () => {
    const { keys, program } = await createProgram()
    const aff = await createAffiliate(keys.secret)
    const bodies = Array.from({ length: 10 }, (_, i) => ({
      event_id: `inv_crash${i}`,
      customer_id: `cus_crash${i}`,
      ref: aff.code,
      amount: 2_000,
    }))
    await hub(program.id).holdGroupCommit(true)
    await hub(program.id).setFault('after_d1_commit')
    const pending = bodies.map((b) => convert(keys.secret, b))
    await until(program.id, (s) => s.open === 10)
    await hub(program.id).holdGroupCommit(false)
    expect((await Promise.all(pending)).map((a) => a.status)).toEqual(Array(10).fill(500))

    // One batch landed in D1 whole; the hub has not applied any of it yet.
    expect(await hub(program.id).groupCommitStats()).toMatchObject({ batches: 1, events: 10 })
    expect(await d1Count('conversions', program.id)).toBe(10)
    expect((await hub(program.id).health()).pending_events).toBe(10)
    expect((await hub(program.id).totals('live')).conversions).toBe(0)

    // The next event completes the group's records before it is planned.
    const next = await convert(keys.secret, { event_id: 'inv_next', customer_id: 'cus_next', ref: aff.code })
    expect(next.status).toBe(201)
    expect((await hub(program.id).health()).pending_events).toBe(0)
    expect(await hub(program.id).totals('live')).toMatchObject({
      conversions: 11,
      revenue: { USD: 10 * 2_000 + 1_000 },
      commission: { USD: 10 * 600 + 300 },
    })
    for (const b of bodies) {
      const replay = await convert(keys.secret, b)
      expect(replay.status).toBe(200)
      expect(replay.headers.get('Idempotent-Replayed')).toBe('true')
    }
    expect(await d1Count('conversions', program.id)).toBe(11)
    const { feed } = await hub(program.id).activity('live')
    expect(feed.filter((f) => f.type === 'conversion')).toHaveLength(11)
    await expectHubEqualsD1(program.id)
  })

  it('recovers a whole group after a restart, and answers its retried events from D1', async () => {
    const { keys, program } = await createProgram()
    const aff = await createAffiliate(keys.secret)
    const bodies = Array.from({ length: 5 }, (_, i) => ({
      event_id: `inv_rs${i}`,
      customer_id: `cus_rs${i}`,
      ref: aff.code,
    }))
    await hub(program.id).holdGroupCommit(true)
    await hub(program.id).setFault('after_d1_commit')
    const pending = bodies.map((b) => convert(keys.secret, b))
    await until(program.id, (s) => s.open === 5)
    await hub(program.id).holdGroupCommit(false)
    expect((await Promise.all(pending)).map((a) => a.status)).toEqual(Array(5).fill(500))
    await abortAllDurableObjects()

    const retried = await Promise.all(bodies.map((b) => convert(keys.secret, b)))
    expect(retried.map((a) => a.status)).toEqual(Array(5).fill(200))
    expect(await d1Count('conversions', program.id)).toBe(5)
    expect(await hub(program.id).totals('live')).toMatchObject({ conversions: 5, revenue: { USD: 5_000 } })
    await expectHubEqualsD1(program.id)
  })
})
