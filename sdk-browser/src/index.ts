/**
 * @refline/browser for bundlers. The same tracker as the `<script>` tag build, started from code:
 * pass the settings the tag would carry as `data-*` attributes.
 */
import { start } from './core'
import type { Refline, ReflineOptions } from './types'

export type { Refline, ReflineCall, ReflineOptions } from './types'

/**
 * Starts tracking on this page and returns `window.refline`. Safe to call more than once (later
 * calls return the running tracker) and on the server (it returns `undefined` without a DOM).
 *
 * @example
 * import { init } from '@refline/browser'
 *
 * const refline = init({ key: 'pk_live_…', api: 'https://refline.example.com', strip: true })
 * refline?.ready(({ clickId }) => console.log('click id', clickId))
 */
export const init = (options: ReflineOptions): Refline | undefined => {
  try {
    const { cookieDays, strip, consent, ...rest } = options
    // The same shape as a script tag's dataset, where an attribute is a string or absent.
    start({
      dataset: {
        ...rest,
        cookieDays: cookieDays?.toString(),
        consent: consent === 'pending' ? consent : undefined,
        strip: strip ? '' : undefined,
      },
    })
    return window.refline as Refline
  } catch {
    return undefined
  }
}
