/**
 * Group commit for the hub's money events. While one D1 batch is in flight, the signups and
 * conversions planned meanwhile wait in the open group; when the batch has landed, the open
 * group goes to D1 as the next batch (one transaction), so a burst costs a few D1 round trips
 * instead of one per event. Each event is still written ahead on its own (its own `pending`
 * record, checked against its own `events` row on recovery) and answered only once its group has
 * landed and has been applied here.
 *
 * The hub decides what may join (see `groupKeys`): only events that cannot depend on an event
 * still uncommitted. Everything else waits for `settled()` and runs alone, as before.
 *
 * A failed batch leaves nothing half done, because D1 runs it as one transaction: the group's
 * records are checked against D1 (landed → applied and answered; not landed → dropped and run
 * again one by one, the path of a single event) and the open group is run one by one as well.
 */

import type { Mode } from '../shared'
import { isUniqueViolation } from './d1-writes'
import type { PendingEvent } from './local-store'
import { FLUSH_MAX_BYTES } from './outbox'
import type { Stmt } from './types'

/** Events in one batch at most. */
export const GROUP_MAX_EVENTS = 50
/** Statements in one batch at most (a conversion is about ten), so a batch stays small for D1. */
export const GROUP_MAX_STATEMENTS = 500
/** Statement JSON in one batch at most, the click outbox's bound; a larger event goes alone. */
export const GROUP_MAX_BYTES = FLUSH_MAX_BYTES

export type WriteAhead = Omit<PendingEvent, 'seq'>

/**
 * The keys an event may not share with any event still uncommitted, or null when it must run
 * alone. A signup's or conversion's plan reads the hub's state of its own customer (attribution,
 * first conversion, fraud flags), its own idempotency record, its click, and for a signup the
 * customers with the same email (the duplicate-customer rule); counters are added, so order
 * between events with no key in common does not matter. Refunds, disputes and every other
 * operation read D1 or change what others read, and run alone.
 */
export function groupKeys(
  kind: string,
  mode: Mode,
  eventId: string,
  input: { customer_id?: string | undefined; click_id?: string | undefined; email_hash?: string | null },
): string[] | null {
  if (kind !== 'conversion' && kind !== 'signup') return null
  const keys = [`${mode}:${kind}:${eventId}`]
  if (input.customer_id) keys.push(`${mode}:customer:${input.customer_id}`)
  if (input.click_id) keys.push(`click:${input.click_id}`)
  if (input.email_hash) keys.push(`${mode}:email:${input.email_hash}`)
  return keys
}

/** What became of an event handed to the group commit. */
export type GroupOutcome =
  /** In D1 and applied here: answer it. */
  | { status: 'committed' }
  /** Not in D1, and not written ahead any more: run it again alone. */
  | { status: 'retry' }
  /** D1 could not say whether its batch landed: its record stays for the next operation to resolve. */
  | { status: 'unknown'; error: unknown }

/** What the group commit needs from the hub. */
export interface GroupCommitHooks {
  /** Writes the group's records ahead, in one storage transaction; returns their seqs in order. */
  writeAhead(records: WriteAhead[]): number[]
  /** Sends statements to D1 as one batch (one transaction). */
  send(statements: Stmt[]): Promise<unknown>
  /** Runs between D1's commit and the local apply (where the test fault hook fails). */
  afterCommit(): void
  /** Applies committed records here and forgets them, in one storage transaction; then broadcasts. */
  complete(records: PendingEvent[]): void
  /** Whether a record's batch is in D1. Throws when D1 cannot be reached. */
  landed(record: PendingEvent): Promise<boolean>
  /** Forgets records that are not in D1. */
  drop(seqs: number[]): void
  /** D1 could not be reached after a failed batch: make sure something resolves the records later. */
  unresolved(error: unknown): void
}

export interface GroupCommitStats {
  /** D1 batches sent by the group commit, and the events in them. */
  batches: number
  events: number
  /** The most events one batch held. */
  largest: number
  /** Events planned and waiting for the next batch. */
  open: number
  /** Operations waiting for every group to be committed (a dependent event, anything not grouped). */
  waiting: number
}

interface Entry {
  record: WriteAhead
  keys: readonly string[]
  size: number
  resolve: (outcome: GroupOutcome) => void
  reject: (err: unknown) => void
}

export class GroupCommit {
  private open: Entry[] = []
  private inFlight: Entry[] | null = null
  /** Keys of every event planned and not yet committed here (open and in flight). */
  private readonly live = new Set<string>()
  private idle: { promise: Promise<void>; resolve: () => void } | null = null
  private held = false
  private pumping = false
  private waiting = 0
  private readonly counts = { batches: 0, events: 0, largest: 0 }

  constructor(private readonly hooks: GroupCommitHooks) {}

  /** True when an event with one of these keys is planned and not yet committed. */
  conflicts(keys: readonly string[]): boolean {
    return keys.some((k) => this.live.has(k))
  }

  /** Records written ahead by the group in flight (any others in storage are left from a failure). */
  get writtenAhead(): number {
    return this.inFlight?.length ?? 0
  }

  /** Resolves once no group is open or in flight. */
  async settled(): Promise<void> {
    this.waiting++
    try {
      while (this.open.length || this.inFlight) {
        this.idle ??= promiseWithResolve()
        await this.idle.promise
      }
    } finally {
      this.waiting--
    }
  }

