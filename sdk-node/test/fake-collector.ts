/**
 * A tiny HTTP collector stand-in for the Workers-runtime test: it fails each event's first
 * attempt with a 503 so the SDK has to retry over a real socket, and it can stall to force a
 * timeout. Started by vitest's globalSetup in Node; the test inside workerd reaches it with the
 * runtime's own global fetch.
 */
import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { TestProject } from 'vitest/node'

declare module 'vitest' {
  export interface ProvidedContext {
    fakeCollectorUrl: string
  }
}

interface Seen {
  attempts: number
  headers: IncomingMessage['headers']
  bodies: unknown[]
}

export default async function setup(project: TestProject) {
  const seen = new Map<string, Seen>()
  const server = createServer((req, res) => {
    let raw = ''
    req.on('data', (chunk) => {
      raw += chunk
    })
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x')
      const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'content-type': 'application/json', ...headers })
        res.end(JSON.stringify(body))
      }
      if (url.pathname === '/v1/conversions' && req.method === 'POST') {
        const body = JSON.parse(raw) as { event_id: string; amount: number }
        if (body.amount === 13) return // never answers: the SDK's timeout must fire
        const entry = seen.get(body.event_id) ?? { attempts: 0, headers: req.headers, bodies: [] }
        entry.attempts += 1
        entry.bodies.push(body)
        seen.set(body.event_id, entry)
        if (entry.attempts === 1) {
          return send(503, { error: { code: 'internal', message: 'warming up' } }, { 'retry-after': '0' })
        }
        return send(201, {
          conversion: { id: 'cv_1', event_id: body.event_id, affiliate: null, commission: null },
        })
      }
      if (url.pathname === '/v1/signups' && req.method === 'POST') {
        const body = JSON.parse(raw) as { customer_id: string; click_id?: string; email?: string }
        if (body.email && !body.email.includes('@')) {
          const error = { code: 'invalid_request', message: 'email is invalid', field: 'email' }
          return send(400, { error }, { 'request-id': 'req_workerd' })
        }
        // Any click id stands for a click on jane's link.
        const affiliate = body.click_id ? { id: 'aff_1', code: 'jane' } : null
        return send(201, { signup: { id: 'sgn_1', customer_id: body.customer_id, affiliate } })
      }
      if (url.pathname === '/seen') {
        const entry = seen.get(url.searchParams.get('event_id') ?? '')
        return send(200, entry ?? null)
      }
      send(404, { error: { code: 'not_found', message: 'no route' } })
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  project.provide('fakeCollectorUrl', `http://127.0.0.1:${port}`)
  return () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections() // the stalled request's socket would otherwise hold close() open
      server.close(() => resolve())
    })
}
