/** The install snippets the Programs page fills in with a new program's keys and this collector's origin. */

export function scriptSnippet(origin: string, publishableKey: string): string {
  return `<script defer src="${origin}/r.js" data-key="${publishableKey}"></script>`
}

export function envSnippet(secretKey: string): string {
  return `REFLINE_SECRET_KEY=${secretKey}`
}

export function nodeSnippet(origin: string): string {
  return `import { Refline } from '@refline/node'

const refline = new Refline({
  secretKey: process.env.REFLINE_SECRET_KEY!,
  baseUrl: '${origin}',
})

// When someone signs up (the click id comes from the rl_click cookie the script sets):
await refline.trackSignup({ customerId: user.id, clickId: Refline.clickIdFrom(request), email: user.email })
// When they pay:
await refline.trackConversion({ eventId: invoice.id, customerId: user.id, amount: 4900, currency: 'USD' })`
}
