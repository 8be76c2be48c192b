/**
 * WebhookDispatcher: one small Durable Object per program that sends its due webhook deliveries.
 * All state is in D1 (`webhook_deliveries`); the object only holds an alarm, so it survives
 * restarts and deploys: a durable alarm fires again, and the hourly cron kicks any dispatcher
 * with due deliveries. Sends at most CONCURRENCY at a time, BATCH per alarm run.
 */
import { DurableObject } from 'cloudflare:workers'
import type { WebhookFailure } from '../alerts/health-check'
import { type Env, hubFor } from '../lib/env'
import type { Mode } from '../shared'
import { ATTEMPT_TIMEOUT_MS, type AttemptOutcome, attemptDelivery } from './deliver'
import { allowPrivateUrls, retryScaleOf } from './env'
import { nextAttemptAt } from './schedule'

/** Workers allow 6 simultaneous outgoing connections per invocation; more would only queue. */
export const CONCURRENCY = 6
export const BATCH = 50

/**
 * How long a run holds the deliveries it took: longer than a full batch can take (50 / 6 lanes ×
 * 15 s), shorter than an alarm may run. Until then no other run sends them, so a delivery is
 * never in flight twice; if this run dies, they are due again when the lease ends.
 */
export const LEASE_MS = 10 * 60_000

/** The lease, shrunk with the test retry scale, but never shorter than two attempts. */
export function leaseMs(scale: number): number {
  return Math.max(Math.round(LEASE_MS * scale), 2 * ATTEMPT_TIMEOUT_MS)
}

interface ClaimedRow {
  id: string
  endpoint_id: string
  mode: Mode
  event_id: string
  payload: string
  attempts: number
  window_started_at: number | null
}

interface EndpointRow {
  id: string
  url: string
  secret: string
  status: string
}

interface DueRow extends ClaimedRow {
  url: string | null
  secret: string | null
  endpoint_status: string | null
}

/** Takes the due deliveries: moves their next attempt to the end of the lease, atomically. */
const CLAIM_SQL = `UPDATE webhook_deliveries SET next_attempt_at = ?
  WHERE id IN (SELECT id FROM webhook_deliveries
               WHERE program_id = ? AND status = 'pending' AND next_attempt_at <= ?
               ORDER BY next_attempt_at LIMIT ?)
  RETURNING id, endpoint_id, mode, event_id, payload, attempts, window_started_at`

/** Runs `work` over `items`, at most `limit` at a time. */
async function eachBounded<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++] as T
      await work(item)
    }
  })
  await Promise.all(lanes)
}

export class WebhookDispatcher extends DurableObject<Env> {
  private programId: string | undefined

  /** Sends whatever is due now (after the current run, if one is under way). */
  async kick(programId: string): Promise<void> {
    if (this.programId !== programId) {
      this.programId = programId
      await this.ctx.storage.put('programId', programId)
    }
    const alarm = await this.ctx.storage.getAlarm()
    const now = Date.now()
    if (alarm === null || alarm > now) await this.ctx.storage.setAlarm(now)
  }

  override async alarm(): Promise<void> {
    this.programId ??= await this.ctx.storage.get<string>('programId')
    const programId = this.programId
    if (!programId) return
    const db = this.env.DB
    const now = Date.now()
    const lease = now + leaseMs(retryScaleOf(this.env))
    // One round trip, one transaction: take what is due now, learn when the next one is due
    // (a lease counts: it is when a lost run's deliveries come back), and read the endpoints.
    const [claimed, later, endpoints] = await db.batch<ClaimedRow | { t: number | null } | EndpointRow>([
      db.prepare(CLAIM_SQL).bind(lease, programId, now, BATCH),
      db
        .prepare(
          "SELECT MIN(next_attempt_at) AS t FROM webhook_deliveries WHERE program_id = ? AND status = 'pending' AND next_attempt_at > ?",
        )
        .bind(programId, now),
      db
        .prepare('SELECT id, url, secret, status FROM webhook_endpoints WHERE program_id = ?')
        .bind(programId),
    ])
    const byId = new Map(((endpoints?.results ?? []) as EndpointRow[]).map((e) => [e.id, e]))
    const rows: DueRow[] = ((claimed?.results ?? []) as ClaimedRow[]).map((r) => {
      const e = byId.get(r.endpoint_id)
      return { ...r, url: e?.url ?? null, secret: e?.secret ?? null, endpoint_status: e?.status ?? null }
    })
    let next: number | null = (later?.results[0] as { t: number | null } | undefined)?.t ?? null
    const sooner = (t: number | null) => {
      if (t !== null && (next === null || t < next)) next = t
    }
    // A full batch means more may be due already.
    if (rows.length === BATCH) sooner(Date.now())
    await eachBounded(rows, CONCURRENCY, async (row) => {
      try {
        sooner(await this.attempt(row))
      } catch (err) {
        console.error('WebhookDispatcher', programId, 'delivery', row.id, err)
        // Left pending under its lease: it is due again when the lease ends.
      }
    })
    if (next === null) return
    // Never push back an alarm a kick set while this run was sending.
    const target = Math.max(next, Date.now())
    const current = await this.ctx.storage.getAlarm()
    if (current === null || current > target) await this.ctx.storage.setAlarm(target)
  }