  /**
   * Adds a planned event to the open group (the caller checked `conflicts` first); resolves
   * when its group's fate is known, rejects when the hub failed between D1's commit and its own.
   */
  submit(record: WriteAhead, keys: readonly string[]): Promise<GroupOutcome> {
    const done = new Promise<GroupOutcome>((resolve, reject) => {
      const size = JSON.stringify(record.statements).length
      this.open.push({ record, keys, size, resolve, reject })
    })
    // The caller awaits it a moment later; a rejection before then is not an unhandled one.
    done.catch(() => undefined)
    for (const k of keys) this.live.add(k)
    this.kick()
    return done
  }

  /** Test only: while held, planned events gather in the open group and nothing is sent. */
  hold(on: boolean): void {
    this.held = on
    this.kick()
  }

  stats(): GroupCommitStats {
    return { ...this.counts, open: this.open.length, waiting: this.waiting }
  }

  private kick(): void {
    if (this.pumping || this.held) return
    if (!this.open.length) {
      this.wake()
      return
    }
    void this.pump()
  }

  /** Sends group after group, one batch in flight at a time, while events are open. */
  private async pump(): Promise<void> {
    this.pumping = true
    while (this.open.length && !this.held) {
      const group = this.take()
      this.inFlight = group
      try {
        await this.commitGroup(group)
      } catch (err) {
        // Not reached by design (commitGroup answers every entry); never leave a caller hanging.
        this.finish(group, (e) => e.reject(err))
      }
    }
    this.pumping = false
    if (!this.open.length) this.wake()
  }

  /** The next group: the oldest open events, within the bounds (one oversized event goes alone). */
  private take(): Entry[] {
    let statements = 0
    let bytes = 0
    let n = 0
    for (const e of this.open) {
      const over =
        n >= GROUP_MAX_EVENTS ||
        statements + e.record.statements.length > GROUP_MAX_STATEMENTS ||
        bytes + e.size > GROUP_MAX_BYTES
      if (n > 0 && over) break
      statements += e.record.statements.length
      bytes += e.size
      n++
    }
    return this.open.splice(0, n)
  }

  private async commitGroup(group: Entry[]): Promise<void> {
    const seqs = this.hooks.writeAhead(group.map((e) => e.record))
    const records = group.map((e, i) => ({ ...e.record, seq: seqs[i] as number }))
    try {
      await this.hooks.send(records.flatMap((r) => r.statements))
    } catch (err) {
      await this.recover(group, records, err)
      return
    }
    this.counts.batches++
    this.counts.events += group.length
    this.counts.largest = Math.max(this.counts.largest, group.length)
    try {
      this.hooks.afterCommit()
      this.hooks.complete(records)
    } catch (err) {
      // As a crash would: the records stay written ahead and the next operation completes them.
      this.finish(group, (e) => e.reject(err))
      this.retryOpen()
      return
    }
    this.finish(group, (e) => e.resolve({ status: 'committed' }))
  }

  /**
   * A refused or lost batch. A unique violation on `events` means D1 already has one of these
   * events (the hub lost its storage): nothing of the batch landed. Otherwise ask D1 for each
   * record, as recovery after a crash does.
   */
  private async recover(group: Entry[], records: PendingEvent[], err: unknown): Promise<void> {
    console.error('ProgramHub group batch failed', group.length, err)
    this.retryOpen()
    if (isUniqueViolation(err, 'events')) {
      this.hooks.drop(records.map((r) => r.seq))
      this.finish(group, (e) => e.resolve({ status: 'retry' }))
      return
    }
    const landed: boolean[] = []
    try {
      for (const r of records) landed.push(await this.hooks.landed(r))
    } catch (lookup) {
      this.hooks.unresolved(lookup)
      this.finish(group, (e) => e.resolve({ status: 'unknown', error: err }))
      return
    }
    try {
      this.hooks.complete(records.filter((_, i) => landed[i]))
    } catch (applyErr) {
      this.finish(group, (e) => e.reject(applyErr))
      return
    }
    this.hooks.drop(records.filter((_, i) => !landed[i]).map((r) => r.seq))
    this.finish(group, (e, i) => e.resolve(landed[i] ? { status: 'committed' } : { status: 'retry' }))
  }

  /** After a failure the open events, never written ahead, go back to run alone. */
  private retryOpen(): void {
    const open = this.open.splice(0)
    this.finish(open, (e) => e.resolve({ status: 'retry' }))
  }

  /**
   * Ends the entries' part here, synchronously with what was done to their records: the group is
   * no longer in flight (so records left in storage now count as left over) and their keys are
   * released; then they are answered.
   */
  private finish(entries: Entry[], answer: (e: Entry, i: number) => void): void {
    if (entries === this.inFlight) this.inFlight = null
    for (const e of entries) for (const k of e.keys) this.live.delete(k)
    entries.forEach(answer)
  }

  private wake(): void {
    const idle = this.idle
    this.idle = null
    idle?.resolve()
  }
}

function promiseWithResolve(): { promise: Promise<void>; resolve: () => void } {
  let resolve = () => {}
  const promise = new Promise<void>((r) => {
    resolve = r
  })
  return { promise, resolve }
}
