/**
 * The bindings the webhooks capability reads on top of the collector's `Env`. Kept here so the
 * capability is one folder; the values are optional so a deployment without them still runs.
 */
import type { Env } from '../lib/env'
import type { WebhookDispatcher } from './dispatcher'
import { retryScale } from './schedule'

export interface WebhooksEnv extends Env {
  /** One `WebhookDispatcher` Durable Object per program. */
  WEBHOOKS?: DurableObjectNamespace<WebhookDispatcher>
  /** `"true"` only in local development and tests: allows http and private addresses. */
  WEBHOOKS_ALLOW_PRIVATE?: string
  /** Tests only: a factor in (0, 1] applied to every retry delay. */
  WEBHOOKS_RETRY_SCALE?: string
}

export function webhooksEnv(env: Env): WebhooksEnv {
  return env as WebhooksEnv
}

export function allowPrivateUrls(env: Env): boolean {
  return webhooksEnv(env).WEBHOOKS_ALLOW_PRIVATE === 'true'
}

export function retryScaleOf(env: Env): number {
  return retryScale(webhooksEnv(env).WEBHOOKS_RETRY_SCALE)
}
