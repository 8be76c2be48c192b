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
  SIGNATURE_HEADER,
  signWebhook,
  type VerifyWebhookOptions,
  verifyWebhook,
  type WebhookPayload,
} from './webhook.js'
