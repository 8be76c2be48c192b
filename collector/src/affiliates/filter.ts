/**
 * The `affiliate` filter of the read endpoints (`GET /v1/stats`, `/v1/commissions`,
 * `/v1/conversions`, their CSV files and the dashboard's lists): an id or a code, resolved to the
 * id of one of the program's affiliates. A value that names no affiliate the asker may see is
 * refused, never answered with an empty list: "jane" mistyped as "jnae" must not read as "Jane
 * earned nothing".
 */
import { ApiError } from '../lib/errors'
import { queryText } from '../lib/validate'
import { type FindAffiliateOptions, findAffiliate } from './data'

/**
 * The affiliate's id, or undefined when the filter is absent or empty; a value over 128
 * characters, or one that names no affiliate of the program visible to the asker (a live key sees
 * live affiliates only), is a 400 naming `affiliate`.
 *
 * @example
 * const affiliateId = await affiliateFilter(env.DB, programId, c.req.query('affiliate'), { visibleTo: mode })
 */
export async function affiliateFilter(
  db: D1Database,
  programId: string,
  value: string | undefined,
  options: FindAffiliateOptions,
): Promise<string | undefined> {
  const text = queryText(value, 'affiliate', 128)
  if (!text) return undefined
  const row = await findAffiliate(db, programId, text, options)
  if (!row) throw new ApiError('invalid_request', 'No affiliate with that id or code', 'affiliate')
  return row.id
}
