/**
 * A local server that answers Stripe's own API paths and shapes for reconciliation: `GET
 * /v1/invoices` as a paginated list and `GET /v1/invoices/:id` with Stripe's 404, per restricted
 * key (the bearer), as api.stripe.com does. The collector reaches it through `STRIPE_API_BASE`;
 * nothing reaches the internet. Every request is recorded, so a test can count what Stripe was asked.
 */
import { readFileSync } from 'node:fs'
import { createServer, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

// biome-ignore lint/suspicious/noExplicitAny: Stripe objects as JSON
type Json = any

const DAY = 86_400

/** A paid invoice in Stripe's real shape: the basil fixture's object with the fields that matter set. */
const template: Json = JSON.parse(
  readFileSync(
    join(
      dirname(fileURLToPath(import.meta.url)),
      '..',
      'src',
      'stripe',
      'fixtures',
      'invoice-paid-basil.json',
    ),
    'utf8',
  ),
).data.object

export function invoice(o: {
  id: string
  customer: string
  amount?: number
  status?: string
  daysAgo?: number
  livemode: boolean
}): Json {
  const created = Math.floor(Date.now() / 1000) - Math.round((o.daysAgo ?? 1) * DAY)
  const paid = (o.status ?? 'paid') === 'paid'
  const amount = o.amount ?? 4900
  return {
    ...structuredClone(template),
    id: o.id,
    customer: o.customer,
    status: o.status ?? 'paid',
    amount_due: amount,
    amount_paid: paid ? amount : 0,
    amount_remaining: paid ? 0 : amount,
    total: amount,
    subtotal: amount,
    currency: 'usd',
    created,
    livemode: o.livemode,
    status_transitions: {
      ...template.status_transitions,
      finalized_at: created,
      paid_at: paid ? created + 2 : null,
    },
  }
}

export interface FakeStripe {
  /** Stripe's books, per restricted key: a key sees its own objects only; an unknown key is a 401. */
  books: Record<string, Json[]>
  /** Every request received: its method and path, and its bearer. */
  seen: Array<{ path: string; bearer: string }>
  /** `http://127.0.0.1:<port>`, for `STRIPE_API_BASE`. */
  url: string
  close(): Promise<void>
}

export async function startFakeStripe(): Promise<FakeStripe> {
  const books: Record<string, Json[]> = {}
  const seen: FakeStripe['seen'] = []
  const stripeError = (res: ServerResponse, status: number, error: Json) => {
    res.writeHead(status, { 'content-type': 'application/json', 'request-id': `req_${seen.length}` })
    res.end(JSON.stringify({ error }))
  }
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    const bearer = (req.headers.authorization ?? '').replace(/^Bearer /, '')
    seen.push({ path: `${req.method} ${url.pathname}`, bearer })
    const book = books[bearer]
    if (!book) {
      return stripeError(res, 401, {
        message: `Invalid API Key provided: ${bearer.slice(0, 8)}****${bearer.slice(-4)}`,
        type: 'invalid_request_error',
      })
    }
    if (req.method === 'GET' && url.pathname === '/v1/invoices') {
      const q = url.searchParams
      const gte = Number(q.get('created[gte]') ?? 0)
      const lte = Number(q.get('created[lte]') ?? Number.MAX_SAFE_INTEGER)
      const limit = Math.min(100, Number(q.get('limit') ?? 10))
      // Newest first, as Stripe lists; `starting_after` is the last id of the previous page.
      let rows = book
        .filter(
          (i) => (!q.get('status') || i.status === q.get('status')) && i.created >= gte && i.created <= lte,
        )
        .sort((a, b) => b.created - a.created || (a.id < b.id ? 1 : -1))
      const after = q.get('starting_after')
      if (after) rows = rows.slice(rows.findIndex((i) => i.id === after) + 1)
      res.writeHead(200, { 'content-type': 'application/json', 'request-id': `req_${seen.length}` })
      return res.end(
        JSON.stringify({
          object: 'list',
          data: rows.slice(0, limit),
          has_more: rows.length > limit,
          url: '/v1/invoices',
        }),
      )
    }
    const one = /^\/v1\/invoices\/([^/]+)$/.exec(url.pathname)
    if (req.method === 'GET' && one) {
      const found = book.find((i) => i.id === decodeURIComponent(one[1] ?? ''))
      if (found) {
        res.writeHead(200, { 'content-type': 'application/json' })
        return res.end(JSON.stringify(found))
      }
      return stripeError(res, 404, {
        code: 'resource_missing',
        doc_url: 'https://stripe.com/docs/error-codes/resource-missing',
        message: `No such invoice: '${one[1]}'`,
        param: 'invoice',
        type: 'invalid_request_error',
      })
    }
    return stripeError(res, 404, {
      message: `Unrecognized request URL (${req.method}: ${url.pathname}).`,
      type: 'invalid_request_error',
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  return {
    books,
    seen,
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
