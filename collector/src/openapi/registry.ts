/**
 * The OpenAPI registry: every route module describes its endpoints here (`describeRoute`), with
 * the same zod schemas its validators use, and `buildDocument()` turns the registry into the
 * OpenAPI 3.1 document served at `/v1/openapi.json`. One source: a field added to a validator is
 * in the document at once, and a route that is mounted but never described fails
 * test/openapi.test.ts.
 */
import { z } from 'zod'

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete'

/**
 * Who may call an endpoint. Each maps to the security schemes of the document (see
 * SECURITY_SCHEMES); `publishable` and `none` have no header to declare (the publishable key
 * travels in the body field `key`).
 */
export type Credential =
  | 'none'
  | 'publishable'
  | 'secret'
  /** A secret key of live mode: a test key is `403 forbidden`. */
  | 'live_secret'
  /** A secret key of test mode: a live key is `403 forbidden`. */
  | 'test_secret'
  | 'admin'
  | 'stripe_signature'
  /** `GET /v1/live`: session cookie, portal token or live token. */
  | 'live_channel'

export interface ResponseDoc {
  description: string
  /** The JSON body; omitted for bodiless answers (302, 204). */
  schema?: z.ZodType
  /** Defaults to application/json. */
  contentType?: string
  headers?: Record<string, { description: string; schema?: Record<string, unknown> }>
}

export interface RouteDoc {
  method: HttpMethod
  /** The Hono path, e.g. `/v1/affiliates/:id`. */
  path: string
  summary: string
  description?: string
  tag: string
  auth: Credential
  /** Request body (JSON) schema, the route's own validator. */
  body?: z.ZodType
  /** Media types the body may be sent as (default application/json). */
  bodyTypes?: readonly string[]
  /** The body may be left out entirely (e.g. `POST /v1/live/tokens`). */
  bodyOptional?: boolean
  /** Query parameters, as a zod object of optional strings. */
  query?: z.ZodObject
  /** Path parameter descriptions, by name. */
  params?: Record<string, string>
  /** Success answers, by status. Error answers are added from `errors`. */
  responses: Record<number, ResponseDoc>
  /** 4xx statuses this endpoint may answer besides the auth ones (always the one error shape). */
  errors?: readonly number[]
  /** Money events: a replay answers 200 with `Idempotent-Replayed: true`. */
  idempotent?: boolean
}

const routes = new Map<string, RouteDoc>()
const duplicates: string[] = []

function key(method: string, path: string): string {
  return `${method.toUpperCase()} ${path}`
}

/**
 * Adds endpoints to the document. Describing the same method and path twice is a bug, but not
 * one worth failing the Worker's start over: the first description stays and test/openapi.test.ts
 * fails on `duplicateRoutes()`.
 */
export function describeRoute(...docs: RouteDoc[]): void {
  for (const doc of docs) {
    const k = key(doc.method, doc.path)
    if (routes.has(k)) duplicates.push(k)
    else routes.set(k, doc)
  }
}

/** Endpoints described more than once (should be none). */
export function duplicateRoutes(): string[] {
  return [...duplicates]
}

/** Every described endpoint, as `METHOD /path` with Hono's `:param` syntax. */
export function describedRoutes(): string[] {
  return [...routes.keys()].sort()
}

export function routeDocs(): RouteDoc[] {
  return [...routes.values()]
}

/** `/v1/affiliates/:id` → `/v1/affiliates/{id}`. */
export function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z0-9_]+)(\{[^}]*\})?/g, '{$1}')
}

function pathParams(path: string): string[] {
  return [...path.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1] as string)
}

type JsonSchema = Record<string, unknown>

/** A request schema as JSON Schema 2020-12 (what OpenAPI 3.1 embeds), describing the input side. */
export function inputSchema(schema: z.ZodType): JsonSchema {
  const { $schema: _, ...json } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' })
  return json
}

/**
 * A response schema: the output side (after transforms), as a client receives it. Answer objects
 * are left open (no `additionalProperties: false`): the contract grows by adding fields, and a
 * client built from this document must keep accepting newer answers.
 */
export function outputSchema(schema: z.ZodType): JsonSchema {
  const { $schema: _, ...json } = z.toJSONSchema(schema, { io: 'output', unrepresentable: 'any' })
  return openObjects(json) as JsonSchema
}

function openObjects(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(openObjects)
  if (!value || typeof value !== 'object') return value
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(value)) {
    if (k === 'additionalProperties' && v === false) continue
    out[k] = openObjects(v)
  }
  return out
}

