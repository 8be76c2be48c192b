/**
 * ProgramHub: one Durable Object per program, the serialization point of everything that
 * touches money or counters. Clicks are decided here and buffered for D1; signups, conversions
 * and refunds run one at a time (so attribution and idempotency are race-free) and reach D1 in one
 * batch before they are acknowledged; live counters live in the object's SQLite.
 */
import { DurableObject } from 'cloudflare:workers'
import { canonicalJson, sha256Hex } from '../lib/crypto'
import type { Env } from '../lib/env'
import type { ConversionBody, RefundBody, SignupBody } from '../lib/schemas'
import type { LiveFeedItem, MinutePoint, Mode, Totals } from '../shared'
import { minuteSeries, recentFeed } from './activity'
import { recordClickInStore } from './click'
import { type CommissionAction, planCommissionStatus } from './commission-status'
import { planConversion } from './conversion'
import { eventStatement, isUniqueViolation } from './d1-writes'
import { broadcast } from './live'
import { LocalStore } from './local-store'
import { FLUSH_INTERVAL_MS, FLUSH_MAX_ROWS, flushOnce } from './outbox'
import { type HubProgram, loadProgram } from './program-config'
import { planRefund } from './refund'
import { planSignup } from './signup'
import { acceptLiveSocket, configureSockets, onSocketClose, onSocketError, onSocketMessage } from './sockets'
import {
  type ClickRecord,
  type EventContext,
  type EventPlan,
  type HubEvent,
  type HubResult,
  hubError,
} from './types'

type EventKind = 'signup' | 'conversion' | 'refund'

/** The longest cookie window: clicks older than this can no longer attribute anything. */
const CLICK_RETENTION_MS = 400 * 86_400_000

