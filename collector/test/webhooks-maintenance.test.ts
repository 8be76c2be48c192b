/** The webhooks' part of the hourly cron, in workerd with the real migrations. */
import { env } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { webhookDeliveryD1 } from '../src/webhooks/enqueue'
import { runWebhookMaintenance } from '../src/webhooks/maintenance'
import { call, createProgram } from './helpers'

describe('runWebhookMaintenance', () => {
  it('wakes programs with due deliveries and prunes finished ones older than 30 days', async () => {
    const p = await createProgram({ name: 'Cron hooks' })
    const ep = await call('POST', '/v1/webhook-endpoints', {
      token: p.keys.secret,
      body: { url: 'https://hooks.example.com/cron' },
    })
    const endpointId = ep.body.endpoint.id
    const old = new Date(Date.now() - 31 * 86_400_000).toISOString()
    for (const [id, createdAt] of [
      ['evt_old_done', old],
      ['evt_old_failed', old],
      ['evt_old_pending', old],
      ['evt_new_done', new Date().toISOString()],
    ] as const) {
      await webhookDeliveryD1(env.DB, {
        programId: p.program.id,
        mode: 'live',
        type: 'payout.paid',
        id,
        createdAt,
        data: {},
      })
    }
    await env.DB.prepare(
      "UPDATE webhook_deliveries SET status = 'delivered' WHERE event_id IN ('evt_old_done', 'evt_new_done')",
    ).run()
    await env.DB.prepare(
      "UPDATE webhook_deliveries SET status = 'failed' WHERE event_id = 'evt_old_failed'",
    ).run()
    // Only the old pending one is due: push it to the future so the dispatcher sends nothing here.
    await env.DB.prepare(
      "UPDATE webhook_deliveries SET next_attempt_at = ? WHERE event_id = 'evt_old_pending'",
    )
      .bind(Date.now() + 3_600_000)
      .run()
    const quiet = await runWebhookMaintenance(env)
    expect(quiet.pruned).toBe(2)
    const left = await env.DB.prepare(
      'SELECT event_id FROM webhook_deliveries WHERE endpoint_id = ? ORDER BY event_id',
    )
      .bind(endpointId)
      .all<{ event_id: string }>()
    expect(left.results.map((r) => r.event_id)).toEqual(['evt_new_done', 'evt_old_pending'])
    const due = await runWebhookMaintenance(env, Date.now() + 2 * 3_600_000)
    expect(due.kicked).toBeGreaterThanOrEqual(1)
  })

  it('finds due programs and old deliveries through the indexes, not by scanning the log', async () => {
    const plan = async (sql: string) =>
      (await env.DB.prepare(`EXPLAIN QUERY PLAN ${sql}`).all<{ detail: string }>()).results
        .map((r) => r.detail)
        .join('\n')
    expect(
      await plan(
        "SELECT DISTINCT program_id FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= 1",
      ),
    ).toMatch(/USING INDEX webhook_deliveries_pending/)
    expect(
      await plan("SELECT id FROM webhook_deliveries WHERE status = 'delivered' AND created_at < '2026'"),
    ).toMatch(/USING (COVERING )?INDEX webhook_deliveries_finished/)
  })
})
