/**
 * Request body validation: reads the body (≤ 32 KB), parses JSON and checks it against a zod
 * schema, so every 400 has the same form and names the first offending field.
 */
import type { Context } from 'hono'
import type { z } from 'zod'
import { ApiError } from './errors'

export const MAX_BODY_BYTES = 32 * 1024

export async function readJson(c: Context): Promise<unknown> {
  const declared = Number(c.req.header('content-length') ?? '0')
  if (declared > MAX_BODY_BYTES) throw new ApiError('payload_too_large', 'Body exceeds 32 KB')
  const buf = await c.req.arrayBuffer()
  if (buf.byteLength > MAX_BODY_BYTES) throw new ApiError('payload_too_large', 'Body exceeds 32 KB')
  if (buf.byteLength === 0) throw new ApiError('invalid_request', 'Body must be a JSON object')
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(buf)
  } catch {
    throw new ApiError('invalid_request', 'Body must be UTF-8')
  }
  try {
    return JSON.parse(text)
  } catch {
    throw new ApiError('invalid_request', 'Body is not valid JSON')
  }
}

export function parseWith<T extends z.ZodType>(schema: T, input: unknown): z.infer<T> {
  const result = schema.safeParse(input)
  if (result.success) return result.data
  const issue = result.error.issues[0]
  const field = issue?.path.length ? issue.path.join('.') : undefined
  const message = field ? `${field}: ${issue?.message}` : (issue?.message ?? 'Invalid body')
  throw new ApiError('invalid_request', message, field)
}

export async function parseBody<T extends z.ZodType>(c: Context, schema: T): Promise<z.infer<T>> {
  return parseWith(schema, await readJson(c))
}