export class ProgramHub extends DurableObject<Env> {
  readonly store: LocalStore
  private program: HubProgram | null = null
  private queue: Promise<unknown> = Promise.resolve()
  private flushing: Promise<void> | null = null

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env)
    this.store = new LocalStore(ctx.storage.sql)
    configureSockets(ctx)
  }

  /** Called by routes after they change the program or its affiliates. */
  invalidate(): void {
    this.program = null
  }

  private async loadProgram(programId: string): Promise<HubProgram | null> {
    if (this.program?.id === programId) return this.program
    this.program = await loadProgram(this.env.DB, programId)
    if (this.program && !this.store.getMeta('program_id')) this.store.setMeta('program_id', programId)
    return this.program
  }

  /** Runs money events one after another: awaiting D1 would otherwise let a duplicate slip in. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn)
    this.queue = run.catch(() => undefined)
    return run
  }

  async recordClick(programId: string, click: ClickRecord): Promise<HubResult> {
    const program = await this.loadProgram(programId)
    if (!program) return hubError('not_found', 'Unknown program')
    const { result, event } = recordClickInStore(this.store, program, click)
    if (event) this.publish(event)
    await this.scheduleFlush()
    return { ok: true, status: 202, body: result, replayed: false }
  }

  recordSignup(ctx: EventContext, input: SignupBody & { event_id: string; email_hash: string | null }) {
    return this.runEvent('signup', ctx, input.event_id, input, (program) => {
      const plan = planSignup(this.env.DB, this.store, program, ctx, input)
      if ('replayOf' in plan) {
        const ev = this.store.event(ctx.mode, 'signup', plan.replayOf)
        if (ev)
          return { ok: true, status: 200, body: JSON.parse(ev.response), replayed: true } as HubResult<never>
        return hubError('conflict', 'This customer already signed up', 'customer_id')
      }
      return plan
    })
  }

  recordConversion(ctx: EventContext, input: ConversionBody) {
    return this.runEvent('conversion', ctx, input.event_id, input, (program) =>
      planConversion(this.env.DB, this.store, program, ctx, input),
    )
  }

  recordRefund(ctx: EventContext, input: RefundBody) {
    return this.runEvent('refund', ctx, input.event_id, input, (program) =>
      planRefund(this.env.DB, this.store, program, ctx, input),
    )
  }

  /** Live totals of the program (or one affiliate) in one mode. */
  totals(mode: Mode, affiliateId?: string): Totals {
    return this.store.totals(mode, affiliateId)
  }

  /** The live chart (last hour by minute) and the most recent events, for the dashboard and portal. */
  activity(
    mode: Mode,
    affiliateId?: string,
  ): { totals: Totals; minutes: MinutePoint[]; feed: LiveFeedItem[] } {
    return {
      totals: this.store.totals(mode, affiliateId),
      minutes: minuteSeries(this.ctx.storage, mode, affiliateId),
      feed: recentFeed(this.ctx.storage, mode, affiliateId),
    }
  }

  /** Approves or rejects a commission by hand; totals and the `commission` message follow. */
  setCommissionStatus(ctx: EventContext, commissionId: string, action: CommissionAction) {
    return this.serial(async () => {
      const planned = await planCommissionStatus(this.env.DB, this.store, ctx, commissionId, action)
      if ('ok' in planned) return planned
      if (planned.statements.length) await this.env.DB.batch(planned.statements)
      planned.commit()
      for (const ev of planned.events) this.publish(ev)
      return { ok: true, status: 200, body: planned.body, replayed: false } as const
    })
  }

  // --- live sockets (hibernation API) ---------------------------------------------------------

  /** `GET /v1/live`, already authenticated by the Worker: accept the socket and send the snapshot. */
  override async fetch(request: Request): Promise<Response> {
    return acceptLiveSocket(this.ctx, this.store, request)
  }

  override webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): void {
    onSocketMessage(this.ctx, this.store, ws, message)
  }

  override webSocketClose(ws: WebSocket, code: number, reason: string): void {
    onSocketClose(this.ctx, ws, code, reason)
  }

  override webSocketError(ws: WebSocket, error: unknown): void {
    onSocketError(this.ctx, ws, error)
  }

  private runEvent<T>(
    kind: EventKind,
    ctx: EventContext,
    eventId: string,
    input: unknown,
    plan: (program: HubProgram) => EventPlan<T> | HubResult<never> | Promise<EventPlan<T> | HubResult<never>>,
  ): Promise<HubResult<T>> {
    return this.serial(async () => {
      const bodyHash = await sha256Hex(canonicalJson(input))
      const replay = this.replay<T>(kind, ctx.mode, eventId, bodyHash)
      if (replay) return replay
      const program = await this.loadProgram(ctx.programId)
      if (!program) return hubError('not_found', 'Unknown program')
      const planned = await plan(program)
      if ('ok' in planned) return planned
      const response = JSON.stringify(planned.body)
      const db = this.env.DB
      const record = {
        programId: ctx.programId,
        mode: ctx.mode,
        kind,
        eventId,
        bodyHash,
        status: 201,
        response,
      }
      try {
        await db.batch([
          eventStatement(db, { ...record, at: new Date(ctx.now).toISOString() }),
          ...planned.statements,
        ])
      } catch (err) {
        if (!isUniqueViolation(err, 'events')) throw err
        return this.recoverEvent<T>(kind, ctx, eventId, bodyHash)
      }
      planned.commit()
      this.store.saveEvent(ctx.mode, kind, eventId, { body_hash: bodyHash, status: 201, response })
      for (const ev of planned.events) this.publish(ev)
      return { ok: true, status: 201, body: planned.body, replayed: false }
    })
  }

  private replay<T>(kind: EventKind, mode: Mode, eventId: string, bodyHash: string): HubResult<T> | null {
    const ev = this.store.event(mode, kind, eventId)
    if (!ev) return null
    if (ev.body_hash !== bodyHash) {
      return hubError('conflict', `event_id "${eventId}" was already used with a different body`, 'event_id')
    }
    return { ok: true, status: 200, body: JSON.parse(ev.response) as T, replayed: true }
  }

  /**
   * D1 already holds this event although the hub has no record of it (the hub lost its local
   * write after D1 committed). D1 is the truth: adopt its record and answer as a replay.
   */
  private async recoverEvent<T>(
    kind: EventKind,
    ctx: EventContext,
    eventId: string,
    bodyHash: string,
  ): Promise<HubResult<T>> {
    const row = await this.env.DB.prepare(
      'SELECT body_hash, status, response FROM events WHERE program_id = ? AND mode = ? AND kind = ? AND event_id = ?',
    )
      .bind(ctx.programId, ctx.mode, kind, eventId)
      .first<{ body_hash: string; status: number; response: string }>()
    if (!row) return hubError('internal', 'Event state is inconsistent; retry')
    this.store.saveEvent(ctx.mode, kind, eventId, row)
    return (
      this.replay<T>(kind, ctx.mode, eventId, bodyHash) ??
      hubError('internal', 'Event state is inconsistent; retry')
    )
  }

  private publish(event: HubEvent): void {
    broadcast(this.ctx, this.store, event)
  }

  // --- click outbox -------------------------------------------------------------------------

  private async scheduleFlush(): Promise<void> {
    if (this.store.outboxSize() >= FLUSH_MAX_ROWS) {
      this.ctx.waitUntil(this.flush())
      return
    }
    if ((await this.ctx.storage.getAlarm()) === null) {
      await this.ctx.storage.setAlarm(Date.now() + FLUSH_INTERVAL_MS)
    }
  }

  /** Flushes every buffered click to D1; concurrent callers share one run. */
  flush(): Promise<void> {
    if (!this.flushing) {
      this.flushing = (async () => {
        try {
          const programId = this.store.getMeta('program_id')
          if (!programId) return
          while ((await flushOnce(this.env.DB, this.store, programId)) > 0) {}
        } finally {
          this.flushing = null
        }
      })()
    }
    return this.flushing
  }

  override async alarm(): Promise<void> {
    try {
      await this.flush()
      this.store.pruneClicks(Date.now() - CLICK_RETENTION_MS)
    } catch (err) {
      console.error('ProgramHub flush failed', this.ctx.id.toString(), err)
      await this.ctx.storage.setAlarm(Date.now() + 5 * FLUSH_INTERVAL_MS)
      return
    }
    if (this.store.outboxSize() > 0) await this.ctx.storage.setAlarm(Date.now() + FLUSH_INTERVAL_MS)
  }
}