  /** Sends one delivery and records the outcome; resolves to its next attempt time, if any. */
  private async attempt(row: DueRow): Promise<number | null> {
    const db = this.env.DB
    const now = Date.now()
    let outcome: AttemptOutcome
    if (row.url === null || row.secret === null || row.endpoint_status !== 'enabled') {
      outcome = { kind: 'refused', error: 'not sent: the endpoint is disabled or deleted' }
    } else {
      outcome = await attemptDelivery(
        { url: row.url, secret: row.secret, eventId: row.event_id, payload: row.payload },
        { allowPrivate: allowPrivateUrls(this.env), now },
      )
    }
    const done = Date.now()
    const windowStart = row.window_started_at ?? now
    // A refusal is not an attempt: nothing was sent.
    const attempts = row.attempts + (outcome.kind === 'refused' ? 0 : 1)
    const update = (status: string, code: number | null, error: string | null, nextAt: number | null) =>
      db
        .prepare(
          `UPDATE webhook_deliveries SET status = ?, attempts = ?, last_status_code = ?, last_error = ?,
             window_started_at = ?, next_attempt_at = ?, last_attempt_at = ?, delivered_at = ?
           WHERE id = ? AND status = 'pending'`,
        )
        .bind(
          status,
          attempts,
          code,
          error,
          windowStart,
          nextAt,
          now,
          status === 'delivered' ? done : null,
          row.id,
        )
    switch (outcome.kind) {
      case 'delivered':
        await update('delivered', outcome.statusCode, null, null).run()
        return null
      case 'refused':
        await update('failed', null, outcome.error, null).run()
        return null
      case 'gone': {
        await this.reportFailure(row, {
          attempts,
          status_code: 410,
          error: outcome.error,
          given_up: true,
          disabled: true,
        })
        const at = new Date(done).toISOString()
        await db.batch([
          update('failed', 410, outcome.error, null),
          db
            .prepare(
              "UPDATE webhook_endpoints SET status = 'disabled', disabled_reason = 'gone', updated_at = ? WHERE id = ?",
            )
            .bind(at, row.endpoint_id),
          db
            .prepare(
              `UPDATE webhook_deliveries SET status = 'failed', next_attempt_at = NULL,
                 last_error = 'not sent: the endpoint answered 410 Gone and was disabled'
               WHERE endpoint_id = ? AND status = 'pending' AND id <> ?`,
            )
            .bind(row.endpoint_id, row.id),
        ])
        return null
      }
      case 'failed': {
        const nextAt = nextAttemptAt(attempts, windowStart, done, retryScaleOf(this.env))
        await update(nextAt === null ? 'failed' : 'pending', outcome.statusCode, outcome.error, nextAt).run()
        await this.reportFailure(row, {
          attempts,
          status_code: outcome.statusCode,
          error: outcome.error,
          given_up: nextAt === null,
          disabled: false,
        })
        return nextAt
      }
    }
  }
  /**
   * Tells the program's hub a delivery failed again; the hub raises `webhook_failing` when the
   * program's threshold is met (once a day per endpoint). Advisory: never fails the delivery run.
   */
  private async reportFailure(row: DueRow, f: Omit<WebhookFailure, 'endpoint_id' | 'url'>): Promise<void> {
    const programId = this.programId
    if (!programId) return
    try {
      await hubFor(this.env, programId).noteWebhookFailure(programId, row.mode, {
        endpoint_id: row.endpoint_id,
        url: row.url,
        ...f,
      })
    } catch (err) {
      console.error('WebhookDispatcher', programId, 'could not report a failure', err)
    }
  }
}
