/**
 * Acme Analytics, a demo SaaS integrated with Refline. Read this file to learn the integration:
 *
 *   1. pages.ts puts the script tag on every page:
 *        <script defer src="COLLECTOR/r.js" data-key="pk_…"></script>
 *      and a hidden `refline_click_id` input in the signup form.
 *   2. POST /signup  → refline.trackSignup()      (attributes the customer to the affiliate)
 *   3. POST /upgrade → refline.trackConversion()  (the affiliate earns a commission)
 *   4. POST /refund  → refline.trackRefund()      (the commission is reversed)
 *   5. POST /stripe-checkout, /stripe-refund: no Refline code at all — stripe-sim.ts plays Stripe
 *      and sends signed webhooks to the collector, as a real account does (docs/stripe.md).
 *
 * Everything else (users, sessions, "payments") is a stand-in kept in memory.
 * Run: `pnpm dev` at the repo root, or `pnpm --filter @refline/saas-demo start`.
 */
import { randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Refline, ReflineError } from '@refline/node'
import { loadConfig } from './config.ts'
import { landingPage, pricingPage } from './pages.ts'
import { type SimCheckout, StripeSim } from './stripe-sim.ts'

const config = (() => {
  try {
    return loadConfig()
  } catch (err) {
    console.error((err as Error).message)
    process.exit(1)
  }
})()

// One client per process. The secret key never leaves the server.
const refline = new Refline({ secretKey: config.secretKey, baseUrl: config.baseUrl })
// Plays Stripe for the "Pay with Stripe (simulated)" button; registers its signing secret on first use.
const stripeSim = new StripeSim({ baseUrl: config.baseUrl, secretKey: config.secretKey })

interface User {
  id: string
  email: string
  plan: 'free' | 'pro'
  /** Id of the paid invoice: the conversion's event id, needed again to refund it. */
  invoiceId?: string
  /** The simulated Stripe checkout, when the user paid that way. */
  stripeSale?: SimCheckout
  flash?: { text: string; error: boolean }
}

const sessions = new Map<string, User>()

const routes: Record<string, (req: IncomingMessage, res: ServerResponse, user?: User) => Promise<void>> = {
  'GET /': async (req, res, user) => {
    html(res, landingPage(config, !!user, Refline.clickIdFrom(req)))
  },

  'POST /signup': async (req, res) => {
    const form = await readForm(req)
    const user: User = {
      id: `cus_${randomBytes(8).toString('hex')}`,
      email: form.get('email') ?? '',
      plan: 'free',
    }
    const sessionId = randomBytes(18).toString('base64url')
    sessions.set(sessionId, user)

    // The click id comes from the hidden input r.js filled in, or straight from the rl_click
    // cookie when the form was posted before the script ran.
    await track(user, async () => {
      const { signup } = await refline.trackSignup({
        customerId: user.id,
        clickId: form.get('refline_click_id') || Refline.clickIdFrom(req),
        email: user.email,
      })
      return signup.affiliate ? `Signup referred by ${signup.affiliate.code}` : 'Signup with no referrer'
    })

    res.setHeader('set-cookie', `demo_session=${sessionId}; Path=/; HttpOnly; SameSite=Lax`)
    redirect(res, '/pricing')
  },

  'GET /pricing': async (_req, res, user) => {
    if (!user) return redirect(res, '/')
    html(res, pricingPage(config, user, user.flash))
    user.flash = undefined
  },

  'POST /upgrade': async (_req, res, user) => {
    if (!user) return redirect(res, '/')
    // Your payment provider's invoice id. As the event id it makes the call idempotent: a retry,
    // or a replayed payment webhook, never counts the $49 twice.
    const invoiceId = `inv_${randomBytes(8).toString('hex')}`
    user.plan = 'pro'
    user.invoiceId = invoiceId
    await track(user, async () => {
      const { conversion } = await refline.trackConversion({
        eventId: invoiceId,
        customerId: user.id,
        amount: 4900, // minor units: $49.00
        currency: 'USD',
      })
      const c = conversion.commission
      return c
        ? `Upgrade recorded: ${conversion.affiliate?.code} earns ${money(c.amount)} ${c.currency} (${c.status})`
        : 'Upgrade recorded, no affiliate to pay'
    })
    redirect(res, '/pricing')
  },

  'POST /refund': async (_req, res, user) => {
    if (!user?.invoiceId) return redirect(res, '/pricing')
    const invoiceId = user.invoiceId
    user.plan = 'free'
    user.invoiceId = undefined
    await track(user, async () => {
      const { refund } = await refline.trackRefund({
        eventId: `refund_${invoiceId}`,
        conversionEventId: invoiceId,
      })
      const c = refund.commission
      return `Refund of ${money(refund.amount)} USD recorded${c ? `; commission now ${money(c.amount)} (${c.status})` : ''}`
    })
    redirect(res, '/pricing')
  },

  // No Refline call here: the (simulated) Stripe account sends its webhooks to the collector.
  'POST /stripe-checkout': async (req, res, user) => {
    if (!user) return redirect(res, '/')
    await track(user, async () => {
      const { sale, answer } = await stripeSim.checkout({
        clickId: Refline.clickIdFrom(req),
        email: user.email,
        amount: 4900,
      })
      user.plan = 'pro'
      user.stripeSale = sale
      const c = (answer.conversion as { conversion?: ConversionAnswer } | undefined)?.conversion
      return c?.commission
        ? `Stripe checkout recorded by webhook: ${c.affiliate?.code} earns ${money(c.commission.amount)} ${c.commission.currency}`
        : 'Stripe checkout recorded by webhook, no affiliate to pay'
    })
    redirect(res, '/pricing')
  },

  'POST /stripe-refund': async (_req, res, user) => {
    const sale = user?.stripeSale
    if (!user || !sale) return redirect(res, '/pricing')
    user.plan = 'free'
    user.stripeSale = undefined
    await track(user, async () => {
      const answer = await stripeSim.refund(sale, sale.amount)
      const refund = (answer.refund as { refund?: { amount: number } } | undefined)?.refund
      return refund
        ? `Stripe refund of ${money(refund.amount)} USD recorded by webhook`
        : JSON.stringify(answer)
    })
    redirect(res, '/pricing')
  },

  'POST /logout': async (req, res) => {
    sessions.delete(sessionIdOf(req) ?? '')
    res.setHeader('set-cookie', 'demo_session=; Path=/; Max-Age=0')
    redirect(res, '/')
  },

  'GET /healthz': async (_req, res) => {
    res.end('ok')
  },
}

