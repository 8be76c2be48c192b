/**
 * `@refline/node`: report signups, conversions and refunds to a Refline collector from any server
 * runtime with `fetch` and WebCrypto (Node >= 20, Bun, Deno, Cloudflare Workers).
 */
export { CLICK_COOKIE, type CookieSource, clickIdFrom } from './click-id.js'
export { Refline } from './client.js'
export {
  ReflineAbortError,
  ReflineApiError,
  ReflineAuthenticationError,
  ReflineConflictError,
  ReflineConnectionError,
  ReflineError,
  type ReflineErrorCode,
  type ReflineErrorOptions,
  ReflineNotFoundError,
  ReflinePermissionError,
  ReflineRateLimitError,
  ReflineSignatureError,
  ReflineTimeoutError,
  ReflineValidationError,
} from './errors.js'
export type * from './types.js'
export { VERSION } from './version.js'
export {
  DEFAULT_TOLERANCE_SECONDS,
  type SignedWebhookHeaders,
  signWebhook,
  type VerifyWebhookOptions,
  verifyWebhook,
  WEBHOOK_ID_HEADER,
  WEBHOOK_SIGNATURE_HEADER,
  WEBHOOK_TIMESTAMP_HEADER,
  type WebhookEvent,
  type WebhookEventType,
  type WebhookHeaders,
  type WebhookPayload,
} from './webhook.js'
