/**
 * ProgramHub: one Durable Object per program, the serialization point of everything that
 * touches money or counters. Clicks are decided here and buffered for D1; signups, conversions,
 * refunds and commission changes run one at a time (so attribution and idempotency are
 * race-free) and reach D1 in one batch before they are acknowledged; live counters live in the
 * object's SQLite.
 *
 * Crash safety: a money event is written ahead into the hub's storage (its D1 batch, answer and
 * local effects) before the batch is sent, and its local effects are applied in the same storage
 * transaction that deletes that record. If the process dies between D1's commit and the hub's,
 * the next operation finds the record, asks D1 whether the batch landed, and completes or drops
 * it: counters, customers, idempotency and the live message all follow, exactly once.
 */
import { DurableObject } from 'cloudflare:workers'
import { FraudMemory, type HealthMemory } from '../alerts/fraud-memory'
import {
  afterConversion,
  afterRefund,
  stripeSignatureFailed,
  trackingGap,
  type WebhookFailure,
  webhookFailing,
} from '../alerts/health-check'
import { alertParts } from '../alerts/plan'
import type { Alert, AlertInput } from '../alerts/types'
import { BULK_APPROVE_BATCH, pendingForApproval } from '../commissions/data'
import { canonicalJson, newId, sha256Hex } from '../lib/crypto'
import { type D1Usage, meteredD1 } from '../lib/d1-meter'
import type { Env } from '../lib/env'
import type { ConversionBody, RefundBody, SignupBody } from '../lib/schemas'
import { type StatsFilter, statsFromD1 } from '../lib/stats-query'
import { type PayoutOpBody, planCreatePayout, planPayoutPaid } from '../payouts/plan'
import type {
  AffiliateRef,
  AffiliateStatus,
  LiveFeedItem,
  MinutePoint,
  Mode,
  StatsResult,
  Totals,
} from '../shared'
import { type DisputeInput, loadDisputeState, planDispute } from '../stripe/dispute-plan'
import { kickWebhooks, webhookDeliveryStmt } from '../webhooks/enqueue'
import { minuteSeries, recentFeed } from './activity'
import { APPROVE_BATCH, dueCommissions, planApprovals } from './approvals'
import { recordClickInStore } from './click'
import { type CommissionAction, planCommissionStatus } from './commission-status'
import { planConversion } from './conversion'
import { type EventKind, eventStatement, isUniqueViolation, runBatch } from './d1-writes'
import { type EraseBody, planEraseCustomer } from './erase-customer'
import {
  GroupCommit,
  type GroupCommitStats,
  type GroupOutcome,
  groupKeys,
  type WriteAhead,
} from './group-commit'
import { broadcast, sendToFounders } from './live'
import { LocalStore, type PendingEvent } from './local-store'
import {
  aggregate,
  FLUSH_INTERVAL_MS,
  flushDueAt,
  flushOnce,
  flushWindowMs,
  type QueuedClick,
} from './outbox'
import { type HubProgram, loadProgram } from './program-config'
import { type PurgeBody, planPurgeTestData } from './purge-test-data'
import { auditAgainstD1, type RebuildReport, rebuildFromD1 } from './recovery'
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

/** The longest cookie window: clicks older than this can no longer attribute anything. */
const CLICK_RETENTION_MS = 400 * 86_400_000
/** Batches one alarm sends at most before it yields and sets the next alarm. */
const FLUSH_BATCHES_PER_ALARM = 40

/** What decides a money event: its plan, or an answer without one (a replay, a refusal). */
type Planner<T> = (
  program: HubProgram,
) => EventPlan<T> | HubResult<never> | Promise<EventPlan<T> | HubResult<never>>

/** Points where a test can make the hub fail as a crash would (only with `TEST_FAULTS=on`). */
export type FaultPoint = 'after_d1_commit'