export const ERROR_CODES = [
  'invalid_request',
  'unauthorized',
  'forbidden',
  'not_found',
  'conflict',
  'rate_limited',
  'payload_too_large',
  'internal',
] as const

/** The one error shape of every 4xx and 5xx answer. */
export const errorSchema = z.object({
  error: z.object({
    code: z.enum(ERROR_CODES),
    message: z.string(),
    field: z.string().optional().describe('The offending input, when there is one'),
  }),
})

const ERROR_TEXT: Record<number, string> = {
  400: 'Bad input (`invalid_request`): `field` names it. Unknown body fields are refused by name.',
  401: 'No credential, or an unknown or revoked one (`unauthorized`)',
  403: 'The credential may not do this (`forbidden`): a publishable key on a secret endpoint, a test key on a live record or setting',
  404: 'No such record for this credential (`not_found`)',
  409: 'Conflict (`conflict`): an `event_id` reused with another body, a taken code, a locked record',
  413: 'Body over 32 KB (`payload_too_large`)',
  429: 'Too many attempts (`rate_limited`); retry after `Retry-After` seconds',
  502: 'A service the answer depends on (Stripe) could not be reached or failed (`internal`)',
}

const RETRY_AFTER = {
  description: 'Seconds to wait before trying again',
  schema: { type: 'integer', minimum: 1 },
}

const IDEMPOTENT_REPLAYED = {
  description: '`true` when this answer replays the first result for the same `event_id`',
  schema: { type: 'string', enum: ['true'] },
}

export const SECURITY_SCHEMES = {
  secretKey: {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'sk_live_… | sk_test_…',
    description: 'A secret key, server-side only. Test keys act on test data only.',
  },
  adminToken: {
    type: 'http',
    scheme: 'bearer',
    description: "The deployment's ADMIN_TOKEN secret (at least 16 characters).",
  },
  stripeSignature: {
    type: 'apiKey',
    in: 'header',
    name: 'Stripe-Signature',
    description: "Stripe's signature of the event, checked with the program's endpoint signing secret.",
  },
  sessionCookie: {
    type: 'apiKey',
    in: 'cookie',
    name: 'rl_session',
    description: 'The dashboard session (signed in with the admin token).',
  },
  liveToken: {
    type: 'apiKey',
    in: 'query',
    name: 'token',
    description: 'An affiliate portal token, or a live token from `POST /v1/live/tokens`.',
  },
} as const

const SECURITY: Record<Credential, Array<Record<string, string[]>>> = {
  none: [],
  publishable: [],
  secret: [{ secretKey: [] }],
  live_secret: [{ secretKey: [] }],
  test_secret: [{ secretKey: [] }],
  admin: [{ adminToken: [] }],
  stripe_signature: [{ stripeSignature: [] }],
  live_channel: [{ sessionCookie: [] }, { liveToken: [] }],
}

const CREDENTIAL_TEXT: Record<Credential, string> = {
  none: 'No credential.',
  publishable:
    'The publishable key (`pk_live_…`/`pk_test_…`) in the body field `key`; a secret key there is `403`.',
  secret: 'A secret key (live or test).',
  live_secret: 'The live secret key; a test key is `403 forbidden`.',
  test_secret: 'A test secret key; a live key is `403 forbidden`.',
  admin: 'The admin token.',
  stripe_signature: 'The `Stripe-Signature` header of a Stripe webhook delivery.',
  live_channel: 'The dashboard session cookie, an affiliate portal token or a live token (`?token=`).',
}

/** 4xx answers every endpoint with this credential may give. */
function authErrors(auth: Credential): number[] {
  switch (auth) {
    case 'none':
      return []
    case 'publishable':
      return [401, 403, 429]
    case 'stripe_signature':
      return []
    case 'admin':
      return [401, 429]
    case 'live_channel':
      return [401, 403, 429]
    default:
      return [401, 403, 429]
  }
}

function errorResponse(status: number): Record<string, unknown> {
  return {
    description: ERROR_TEXT[status] ?? 'Error',
    ...(status === 429 ? { headers: { 'Retry-After': RETRY_AFTER } } : {}),
    content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
  }
}

