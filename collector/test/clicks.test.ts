import { env, runInDurableObject } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import type { ProgramHub } from '../src/hub/program-hub'
import { clickId, createAffiliate, createProgram, hub, sendClick } from './helpers'

describe('clicks', () => {
  it('flushes to D1 exactly the clicks it accepted, in batches of at most 500', async () => {
    const { keys, program } = await createProgram()
    const aff = await createAffiliate(keys.secret)
    let accepted = 0
    for (let i = 0; i < 1200; i += 100) {
      const answers = await Promise.all(
        Array.from({ length: 100 }, (_, j) =>
          sendClick(
            keys.publishable,
            { ref: aff.code, click_id: clickId() },
            { 'cf-connecting-ip': `198.51.100.${(i + j) % 250}` },
          ),
        ),
      )
      accepted += answers.filter((a) => a.status === 202).length
    }
    expect(accepted).toBe(1200)
    await hub(program.id).flush()
    const d1 = await env.DB.prepare('SELECT COUNT(*) AS n FROM clicks WHERE program_id = ?')
      .bind(program.id)
      .first()
    expect(d1).toEqual({ n: 1200 })
    const batches = await env.DB.prepare('SELECT rows FROM click_batches WHERE program_id = ?')
      .bind(program.id)
      .all<{ rows: number }>()
    expect(batches.results.every((b) => b.rows <= 500)).toBe(true)
    const rollup = await env.DB.prepare('SELECT SUM(clicks) AS clicks FROM rollups WHERE program_id = ?')
      .bind(program.id)
      .first()
    expect(rollup).toEqual({ clicks: 1200 })
  })

  it('flushes buffered clicks on its alarm without being asked', async () => {
    const { keys, program } = await createProgram()
    await sendClick(keys.publishable, { ref: 'anyone', click_id: clickId() })
    const { runDurableObjectAlarm } = await import('cloudflare:test')
    expect(await runDurableObjectAlarm(hub(program.id))).toBe(true)
    const d1 = await env.DB.prepare('SELECT COUNT(*) AS n FROM clicks WHERE program_id = ?')
      .bind(program.id)
      .first()
    expect(d1).toEqual({ n: 1 })
  })

  it('counts a repeated click id once', async () => {
    const { keys, program } = await createProgram()
    const aff = await createAffiliate(keys.secret)
    const id = clickId()
    await sendClick(keys.publishable, { ref: aff.code, click_id: id })
    await sendClick(keys.publishable, { ref: aff.code, click_id: id })
    await hub(program.id).flush()
    expect((await hub(program.id).totals('live')).clicks).toBe(1)
  })

  it('counts a repeat from the same visitor within the hour as a click but not a unique click', async () => {
    const { keys, program } = await createProgram()
    const aff = await createAffiliate(keys.secret)
    await sendClick(keys.publishable, { ref: aff.code, click_id: clickId() })
    await sendClick(keys.publishable, { ref: aff.code, click_id: clickId() })
    await sendClick(
      keys.publishable,
      { ref: aff.code, click_id: clickId() },
      { 'cf-connecting-ip': '192.0.2.99' },
    )
    const t = await hub(program.id).totals('live')
    expect(t).toMatchObject({ clicks: 3, unique_clicks: 2 })
  })

  it('records an unknown ref as an unattributed click, not an error', async () => {
    const { keys, program } = await createProgram()
    const res = await sendClick(keys.publishable, { ref: 'nobody-here', click_id: clickId() })
    expect(res.status).toBe(202)
    expect(res.body.attributed).toBe(false)
    await hub(program.id).flush()
    const row = await env.DB.prepare('SELECT affiliate_id, ref FROM clicks WHERE program_id = ?')
      .bind(program.id)
      .first()
    expect(row).toEqual({ affiliate_id: null, ref: 'nobody-here' })
  })

  it('keeps bots out of the click counts but countable for tracking health', async () => {
    const { keys, program } = await createProgram()
    const aff = await createAffiliate(keys.secret)
    await sendClick(
      keys.publishable,
      { ref: aff.code, click_id: clickId() },
      { 'user-agent': 'Googlebot/2.1 (+http://www.google.com/bot.html)' },
    )
    await hub(program.id).flush()
    const rollup = await env.DB.prepare(
      'SELECT SUM(clicks) AS clicks, SUM(bot_clicks) AS bots FROM rollups WHERE program_id = ?',
    )
      .bind(program.id)
      .first()
    expect(rollup).toEqual({ clicks: 0, bots: 1 })
    expect((await hub(program.id).totals('live')).clicks).toBe(0)
  })

  it('never stores the raw IP', async () => {
    const { keys, program } = await createProgram()
    await sendClick(
      keys.publishable,
      { ref: 'x', click_id: clickId() },
      { 'cf-connecting-ip': '203.0.113.250' },
    )
    await hub(program.id).flush()
    const row = await env.DB.prepare('SELECT * FROM clicks WHERE program_id = ?').bind(program.id).first()
    expect(JSON.stringify(row)).not.toContain('203.0.113.250')
    expect(row?.ip_hash).toMatch(/^[0-9a-f]{64}$/)
  })

  it('does not count a batch twice when the flush is retried after D1 already applied it', async () => {
    const { keys, program } = await createProgram()
    await sendClick(keys.publishable, { ref: 'x', click_id: clickId() })
    await sendClick(keys.publishable, { ref: 'x', click_id: clickId() })
    const stub = hub(program.id)
    // Send the batch to D1, then put it back in the outbox as if the confirmation had been lost.
    const batchId = await runInDurableObject(stub, async (instance: ProgramHub, state) => {
      const batch = instance.store.nextBatch(500, 512 * 1024, 'retry-batch')
      await instance.flush()
      for (const row of batch?.rows ?? []) {
        state.storage.sql.exec(
          "INSERT INTO outbox (batch, row) VALUES ('retry-batch', ?)",
          JSON.stringify(row),
        )
      }
      return batch?.batchId
    })
    expect(batchId).toBe('retry-batch')
    await stub.flush()
    const rollup = await env.DB.prepare('SELECT SUM(clicks) AS clicks FROM rollups WHERE program_id = ?')
      .bind(program.id)
      .first()
    expect(rollup).toEqual({ clicks: 2 })
  })
})

