/**
 * Public types of the browser script: the options `init()` takes (the same settings as the
 * `data-*` attributes of the `<script>` tag) and the `window.refline` object.
 */

/** Settings of the tracker. Each one mirrors a `data-*` attribute of the script tag. */
export interface ReflineOptions {
  /** Publishable key, `pk_live_…` or `pk_test_…` (`data-key`). */
  key: string
  /** Collector origin, e.g. `https://refline.example.com` (`data-api`). */
  api: string
  /** Query parameters that carry the affiliate code, comma separated (`data-params`, default `ref,via,aff`). */
  params?: string
  /** Cookie lifetime in days (`data-cookie-days`, default 30). */
  cookieDays?: number
  /** Cookie domain, e.g. `.example.com` to share the cookies across subdomains (`data-domain`). */
  domain?: string
  /** `'pending'`: set no cookie and send nothing until `refline.consent(true)` (`data-consent`). */
  consent?: 'pending' | 'granted'
  /** Remove the ref parameters from the address bar once read (`data-strip`). */
  strip?: boolean
}

/**
 * The settings as the core reads them: the shape of the script tag's `dataset`, where every
 * value is a string and a boolean attribute is present (`''`) or absent (`undefined`).
 */
export interface ReflineSettings {
  key?: string
  api?: string
  params?: string
  cookieDays?: string
  domain?: string
  consent?: string
  strip?: string
}

/** A call queued on the stub before the script loaded, e.g. `['consent', true]`. */
export type ReflineCall = ['consent', boolean] | ['ready', (refline: Refline) => void]

/** `window.refline`. */
export interface Refline {
  /** The visitor's click id (the `rl_click` cookie), once known. */
  clickId?: string
  /** The affiliate code the visitor came with (the `rl_ref` cookie), once known. */
  ref?: string
  /** Grant (`true`) or refuse (`false`) consent; refusing deletes Refline's cookies. */
  consent(granted: boolean): void
  /**
   * Calls `callback(refline)` once the script has loaded and read the page's URL: at once when it
   * has (queued on the stub before that). With consent pending, `clickId` is only known after
   * `consent(true)`. An error thrown by the callback is swallowed, like any error in the tracker.
   */
  ready(callback: (refline: Refline) => void): void
  /** Calls queued before the script loaded; after load, `q.push()` runs a call at once. */
  q: { push(call: ReflineCall): unknown }
}

declare global {
  interface Window {
    refline?: Partial<Refline> & { _rl?: 1 }
  }
}