function successResponse(doc: ResponseDoc, idempotent: boolean): Record<string, unknown> {
  const headers: Record<string, unknown> = { ...(doc.headers ?? {}) }
  if (idempotent) headers['Idempotent-Replayed'] = IDEMPOTENT_REPLAYED
  return {
    description: doc.description,
    ...(Object.keys(headers).length ? { headers } : {}),
    ...(doc.schema
      ? {
          content: {
            [doc.contentType ?? 'application/json']: {
              schema:
                doc.contentType && doc.contentType !== 'application/json'
                  ? { type: 'string' }
                  : outputSchema(doc.schema),
            },
          },
        }
      : {}),
  }
}

/**
 * A JSON body sent as `text/plain` (the click beacon, to avoid a CORS preflight) is, to a
 * validator, a string: its JSON shape goes in `contentSchema` (JSON Schema 2020-12).
 */
function bodySchema(type: string, schema: z.ZodType): JsonSchema {
  if (type === 'application/json') return inputSchema(schema)
  return { type: 'string', contentMediaType: 'application/json', contentSchema: inputSchema(schema) }
}

function operation(doc: RouteDoc): Record<string, unknown> {
  const parameters: Array<Record<string, unknown>> = []
  for (const name of pathParams(doc.path)) {
    parameters.push({
      name,
      in: 'path',
      required: true,
      description: doc.params?.[name] ?? name,
      schema: { type: 'string' },
    })
  }
  if (doc.query) {
    const json = inputSchema(doc.query) as { properties?: Record<string, JsonSchema>; required?: string[] }
    for (const [name, schema] of Object.entries(json.properties ?? {})) {
      const { description, ...rest } = schema as JsonSchema & { description?: string }
      parameters.push({
        name,
        in: 'query',
        required: json.required?.includes(name) ?? false,
        ...(description ? { description } : {}),
        schema: rest,
      })
    }
  }
  const responses: Record<string, unknown> = {}
  for (const [status, res] of Object.entries(doc.responses)) {
    responses[status] = successResponse(res, !!doc.idempotent && status === '200')
  }
  const errors = new Set([...authErrors(doc.auth), ...(doc.errors ?? [])])
  if (doc.body) {
    errors.add(400)
    errors.add(413)
  }
  // Every GET /v1 endpoint refuses a query parameter it does not list (lib/query.ts).
  if (doc.method === 'get' && doc.path.startsWith('/v1/')) errors.add(400)
  for (const status of [...errors].sort()) responses[String(status)] ??= errorResponse(status)
  const body = doc.body && {
    required: !doc.bodyOptional,
    content: Object.fromEntries(
      (doc.bodyTypes ?? ['application/json']).map((type) => [type, { schema: bodySchema(type, doc.body!) }]),
    ),
  }
  return {
    operationId: operationId(doc),
    summary: doc.summary,
    description: [doc.description, `**Auth:** ${CREDENTIAL_TEXT[doc.auth]}`].filter(Boolean).join('\n\n'),
    tags: [doc.tag],
    security: SECURITY[doc.auth],
    'x-refline-credential': doc.auth,
    ...(parameters.length ? { parameters } : {}),
    ...(body ? { requestBody: body } : {}),
    responses,
  }
}

function operationId(doc: RouteDoc): string {
  const words = doc.path
    .replace(/\{[^}]*\}/g, '')
    .split('/')
    .filter((p) => p && p !== 'v1')
    .map((p) => (p.startsWith(':') ? `by_${p.slice(1)}` : p.replace(/[^A-Za-z0-9]+/g, '_')))
  return [doc.method, ...words].join('_')
}

export interface DocumentOptions {
  /** The collector's public origin, listed as the server. */
  serverUrl?: string
}

/** The OpenAPI 3.1 document of every described endpoint. */
export function buildDocument(options: DocumentOptions = {}): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {}
  const docs = routeDocs().sort((a, b) => a.path.localeCompare(b.path) || a.method.localeCompare(b.method))
  for (const doc of docs) {
    const path = openApiPath(doc.path)
    paths[path] ??= {}
    paths[path][doc.method] = operation(doc)
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Refline collector API',
      version: '1',
      description:
        'Self-hosted affiliate and referral tracking. JSON in and out, UTF-8, bodies ≤ 32 KB, amounts in minor units, times ISO 8601. Every 4xx/5xx answer has the `Error` shape.',
      license: { name: 'MIT', identifier: 'MIT' },
    },
    ...(options.serverUrl ? { servers: [{ url: options.serverUrl }] } : {}),
    tags: [...new Set(docs.map((d) => d.tag))].sort().map((name) => ({ name })),
    paths,
    components: {
      schemas: { Error: outputSchema(errorSchema) },
      securitySchemes: SECURITY_SCHEMES,
    },
  }
}