/**
 * Tracking must never break signup or checkout: the SDK already retried network errors and 5xx,
 * so a failure here is logged and shown, and the user carries on. (In production, queue the
 * call and try again later; the event id keeps that safe.)
 */
async function track(user: User, call: () => Promise<string>): Promise<void> {
  try {
    user.flash = { text: await call(), error: false }
  } catch (err) {
    const detail =
      err instanceof ReflineError
        ? `${err.code}${err.field ? ` (${err.field})` : ''}: ${err.message}`
        : String(err)
    console.error('Refline:', detail)
    user.flash = { text: `Refline error ${detail}`, error: true }
  }
}

const server = createServer(async (req, res) => {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname
  const route = routes[`${req.method} ${path}`]
  if (!route) {
    res.statusCode = 404
    return res.end('Not found')
  }
  try {
    await route(req, res, sessions.get(sessionIdOf(req) ?? ''))
  } catch (err) {
    console.error(err)
    res.statusCode = 500
    res.end('Internal error')
  }
})

// A taken port is a message, not a stack trace (`pnpm dev` checks first; this is for `start`).
server.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EADDRINUSE' && err.code !== 'EACCES') throw err
  console.error(
    `Port ${config.port} is ${err.code === 'EADDRINUSE' ? 'already in use' : 'not allowed'}: set PORT (or DEMO_PORT with pnpm dev) to another one.`,
  )
  process.exit(1)
})

server.listen(config.port, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo
  console.log(`Demo SaaS on http://127.0.0.1:${port} (Refline collector ${config.baseUrl})`)
})

// Ctrl+C or `pnpm dev` stopping: leave quietly.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(0))

const money = (minor: number) => (minor / 100).toFixed(2)

interface ConversionAnswer {
  affiliate: { code: string } | null
  commission: { amount: number; currency: string } | null
}

function html(res: ServerResponse, body: string): void {
  res.setHeader('content-type', 'text/html; charset=utf-8')
  res.end(body)
}

function redirect(res: ServerResponse, location: string): void {
  res.writeHead(303, { location }).end()
}

function sessionIdOf(req: IncomingMessage): string | undefined {
  return /(?:^|;\s*)demo_session=([^;]+)/.exec(req.headers.cookie ?? '')?.[1]
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  let body = ''
  for await (const chunk of req) {
    body += chunk
    if (body.length > 10_000) break
  }
  return new URLSearchParams(body)
}
