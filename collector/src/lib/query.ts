/**
 * Query parameters of the `GET /v1` endpoints: each endpoint lists the ones it takes and refuses
 * any other with a 400 naming it, as every body refuses an unknown field. A misspelt filter
 * (`?affilate=jane`, `?stauts=failed`) would otherwise answer as if no filter had been asked for,
 * which reads as "nothing there". The OpenAPI document lists the same names, and
 * test/query-parameters.test.ts holds each endpoint to them.
 */
import { ApiError } from './errors'

/**
 * Refuses the first query parameter not in `known` (400, `field` = its name).
 *
 * @example
 * assertKnownQuery(c.req.query(), ['from', 'to'])
 */
export function assertKnownQuery(query: Record<string, string | undefined>, known: readonly string[]): void {
  const unknown = Object.keys(query).find((name) => !known.includes(name))
  if (unknown !== undefined)
    throw new ApiError('invalid_request', `Unknown query parameter ${unknown}`, unknown)
}