describe('click input from browsers', () => {
  it('keeps the click when the page URL and referrer are very long, clipping them to 2,048 characters', async () => {
    const { keys, program } = await createProgram()
    const aff = await createAffiliate(keys.secret)
    const long = `https://saas.example/?ref=${aff.code}&utm=${'x'.repeat(5000)}`
    const res = await sendClick(keys.publishable, {
      ref: aff.code,
      click_id: clickId(),
      url: long,
      referrer: long,
    })
    expect(res.status).toBe(202)
    expect(res.body.attributed).toBe(true)
    await hub(program.id).flush()
    const row = await env.DB.prepare(
      'SELECT length(url) AS u, length(referrer) AS r FROM clicks WHERE program_id = ?',
    )
      .bind(program.id)
      .first()
    expect(row).toEqual({ u: 2048, r: 2048 })
  })

  it('ignores a malformed prev_click_id instead of refusing the click', async () => {
    const { keys } = await createProgram()
    const aff = await createAffiliate(keys.secret)
    const res = await sendClick(keys.publishable, {
      ref: aff.code,
      click_id: clickId(),
      prev_click_id: '<script>',
    })
    expect(res.status).toBe(202)
  })

  it('still refuses a malformed click id, which the visitor cookie depends on', async () => {
    const { keys } = await createProgram()
    const res = await sendClick(keys.publishable, { ref: 'x', click_id: 'bad id' })
    expect(res.status).toBe(400)
    expect(res.body.error.field).toBe('click_id')
  })
})
