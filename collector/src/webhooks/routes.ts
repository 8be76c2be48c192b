/**
 * Webhook endpoints (secret key): create, list, get, change, delete; the delivery log of an
 * endpoint and resending one delivery. An endpoint belongs to the key's program and mode.
 */
import { type Context, Hono } from 'hono'
import { z } from 'zod'
import { requireSecretKey } from '../lib/auth'
import type { AppEnv } from '../lib/env'
import { ApiError } from '../lib/errors'
import { assertKnownQuery } from '../lib/query'
import { readJson } from '../lib/validate'
import {
  countEndpoints,
  deleteEndpoint,
  deliveryJson,
  type EndpointRow,
  endpointJson,
  findDelivery,
  findEndpoint,
  insertEndpoint,
  listDeliveries,
  listEndpoints,
  MAX_ENDPOINTS,
  requeueDelivery,
  updateEndpoint,
} from './data'
import { kickWebhooks } from './enqueue'
import { allowPrivateUrls } from './env'
import { WEBHOOK_EVENT_TYPES } from './events'
import { checkWebhookUrl, MAX_URL_LENGTH } from './url-policy'

export const webhookRoutes = new Hono<AppEnv>()

webhookRoutes.use('/v1/webhook-endpoints', requireSecretKey)
webhookRoutes.use('/v1/webhook-endpoints/*', requireSecretKey)

const events = z
  .array(z.enum(WEBHOOK_EVENT_TYPES))
  .max(WEBHOOK_EVENT_TYPES.length)
  .refine((list) => new Set(list).size === list.length, 'must not repeat a type')

export const endpointInput = z.strictObject({
  url: z.string().min(1).max(MAX_URL_LENGTH),
  events: events.optional(),
})

export const endpointPatch = z.strictObject({
  url: z.string().min(1).max(MAX_URL_LENGTH).optional(),
  events: events.optional(),
  enabled: z.boolean().optional(),
})

/** Parses a strict schema; an unknown field is a 400 that names it. */
async function parseStrict<T extends z.ZodType>(c: Context, schema: T): Promise<z.infer<T>> {
  const result = schema.safeParse(await readJson(c))
  if (result.success) return result.data
  const issue = result.error.issues[0]
  if (issue?.code === 'unrecognized_keys') {
    const field = [...issue.path, issue.keys[0]].join('.')
    throw new ApiError('invalid_request', `Unknown field: ${field}`, field)
  }
  const field = issue?.path.length ? issue.path.join('.') : undefined
  throw new ApiError('invalid_request', field ? `${field}: ${issue?.message}` : 'Invalid body', field)
}

function allowedUrl(c: Context<AppEnv>, raw: string): string {
  const verdict = checkWebhookUrl(raw, allowPrivateUrls(c.env))
  if (!verdict.ok) throw new ApiError('invalid_request', verdict.reason, 'url')
  return verdict.url
}

async function endpointOf(c: Context<AppEnv>): Promise<EndpointRow> {
  const { programId, mode } = c.get('auth')
  const row = await findEndpoint(c.env.DB, programId, mode, c.req.param('id') ?? '')
  if (!row) throw new ApiError('not_found', 'No webhook endpoint with that id', 'id')
  return row
}

webhookRoutes.post('/v1/webhook-endpoints', async (c) => {
  const body = await parseStrict(c, endpointInput)
  const { programId, mode } = c.get('auth')
  const url = allowedUrl(c, body.url)
  if ((await countEndpoints(c.env.DB, programId, mode)) >= MAX_ENDPOINTS) {
    throw new ApiError('invalid_request', `A program has at most ${MAX_ENDPOINTS} endpoints per mode`, 'url')
  }
  const row = await insertEndpoint(c.env.DB, programId, mode, url, body.events ?? [])
  return c.json({ endpoint: endpointJson(row, true) }, 201)
})

webhookRoutes.get('/v1/webhook-endpoints', async (c) => {
  const { programId, mode } = c.get('auth')
  assertKnownQuery(c.req.query(), [])
  const rows = await listEndpoints(c.env.DB, programId, mode)
  return c.json({ endpoints: rows.map((r) => endpointJson(r)) })
})

webhookRoutes.get('/v1/webhook-endpoints/:id', async (c) => {
  assertKnownQuery(c.req.query(), [])
  return c.json({ endpoint: endpointJson(await endpointOf(c)) })
})

webhookRoutes.patch('/v1/webhook-endpoints/:id', async (c) => {
  const body = await parseStrict(c, endpointPatch)
  const row = await endpointOf(c)
  const url = body.url === undefined ? undefined : allowedUrl(c, body.url)
  const next = await updateEndpoint(c.env.DB, row, {
    ...(url === undefined ? {} : { url }),
    ...(body.events === undefined ? {} : { events: body.events }),
    ...(body.enabled === undefined ? {} : { enabled: body.enabled }),
  })
  return c.json({ endpoint: endpointJson(next) })
})

webhookRoutes.delete('/v1/webhook-endpoints/:id', async (c) => {
  const row = await endpointOf(c)
  await deleteEndpoint(c.env.DB, row.id)
  return c.json({ deleted: true, id: row.id })
})

const STATUSES = ['pending', 'delivered', 'failed'] as const

webhookRoutes.get('/v1/webhook-endpoints/:id/deliveries', async (c) => {
  assertKnownQuery(c.req.query(), ['status', 'limit'])
  const row = await endpointOf(c)
  const status = c.req.query('status')
  if (status !== undefined && !(STATUSES as readonly string[]).includes(status)) {
    throw new ApiError('invalid_request', `status must be one of ${STATUSES.join(', ')}`, 'status')
  }
  const rawLimit = c.req.query('limit')
  const limit = rawLimit === undefined ? 50 : Number(rawLimit)
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
    throw new ApiError('invalid_request', 'limit must be an integer from 1 to 100', 'limit')
  }
  const rows = await listDeliveries(c.env.DB, row.id, {
    limit,
    ...(status ? { status: status as (typeof STATUSES)[number] } : {}),
  })
  return c.json({ deliveries: rows.map(deliveryJson) })
})

webhookRoutes.post('/v1/webhook-endpoints/:id/deliveries/:delivery_id/resend', async (c) => {
  const endpoint = await endpointOf(c)
  if (endpoint.status !== 'enabled') {
    throw new ApiError(
      'conflict',
      'The endpoint is disabled; enable it with PATCH {"enabled": true} first',
      'id',
    )
  }
  const delivery = await findDelivery(c.env.DB, endpoint.id, c.req.param('delivery_id'))
  if (!delivery) throw new ApiError('not_found', 'No delivery with that id for this endpoint', 'delivery_id')
  if (delivery.status === 'pending') {
    throw new ApiError('conflict', 'The delivery is still pending; it will be retried', 'delivery_id')
  }
  const next = await requeueDelivery(c.env.DB, delivery, Date.now())
  await kickWebhooks(c.env, endpoint.programId)
  return c.json({ delivery: deliveryJson(next) }, 202)
})