export class ProgramHub extends DurableObject<Env> {
  readonly store: LocalStore
  /** The fraud rules' and tracking health's memory (collector/src/alerts/fraud-memory.ts). */
  readonly fraud: FraudMemory
  private program: HubProgram | null = null
  private queue: Promise<unknown> = Promise.resolve()
  private flushing: Promise<void> | null = null
  /** Stats reads in progress (ProgramHub.stats); a flush waits for them to end before it starts. */
  private statsReaders = 0
  private readersDone: Array<() => void> = []
  private fault: FaultPoint | null = null
  /** Signups and conversions planned while a D1 batch is in flight share the next one. */
  private readonly groups: GroupCommit

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env)
    this.store = new LocalStore(ctx.storage.sql)
    this.fraud = new FraudMemory(ctx.storage.sql)
    this.groups = new GroupCommit({
      writeAhead: (records) =>
        ctx.storage.transactionSync(() => records.map((r) => this.store.addPending(r))),
      send: (statements) => runBatch(this.env.DB, statements),
      afterCommit: () => this.failAt('after_d1_commit'),
      complete: (records) => this.complete(records),
      landed: (record) => this.landed(record),
      drop: (seqs) => {
        for (const seq of seqs) this.store.dropPending(seq)
      },
      unresolved: (err) => {
        console.error('ProgramHub could not resolve a failed group', err)
        this.ctx.waitUntil(this.ensureAlarm())
      },
    })
    configureSockets(ctx)
  }

  /** Called by routes after they change the program or its affiliates. */
  invalidate(): void {
    this.program = null
  }

  private async loadProgram(programId: string): Promise<HubProgram | null> {
    if (this.program?.id === programId) return this.program
    const program = await loadProgram(this.env.DB, programId)
    if (program && !this.store.getMeta('program_id')) {
      this.store.setMeta('program_id', programId)
      // Fresh storage for a program D1 already knows (a lost or reset object): rebuild first.
      const known = await this.env.DB.prepare('SELECT 1 AS n FROM rollups WHERE program_id = ? LIMIT 1')
        .bind(programId)
        .first()
      if (known) await this.rebuildNow(programId, program)
    }
    this.program = program
    return program
  }

  /**
   * Runs an operation alone: after every grouped event is committed, and with nothing else of the
   * hub's queue running. Awaiting D1 would otherwise let a duplicate slip in.
   */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    return this.queued(async () => {
      await this.groups.settled()
      return fn()
    })
  }

  /** The hub's queue: decisions are made one at a time (grouped events' batches run beside it). */
  private queued<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn)
    this.queue = run.catch(() => undefined)
    return run
  }

  async recordClick(programId: string, click: ClickRecord): Promise<HubResult> {
    const program = await this.loadProgram(programId)
    if (!program) return hubError('not_found', 'Unknown program')
    const { result, event, alert } = this.ctx.storage.transactionSync(() =>
      recordClickInStore(this.store, this.fraud, program, click),
    )
    if (event) this.publish(event)
    if (alert) {
      // Once per affiliate and hour; an alert that cannot be stored must not refuse the click.
      const ctx = { programId, mode: click.mode, now: click.at }
      await this.raiseAlerts(ctx, [alert]).catch((err) => console.error('ProgramHub alert failed', err))
    }
    await this.scheduleFlush()
    return { ok: true, status: 202, body: result, replayed: false }
  }

  recordSignup(
    ctx: EventContext,
    input: SignupBody & { event_id: string; email_hash: string | null; email_disposable?: boolean },
  ) {
    return this.runEvent('signup', ctx, input.event_id, input, (program) => {
      const plan = planSignup(this.store, program, ctx, input, this.fraud)
      if ('replayOf' in plan) {
        const ev = this.store.event(ctx.mode, 'signup', plan.replayOf)
        if (ev)
          return { ok: true, status: 200, body: JSON.parse(ev.response), replayed: true } as HubResult<never>
        return hubError('conflict', 'This customer already signed up', 'customer_id')
      }
      return plan
    })
  }

  async recordConversion(ctx: EventContext, input: ConversionBody) {
    const result = await this.runEvent('conversion', ctx, input.event_id, input, (program) =>
      planConversion(this.store, program, ctx, input, this.fraud),
    )
    if (result.ok && !result.replayed) {
      // The running median and the burst window learn from committed conversions only.
      const at = input.occurred_at ? Date.parse(input.occurred_at) : ctx.now
      const affiliateId = result.body.conversion.affiliate?.id ?? null
      this.fraud.recordConversion(ctx.mode, input.currency, input.amount, affiliateId, at)
      await this.raiseHealthAlerts(ctx, (program) =>
        afterConversion(this.fraud, program, ctx.mode, ctx.now, affiliateId !== null),
      )
    }
    return result
  }

  // --- alerts and tracking health (collector/src/alerts/) ---------------------------------------

  /**
   * Raises alerts: stored in D1, pushed to the founders' sockets and sent as `alert.raised`, in
   * one batch. An alert whose `dedupe_key` was raised before is skipped. Resolves to those raised.
   */
  raiseAlerts(ctx: EventContext, inputs: AlertInput[]): Promise<HubResult<{ alerts: Alert[] }>> {
    // Nothing new to raise needs no turn alone (which would wait for every money event in flight).
    if (inputs.every((a) => a.dedupe_key && this.fraud.alertRaised(a.dedupe_key)))
      return Promise.resolve({ ok: true, status: 200, body: { alerts: [] }, replayed: false })
    return this.serial(async () => {
      await this.resolvePending()
      const fresh = inputs.filter((a) => !a.dedupe_key || !this.fraud.alertRaised(a.dedupe_key))
      if (!fresh.length) return { ok: true, status: 200, body: { alerts: [] }, replayed: false }
      const parts = alertParts(ctx, fresh)
      const result = await this.commit('alert', ctx, newId('op'), '', {
        statements: parts.statements,
        body: { alerts: parts.alerts },
        local: {},
        events: parts.events,
        webhooks: parts.webhooks,
      })
      if (result.ok)
        this.fraud.markAlerts(
          fresh.flatMap((a) => (a.dedupe_key ? [a.dedupe_key] : [])),
          ctx.now,
        )
      return result
    })
  }

  /** The affiliate's portal was opened from this IP hash: signups through clicks from it are self-referrals. */
  notePortalVisit(affiliateId: string, ipHash: string, at = Date.now()): void {
    this.fraud.notePortalVisit(affiliateId, ipHash, at)
  }

  /** What the hub knows for the tracking-health view: last click, origins, blocked clicks, outbox. */
  trackingHealth(mode: Mode): HealthMemory & ReturnType<ProgramHub['health']> {
    return { ...this.fraud.health(mode), ...this.health() }
  }

  async recordRefund(ctx: EventContext, input: RefundBody) {
    const result = await this.runEvent('refund', ctx, input.event_id, input, (program) =>
      planRefund(this.env.DB, program, ctx, input),
    )
    if (result.ok && !result.replayed)
      await this.raiseHealthAlerts(ctx, (program) => afterRefund(this.fraud, program, ctx.mode, ctx.now))
    return result
  }

  /**
   * Runs a tracking-health rule after an event was committed and raises what it finds. Advisory:
   * an alert that cannot be raised is logged, never turned into the event's failure.
   */
  private async raiseHealthAlerts(
    ctx: EventContext,
    rule: (program: HubProgram) => AlertInput[],
  ): Promise<void> {
    try {
      const program = await this.loadProgram(ctx.programId)
      const alerts = program ? rule(program) : []
      if (alerts.length) await this.raiseAlerts(ctx, alerts)
    } catch (err) {
      console.error('ProgramHub health alert failed', ctx.programId, err)
    }
  }

  /** A webhook delivery of the program failed again (the dispatcher reports each failure). */
  async noteWebhookFailure(programId: string, mode: Mode, failure: WebhookFailure): Promise<void> {
    const now = Date.now()
    await this.raiseHealthAlerts({ programId, mode, now }, (program) => webhookFailing(program, now, failure))
  }

  /** Drops the hub's own raw clicks older than `before` (the program's click retention). */
  pruneClicksBefore(before: number): void {
    this.store.pruneClicks(before)
  }

  /** A Stripe delivery for the program was refused because its signature did not verify. */
  async noteStripeSignatureFailure(programId: string, mode: Mode, message: string): Promise<void> {
    const now = Date.now()
    await this.raiseHealthAlerts({ programId, mode, now }, () => stripeSignatureFailed(mode, now, message))
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
  setCommissionStatus(ctx: EventContext, commissionId: string, action: CommissionAction, reason?: string) {
    return this.serial(async () => {
      await this.resolvePending()
      const planned = await planCommissionStatus(this.env.DB, ctx, commissionId, action, reason ?? null)
      if ('ok' in planned) return planned
      if (!planned.statements.length)
        return { ok: true, status: 200, body: planned.body, replayed: false } as const
      const result = await this.commit('commission', ctx, newId('op'), '', planned)
      return result.ok ? ({ ...result, status: 200 } as const) : result
    })
  }

  /**
   * Approves the program's commissions whose hold has ended (the hourly cron routes this through
   * the hub), in batches; resolves to how many were approved.
   */
  approveDue(programId: string, now = Date.now()): Promise<number> {
    return this.serial(async () => {
      await this.resolvePending()
      if (!(await this.loadProgram(programId))) return 0
      let approved = 0
      for (;;) {
        const due = await dueCommissions(this.env.DB, programId, now)
        if (!due.length) return approved
        for (const mode of ['live', 'test'] as const) {
          const rows = due.filter((r) => r.mode === mode)
          if (!rows.length) continue
          const ctx = { programId, mode, now }
          const result = await this.commit('commission', ctx, newId('op'), '', planApprovals(rows, now))
          if (!result.ok) throw new Error(result.message)
          approved += rows.length
        }
        if (due.length < APPROVE_BATCH) return approved
      }
    })
  }

  /**
   * `POST /v1/commissions/approve-due`: approves one mode's pending commissions whose hold has
   * ended, or with `includePending` every pending one (never `on_hold`), in batches.
   */
  approveDueCommissions(
    ctx: EventContext,
    includePending: boolean,
  ): Promise<HubResult<{ approved: number }>> {
    return this.serial(async () => {
      await this.resolvePending()
      let approved = 0
      for (;;) {
        const rows = await pendingForApproval(
          this.env.DB,
          ctx.programId,
          ctx.mode,
          ctx.now,
          includePending,
          BULK_APPROVE_BATCH,
        )
        if (!rows.length) break
        const due = rows.map((r) => ({ ...r, mode: ctx.mode, code: r.affiliate_code }))
        const result = await this.commit(
          'commission',
          ctx,
          newId('op'),
          '',
          planApprovals(due, ctx.now, 'founder'),
        )
        if (!result.ok) return result
        approved += rows.length
        if (rows.length < BULK_APPROVE_BATCH) break
      }
      return { ok: true, status: 200, body: { approved }, replayed: false }
    })
  }

  // --- payouts (collector/src/payouts/) --------------------------------------------------------

  /** Gathers what is payable up to `periodEnd` into a pending payout; `payout_id: null` when nothing is. */
  createPayout(ctx: EventContext, periodEnd: number): Promise<HubResult<PayoutOpBody>> {
    return this.serial(async () => {
      await this.resolvePending()
      const program = await this.loadProgram(ctx.programId)
      if (!program) return hubError('not_found', 'Unknown program')
      const planned = await planCreatePayout(this.env.DB, program, ctx, periodEnd)
      if (!planned.statements.length) return { ok: true, status: 200, body: planned.body, replayed: false }
      return this.commit('commission', ctx, newId('op'), '', planned)
    })
  }

  /** Marks a payout and its commissions paid (idempotent: a paid payout answers as it is). */
  markPayoutPaid(ctx: EventContext, payoutId: string): Promise<HubResult<PayoutOpBody>> {
    return this.serial(async () => {
      await this.resolvePending()
      const planned = await planPayoutPaid(this.env.DB, ctx, payoutId)
      if ('ok' in planned) return planned
      if (!planned.statements.length) return { ok: true, status: 200, body: planned.body, replayed: false }
      const result = await this.commit('commission', ctx, newId('op'), '', planned)
      return result.ok ? { ...result, status: 200 } : result
    })
  }

  // --- applications (collector/src/join/) ----------------------------------------------------

  /**
   * Tells the founders' sockets that the program's applications changed, with the number now
   * pending. Counted in D1 inside the queue, so two applications at once still end on the right number.
   */
  announceApplication(
    programId: string,
    mode: Mode,
    affiliate: AffiliateRef & { name: string; status: AffiliateStatus },
  ): Promise<void> {
    return this.serial(async () => {
      const row = await this.env.DB.prepare(
        "SELECT count(*) AS n FROM affiliates WHERE program_id = ? AND mode = ? AND status = 'pending'",
      )
        .bind(programId, mode)
        .first<{ n: number }>()
      sendToFounders(this.ctx, mode, {
        type: 'application',
        at: new Date().toISOString(),
        affiliate,
        pending: row?.n ?? 0,
        totals: this.store.totals(mode),
      })
    })
  }

  // --- recovery and audit -----------------------------------------------------------------------

  /** Rebuilds counters, customers, idempotency records and recent clicks from D1. */
  rebuild(programId: string): Promise<RebuildReport | null> {
    return this.serial(async () => {
      const program = await this.loadProgram(programId)
      if (!program) return null
      return this.rebuildNow(programId, program)
    })
  }

  private async rebuildNow(programId: string, program: HubProgram): Promise<RebuildReport> {
    await this.flush()
    await this.resolvePending()
    const windowMs = Math.max(program.settings.cookie_days * 86_400_000, 3_600_000)
    return rebuildFromD1(this.env.DB, this.store, this.ctx.storage, programId, windowMs, Date.now())
  }

  /** Flushes buffered clicks and compares every counter with D1; `[]` means they agree exactly. */
  audit(): Promise<Awaited<ReturnType<typeof auditAgainstD1>>> {
    return this.serial(async () => {
      await this.resolvePending()
      await this.flush()
      const programId = this.store.getMeta('program_id')
      return programId ? auditAgainstD1(this.env.DB, this.store, programId) : []
    })
  }

  /** Queue and dead-letter counts of the click outbox, and money events awaiting completion. */
  health(): { outbox: number; dead_letters: number; pending_events: number } {
    return {
      outbox: this.store.outboxSize(),
      dead_letters: this.store.deadLetterCount(),
      pending_events: this.store.pendingEvents().length,
    }
  }

  /** Test only: the next time the hub reaches `point` it fails there, as a crash would. */
  setFault(point: FaultPoint | null): void {
    if (this.env.TEST_FAULTS !== 'on') throw new Error('Fault injection is disabled')
    this.fault = point
  }

  private failAt(point: FaultPoint): void {
    if (this.fault !== point) return
    this.fault = null
    throw new Error(`Injected fault at ${point}`)
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

  // --- money events -----------------------------------------------------------------------------

  private runEvent<T>(
    kind: EventKind,
    ctx: EventContext,
    eventId: string,
    input: unknown,
    plan: Planner<T>,
  ): Promise<HubResult<T>> {
    const keys = groupKeys(kind, ctx.mode, eventId, input as Parameters<typeof groupKeys>[3])
    if (keys) return this.runGrouped(kind, ctx, eventId, input, keys, plan)
    return this.serial(() => this.runAlone(kind, ctx, eventId, input, plan))
  }

  /** A money event on its own: planned, written ahead, sent to D1 and applied, alone in the queue. */
  private async runAlone<T>(
    kind: EventKind,
    ctx: EventContext,
    eventId: string,
    input: unknown,
    plan: Planner<T>,
  ): Promise<HubResult<T>> {
    // Anything written ahead must be completed before a new decision reads the hub's state.
    await this.resolvePending()
    const bodyHash = await sha256Hex(canonicalJson(input))
    const replay = this.replay<T>(kind, ctx.mode, eventId, bodyHash)
    if (replay) return replay
    const program = await this.loadProgram(ctx.programId)
    if (!program) return hubError('not_found', 'Unknown program')
    const planned = await plan(program)
    if ('ok' in planned) return planned
    return this.commit(kind, ctx, eventId, bodyHash, planned)
  }

  /**
   * A signup or conversion through the group commit (./group-commit.ts): planned in the queue,
   * possibly while an earlier group's batch is in flight, then sent with the events planned
   * beside it and answered once its group is in D1 and applied here. An event that shares a key
   * with one still uncommitted, or that finds records left by a failure, waits until every group
   * is committed, as an operation alone does.
   */
  private async runGrouped<T>(
    kind: EventKind,
    ctx: EventContext,
    eventId: string,
    input: unknown,
    keys: string[],
    plan: Planner<T>,
  ): Promise<HubResult<T>> {
    const bodyHash = await sha256Hex(canonicalJson(input))
    const step = await this.queued(
      async (): Promise<{ result: HubResult<T> } | { outcome: Promise<GroupOutcome>; body: T }> => {
        const leftOver = this.store.pendingCount() > this.groups.writtenAhead
        if (leftOver || this.groups.conflicts(keys) || this.program?.id !== ctx.programId) {
          await this.groups.settled()
          await this.resolvePending()
        }
        const replay = this.replay<T>(kind, ctx.mode, eventId, bodyHash)
        if (replay) return { result: replay }
        const program = await this.loadProgram(ctx.programId)
        if (!program) return { result: hubError('not_found', 'Unknown program') }
        const planned = await plan(program)
        if ('ok' in planned) return { result: planned }
        const record = this.writeAheadRecord(kind, ctx, eventId, bodyHash, planned)
        return { outcome: this.groups.submit(record, keys), body: planned.body }
      },
    )
    if ('result' in step) return step.result
    const outcome = await step.outcome
    if (outcome.status === 'committed') return { ok: true, status: 201, body: step.body, replayed: false }
    // Its batch failed and did not land: run it as a single event (the path that rebuilds a hub
    // that lost its storage and answers the stored first result).
    if (outcome.status === 'retry') return this.serial(() => this.runAlone(kind, ctx, eventId, input, plan))
    console.error('ProgramHub event failed', kind, outcome.error)
    return hubError('internal', 'The event could not be stored; retry with the same event_id')
  }

  /** A plan as its write-ahead record: the D1 batch (idempotency row first), answer and local effects. */
  private writeAheadRecord<T>(
    kind: EventKind,
    ctx: EventContext,
    eventId: string,
    bodyHash: string,
    planned: EventPlan<T>,
  ): WriteAhead {
    const response = JSON.stringify(planned.body)
    return {
      mode: ctx.mode,
      kind,
      event_id: eventId,
      body_hash: bodyHash,
      response,
      statements: [
        eventStatement({
          programId: ctx.programId,
          mode: ctx.mode,
          kind,
          eventId,
          bodyHash,
          status: 201,
          response,
          at: new Date(ctx.now).toISOString(),
        }),
        ...planned.statements,
        ...(planned.webhooks ?? []).map((w) =>
          webhookDeliveryStmt({
            programId: ctx.programId,
            mode: ctx.mode,
            type: w.type,
            id: newId('evt'),
            createdAt: new Date(ctx.now).toISOString(),
            data: w.data,
          }),
        ),
      ],
      local: planned.local,
      events: planned.events,
      at: ctx.now,
    }
  }

  /** Writes the plan ahead, sends its batch to D1, then applies it locally and broadcasts it. */
  private async commit<T>(
    kind: EventKind,
    ctx: EventContext,
    eventId: string,
    bodyHash: string,
    planned: EventPlan<T>,
  ): Promise<HubResult<T>> {
    const record = this.writeAheadRecord(kind, ctx, eventId, bodyHash, planned)
    const seq = this.store.addPending(record)
    try {
      await runBatch(this.env.DB, record.statements)
    } catch (err) {
      if (isUniqueViolation(err, 'events')) {
        // D1 has this event but the hub had no record of it: its storage was lost. Rebuild.
        this.store.dropPending(seq)
        const program = await this.loadProgram(ctx.programId)
        if (program) await this.rebuildNow(ctx.programId, program)
        return (
          this.replay<T>(kind, ctx.mode, eventId, bodyHash) ??
          hubError('internal', 'Event state is inconsistent; retry')
        )
      }
      // Whether D1 committed is unknown: resolve now if D1 answers, else leave it for later.
      await this.resolvePending().catch(() => this.ensureAlarm())
      const done = this.replay<T>(kind, ctx.mode, eventId, bodyHash)
      if (done?.ok) return { ...done, status: 201, replayed: false }
      console.error('ProgramHub event failed', kind, err)
      return hubError('internal', 'The event could not be stored; retry with the same event_id')
    }
    this.failAt('after_d1_commit')
    this.complete([{ ...record, seq }])
    return { ok: true, status: 201, body: planned.body, replayed: false }
  }

  /** Applies committed events' effects and forgets their write-ahead records, atomically. */
  private complete(records: PendingEvent[]): void {
    if (!records.length) return
    this.ctx.storage.transactionSync(() => {
      for (const p of records) {
        this.store.applyLocal(p.local)
        this.store.saveEvent(p.mode, p.kind, p.event_id, {
          body_hash: p.body_hash,
          status: 201,
          response: p.response,
        })
        this.store.dropPending(p.seq)
      }
    })
    for (const p of records) for (const ev of p.events) this.publish(ev)
    if (records.some((p) => p.statements.some((st) => st.sql.includes('webhook_deliveries')))) {
      const programId = this.store.getMeta('program_id')
      if (programId) this.ctx.waitUntil(kickWebhooks(this.env, programId))
    }
  }

  /**
   * Completes every event written ahead: D1 has its idempotency row → apply it here too; D1
   * answers that it has not → it never happened, drop it. Throws (keeping them) while D1 cannot
   * be reached, so no new decision is made on incomplete state. Runs only with no group in flight.
   */
  private async resolvePending(): Promise<void> {
    for (const p of this.store.pendingEvents()) {
      if (await this.landed(p)) this.complete([p])
      else this.store.dropPending(p.seq)
    }
  }

  /** Whether D1 has a written-ahead event's idempotency row (its whole batch, by atomicity). */
  private async landed(p: PendingEvent): Promise<boolean> {
    const programId = this.store.getMeta('program_id')
    const row = await this.env.DB.prepare(
      'SELECT body_hash FROM events WHERE program_id = ? AND mode = ? AND kind = ? AND event_id = ?',
    )
      .bind(programId, p.mode, p.kind, p.event_id)
      .first<{ body_hash: string }>()
    return !!row && row.body_hash === p.body_hash
  }

  /** Batches and events of the group commit since the hub started, and what waits now. */
  groupCommitStats(): GroupCommitStats {
    return this.groups.stats()
  }

  /** Test only: hold grouped events in the open group (nothing is sent) until released. */
  holdGroupCommit(on: boolean): void {
    if (this.env.TEST_FAULTS !== 'on') throw new Error('Fault injection is disabled')
    this.groups.hold(on)
  }

  private replay<T>(kind: EventKind, mode: Mode, eventId: string, bodyHash: string): HubResult<T> | null {
    const ev = this.store.event(mode, kind, eventId)
    if (!ev) return null
    if (ev.body_hash !== bodyHash) {
      return hubError('conflict', `event_id "${eventId}" was already used with a different body`, 'event_id')
    }
    return { ok: true, status: 200, body: JSON.parse(ev.response) as T, replayed: true }
  }

  private publish(event: HubEvent): void {
    broadcast(this.ctx, this.store, event)
  }

  // --- click outbox and alarm -------------------------------------------------------------------

  /** When the queued clicks are due at D1 (see hub/outbox.ts, flushDueAt), or null. */
  private flushDue(now = Date.now()): number | null {
    const { size, oldestAt } = this.store.outboxState()
    return flushDueAt(size, oldestAt, now, flushWindowMs(this.env.CLICK_FLUSH_SECONDS))
  }

  /** Clicks reach D1 only from the alarm: when the oldest has waited the flush window, or at once when 500 are waiting. */
  private async scheduleFlush(): Promise<void> {
    const due = this.flushDue()
    if (due === null) return
    const alarm = await this.currentAlarm()
    if (alarm === null || alarm > due) await this.setAlarm(due)
  }

  private async ensureAlarm(): Promise<void> {
    if ((await this.currentAlarm()) === null) await this.setAlarm(Date.now() + 5 * FLUSH_INTERVAL_MS)
  }

  /**
   * The alarm's time as this hub last set or read it; undefined until first asked. Only this
   * class sets the alarm, and a fired alarm is spent (alarm() clears it first), so after the
   * first read every click can tell whether the alarm must move without asking storage.
   */
  private alarmAt: number | null | undefined

  private async currentAlarm(): Promise<number | null> {
    if (this.alarmAt === undefined) this.alarmAt = await this.ctx.storage.getAlarm()
    return this.alarmAt
  }

  private async setAlarm(at: number): Promise<void> {
    await this.ctx.storage.setAlarm(at)
    this.alarmAt = at
  }

  /**
   * Flushes buffered clicks to D1; concurrent callers share one run. It starts only once no
   * stats read is in progress, and stats reads that arrive meanwhile wait for it (stats), so a
   * read never sees a batch both in D1 and in the outbox.
   */
  flush(maxBatches = Number.POSITIVE_INFINITY): Promise<void> {
    if (!this.flushing) {
      this.flushing = (async () => {
        try {
          while (this.statsReaders > 0) await new Promise<void>((resolve) => this.readersDone.push(resolve))
          const programId = this.store.getMeta('program_id')
          if (!programId) return
          for (let i = 0; i < maxBatches; i++) {
            if ((await flushOnce(this.env.DB, this.store, programId)) === 0) break
          }
        } finally {
          this.flushing = null
        }
      })()
    }
    return this.flushing
  }

  /**
   * Whether clicks of the mode wait here for their batch, and whether one came from the script.
   * A batch being sent counts too (it is not in D1 until it lands): presence, unlike a sum, cannot
   * be counted twice.
   */
  queuedClickSources(mode: Mode): { click: boolean; script: boolean } {
    const rows = (this.store.queuedRows() as QueuedClick[]).filter((r) => r.mode === mode)
    return { click: rows.length > 0, script: rows.some((r) => r.source === 'script') }
  }

  /**
   * The stats answer (lib/stats-query.ts) from D1 plus the clicks still queued here, so numbers
   * are current however long clicks wait for their batch. A flush never runs during the read:
   * the read waits for one in progress, and a flush waits for reads in progress. A batch whose
   * fate is unknown (D1 could not be reached when it was sent) is left out until it is resolved:
   * it may already be counted in D1, and counting it twice would be worse than a moment late.
   */
  async stats(
    programId: string,
    mode: Mode,
    filter: StatsFilter,
    affiliateId: string | null,
  ): Promise<StatsResult & { d1_usage?: D1Usage }> {
    while (this.flushing) await this.flushing.catch(() => undefined)
    this.statsReaders++
    try {
      const waiting = aggregate(this.store.queuedRows(true) as QueuedClick[])
      // With D1_METER=on (the bench), the reads' D1 usage goes back with the answer.
      const usage: D1Usage = { rows_read: 0, rows_written: 0, statements: 0 }
      const db = this.env.D1_METER === 'on' ? meteredD1(this.env.DB, usage) : this.env.DB
      const result = await statsFromD1(db, programId, mode, filter, affiliateId, waiting)
      return this.env.D1_METER === 'on' ? { ...result, d1_usage: usage } : result
    } finally {
      this.statsReaders--
      if (this.statsReaders === 0) for (const resolve of this.readersDone.splice(0)) resolve()
    }
  }

  override async alarm(): Promise<void> {
    this.alarmAt = null
    let gapCheckAt: number | null = null
    try {
      if (this.store.pendingEvents().length) await this.serial(() => this.resolvePending())
      await this.flush(FLUSH_BATCHES_PER_ALARM)
      this.store.pruneClicks(Date.now() - CLICK_RETENTION_MS)
      gapCheckAt = await this.checkTrackingGap()
    } catch (err) {
      console.error('ProgramHub alarm failed', this.ctx.id.toString(), err)
      await this.setAlarm(Date.now() + 5 * FLUSH_INTERVAL_MS)
      return
    }
    // Next: the rest of a flood a second from now, else the queued clicks' due time, or the gap check.
    const now = Date.now()
    const due = this.flushDue(now)
    const flushAt = due === null ? null : due <= now ? now + FLUSH_INTERVAL_MS : due
    const next = [flushAt, gapCheckAt].filter((t): t is number => t !== null)
    if (next.length) await this.setAlarm(Math.min(...next))
  }

  /**
   * The tracking-gap rule (live mode), run by the alarm: raises the alert once the gap has come,
   * else answers when to look again. Each click's flush alarm ends by setting that time, so a
   * program that goes quiet is checked when its gap is due, with no cron.
   */
  private async checkTrackingGap(): Promise<number | null> {
    const programId = this.store.getMeta('program_id')
    const program = programId ? await this.loadProgram(programId) : null
    if (!programId || !program) return null
    const now = Date.now()
    const gap = trackingGap(this.fraud, program, now)
    if (gap.alerts.length) await this.raiseAlerts({ programId, mode: 'live', now }, gap.alerts)
    return gap.checkAt
  }

  // --- Stripe disputes (planned in collector/src/stripe/dispute-plan.ts) ------------------------

  /** A Stripe dispute step on a conversion's commission: held, reversed or restored, once per step. */
  applyDispute(ctx: EventContext, input: DisputeInput) {
    return this.runEvent('dispute', ctx, input.event_id, input, async () => {
      const state = await loadDisputeState(this.env.DB, ctx, input)
      if ('ok' in state) return state
      return planDispute(ctx, input, state)
    })
  }

  // --- test data (collector/src/test-mode/, planned in ./purge-test-data.ts) --------------------

  /**
   * `DELETE /v1/test-data`: every test-mode record of the program, in D1 and here, in one
   * operation. Queued clicks are flushed first so D1's counts are complete; afterwards `audit()`
   * is `[]` and the same test event ids can be sent again.
   */
  purgeTestData(programId: string): Promise<HubResult<PurgeBody>> {
    return this.serial(async () => {
      await this.resolvePending()
      if (!(await this.loadProgram(programId))) return hubError('not_found', 'Unknown program')
      await this.flush()
      const ctx: EventContext = { programId, mode: 'test', now: Date.now() }
      const opId = newId('op')
      const planned = await planPurgeTestData(this.env.DB, ctx, opId)
      const result = await this.commit('commission', ctx, opId, '', planned)
      // Test affiliates are gone: the cached program must not attribute to them any more.
      this.program = null
      return result.ok ? { ...result, status: 200 } : result
    })
  }

  // --- privacy (collector/src/privacy/, planned in ./erase-customer.ts) -------------------------

  /** `DELETE /v1/customers/:id`: erases one customer's personal data in D1 and here, in one operation. */
  eraseCustomer(ctx: EventContext, customerId: string): Promise<HubResult<EraseBody>> {
    return this.serial(async () => {
      await this.resolvePending()
      if (!(await this.loadProgram(ctx.programId))) return hubError('not_found', 'Unknown program')
      // Queued clicks reach D1 first, so the batch finds every click whose IP hash it clears.
      await this.flush()
      const planned = await planEraseCustomer(this.env.DB, ctx, customerId)
      if ('ok' in planned) return planned
      const result = await this.commit('commission', ctx, newId('op'), '', planned)
      return result.ok ? { ...result, status: 200 } : result
    })
  }
}
