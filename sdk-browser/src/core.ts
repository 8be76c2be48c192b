/**
 * The tracker. It reads the affiliate code from the landing URL, keeps the click id in
 * first-party cookies, reports the click to the collector, hands the click id to forms and Stripe
 * links, and exposes `window.refline`. Every entry point is wrapped so that an error here never
 * reaches the host page. Written for size: the script tag build has a 1,000-byte gzip budget.
 */
import { decorate } from './decorate'
import type { Refline, ReflineCall, ReflineSettings } from './types'

const CLICK = 'rl_click'
const REF = 'rl_ref'

/** Wraps `fn` so that nothing it throws reaches the caller (the host page). */
const safe =
  <T>(fn: (arg: T) => void) =>
  (arg?: T): void => {
    try {
      fn(arg as T)
    } catch {}
  }

/** The raw value of cookie `name` (`rl_ref` stays escaped), or `undefined`. */
const readCookie = (name: string): string | undefined =>
  (document.cookie.match(`(^|; )${name}=([^;]*)`) || [])[2]

/**
 * Starts the tracker from a script tag, or anything shaped like one: `dataset` holds the
 * settings and `src` is where the script came from, the collector unless `data-api` says
 * otherwise.
 */
export const start = safe(
  ({ dataset: settings, src: scriptSrc }: { dataset: ReflineSettings; src?: string }) => {
    // biome-ignore lint/suspicious/noAssignInExpressions: the shortest form; every byte counts here
    const refline = (window.refline ||= {}) as Refline & { _rl?: 1 }
    // A second copy of the script (or a second init()) must not count the visit again.
    if (refline._rl) return
    refline._rl = 1
    const names = (settings.params || 'ref,via,aff').split(/[\s,]+/)
    // An attribute that does not apply comes out as ";undefined" or ";false": cookie parsers
    // ignore unknown attributes, and that is shorter than a conditional.
    const cookieAttributes = `;path=/;samesite=lax;${settings.domain && `domain=${settings.domain}`};${
      location.protocol === 'https:' && 'secure'
    };max-age=`
    let consent = !settings.consent
    const seen: Record<string, 1> = {}

    /**
     * Publishes the visitor's click id and affiliate code. `maxAge` in seconds: 0 deletes the
     * cookies, -1 leaves them as they are.
     */
    const use = (maxAge: number, clickId?: string, ref?: string) => {
      refline.clickId = clickId
      refline.ref = ref
      if (~maxAge) {
        // escape() keeps a crafted value from adding cookie attributes, in fewer bytes than
        // encodeURIComponent. Deleting writes "undefined" with Max-Age=0: the value is moot then.
        // biome-ignore lint/suspicious/noDocumentCookie: the Cookie Store API is not in every browser yet
        document.cookie = `${CLICK}=${escape(clickId!)}${cookieAttributes}${maxAge}`
        // biome-ignore lint/suspicious/noDocumentCookie: as above
        document.cookie = `${REF}=${escape(ref!)}${cookieAttributes}${maxAge}`
      }
    }

    /**
     * Brings everything up to date: records the current URL's click if it carries a ref (once per
     * URL, and only with consent), then hands the click id to the page. Runs at start, on consent,
     * after pushState()/replaceState() and after every DOM change, so single-page apps and
     * late-rendered forms are covered alike.
     */
    const sync = safe<unknown>(() => {
      // One URL is one click, however often it comes back: routers replaceState() the same URL
      // again, back and forward return to entries counted when they were created, and the DOM
      // changes all the time. Without consent the URL is not even read: consent(true) syncs again.
      const href = location.href
      if (consent && !seen[href]) {
        seen[href] = 1
        const url = new URL(href)
        const params = url.searchParams
        const redirected = params.get(CLICK)
        // The first ref parameter that has a value. Redirect links always say `ref=`, even where
        // data-params names other parameters (without rl_click, `ref` matches no parameter).
        const ref = params.get(names.find((name) => params.get(name)) || (redirected && 'ref')!)
        if (ref) {
          // 128 random bits as four decimal numbers joined by `-`: URL-, cookie- and Stripe-safe.
          // A redirect link recorded its click already and passed the id on: adopt it, send nothing.
          const clickId = redirected || crypto.getRandomValues(new Uint32Array(4)).join('-')
          // A string body goes as text/plain: a simple request, no CORS preflight. keepalive lets
          // it finish when the visitor follows a link at once.
          if (!redirected)
            fetch(new URL('v1/clicks', settings.api || scriptSrc), {
              method: 'POST',
              keepalive: true,
              body: JSON.stringify({
                key: settings.key,
                click_id: clickId,
                ref,
                url: href,
                referrer: document.referrer,
                sub: params.get('sub') || undefined,
                // The click this one replaces in the cookie, for first-click attribution.
                prev_click_id: refline.clickId,
              }),
            }).catch(() => {})
          use(86400 * ((settings.cookieDays as unknown as number) || 30), clickId, ref)
          if (settings.strip != null) {
            for (const name of [...names, 'sub', CLICK]) params.delete(name)
            history.replaceState(history.state, '', url)
          }
        }
      }
      decorate(refline.clickId)
    })

    refline.consent = safe((granted: boolean) => {
      consent = granted
      if (granted) use(-1, readCookie(CLICK), readCookie(REF))
      else use(0)
      sync()
    })

    // The tracker is ready once this runs: ready() calls back at once. Like everything here, it
    // lets no error escape, not even one from the callback.
    refline.ready = safe((callback: (refline: Refline) => void) => callback(refline))

    if (consent) refline.consent(true)

    // Single-page apps change the URL without a page load: follow pushState() and replaceState().
    // Not popstate: back and forward return to entries already counted when they were created.
    for (const method of ['pushState', 'replaceState'] as const) {
      const original = history[method]
      history[method] = (...args: Parameters<History['pushState']>) => sync(original.apply(history, args))
    }

    new MutationObserver(sync).observe(document, { childList: true, subtree: true })

    // Calls queued on the stub before the script loaded.
    for (const call of (refline.q || []) as ReflineCall[])
      (refline[call[0]] as (arg: unknown) => void)(call[1])
  },
)
