/** Inputs and results of the hub's RPC methods. */
import type { AffiliateRef, ErrorCode, LiveEventType, Mode } from '../shared'

export interface EventContext {
  programId: string
  mode: Mode
  /** Server time of the request (ms). */
  now: number
}

export type HubResult<T = unknown> =
  | { ok: true; status: 200 | 201 | 202; body: T; replayed: boolean }
  | { ok: false; code: ErrorCode; message: string; field?: string }

export function hubError(code: ErrorCode, message: string, field?: string): HubResult<never> {
  return field ? { ok: false, code, message, field } : { ok: false, code, message }
}

/** One thing that happened, for the live channel. */
export interface HubEvent {
  type: LiveEventType
  mode: Mode
  at: number
  affiliate: AffiliateRef | null
  amount?: number
  currency?: string
  status?: string
  message?: string
}

export interface ClickRecord {
  mode: Mode
  clickId: string
  prevClickId?: string | undefined
  ref: string
  url: string
  referrer?: string | undefined
  sub?: string | undefined
  ipHash: string
  /** Bots, HEAD and prefetch requests: kept countable for tracking health, never counted as clicks. */
  countable: boolean
  source: 'script' | 'link'
  at: number
}

/** A planned money event: the D1 statements, the answer, and what to record locally once D1 has it. */
export interface EventPlan<T> {
  statements: D1PreparedStatement[]
  body: T
  commit: () => void
  events: HubEvent[]
}
