/**
 * The outgoing webhook event types and the wire shape of a delivery's body, as the contract
 * lists them (DESIGN.md, *Contract: outgoing webhooks*).
 */

export const WEBHOOK_EVENT_TYPES = [
  'affiliate.created',
  'affiliate.approved',
  'signup.created',
  'conversion.created',
  'refund.created',
  'commission.updated',
  'payout.paid',
  'alert.raised',
] as const

export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number]

/** The JSON body of every delivery; `id` is also the `webhook-id` header. */
export interface WebhookEvent<T = unknown> {
  id: string
  type: WebhookEventType
  created_at: string
  data: T
}

/** An endpoint as the API lists it; `secret` only in the answer that creates it. */
export interface WebhookEndpoint {
  id: string
  url: string
  events: WebhookEventType[]
  status: 'enabled' | 'disabled'
  disabled_reason: string | null
  mode: 'live' | 'test'
  created_at: string
  secret?: string
}

/** One event × endpoint in the delivery log. */
export interface WebhookDelivery {
  id: string
  event_id: string
  type: WebhookEventType
  status: 'pending' | 'delivered' | 'failed'
  attempts: number
  response_code: number | null
  last_error: string | null
  next_attempt_at: string | null
  last_attempt_at: string | null
  delivered_at: string | null
  created_at: string
}
