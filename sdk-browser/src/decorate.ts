/**
 * Hands the click id to the page: hidden form inputs, Stripe Payment Links (`client_reference_id`)
 * and Stripe pricing tables (`client-reference-id`), so a checkout is attributed
 * with no backend code. One query for all of them keeps it cheap enough to run on every DOM change.
 */

const SELECTOR = '[name=refline_click_id],a[href^="https://buy.stripe.com/"],stripe-pricing-table'

export const decorate = (clickId: string | undefined): void => {
  if (clickId)
    for (const el of document.querySelectorAll<HTMLAnchorElement & HTMLInputElement>(SELECTOR)) {
      if (el.href) {
        const url = new URL(el.href)
        url.searchParams.set('client_reference_id', clickId)
        el.href = url as unknown as string
      }
      // A hidden input's value is its value attribute; the pricing table reads the attribute.
      else el.setAttribute(el.name ? 'value' : 'client-reference-id', clickId)
    }
}
