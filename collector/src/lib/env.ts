/** Bindings and per-request variables of the collector Worker. */

import type { ProgramHub } from '../hub/program-hub'
import type { Mode } from '../shared'

export interface Env {
  DB: D1Database
  HUB: DurableObjectNamespace<ProgramHub>
  ADMIN_TOKEN?: string
  PUBLIC_URL?: string
  /** The founder's own site domain (e.g. `acme.com`): `/go/` and clicks set first-party cookies there (lib/first-party-cookies.ts). */
  COOKIE_DOMAIN?: string
  /** Rate Limiting bindings (wrangler.jsonc `ratelimits`; see lib/rate-limit.ts). */
  SIGN_IN_LIMITER?: RateLimit
  AUTH_FAILURE_LIMITER?: RateLimit
  CLICK_LIMITER?: RateLimit
  JOIN_LIMITER?: RateLimit
  /** Seconds a click may wait in its hub before it is sent to D1 (hub/outbox.ts; default 300). */
  CLICK_FLUSH_SECONDS?: string
  /** 'on' only in the bench: answers each request's D1 usage in headers (lib/d1-meter.ts). */
  D1_METER?: string
  /** 'on' only in tests: lets a test make the hub fail at a chosen point (ProgramHub.setFault). */
  TEST_FAULTS?: string
}

export interface AuthContext {
  programId: string
  mode: Mode
  keyId: string
}

export interface AppEnv {
  Bindings: Env
  Variables: { auth: AuthContext }
}

/** The program's hub: one Durable Object per program, the serialization point. */
export function hubFor(env: Env, programId: string) {
  return env.HUB.get(env.HUB.idFromName(programId))
}

/** Public origin used in links: PUBLIC_URL when set, else the request's own origin. */
export function publicOrigin(env: Env, requestUrl: string): string {
  return env.PUBLIC_URL ? env.PUBLIC_URL.replace(/\/$/, '') : new URL(requestUrl).origin
}
