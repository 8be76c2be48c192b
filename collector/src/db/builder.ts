/**
 * Builds typed SQL with drizzle without running it. The hub writes its D1 batches ahead into
 * its own storage as plain `{sql, params}` (so a crash can resend them exactly), and drizzle's
 * `toSQL()` gives that form while keeping every column checked against the schema: renaming a
 * column in schema.ts fails the typecheck of every statement that uses it.
 */
import { fillPlaceholders } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/d1'
import type { SqlValue, Stmt } from '../hub/types'

/** A query builder only: it is never connected, so `toSQL()` is all it may be used for. */
export const qb = drizzle({} as D1Database)

export function toStmt(query: { toSQL(): { sql: string; params: unknown[] } }): Stmt {
  const { sql, params } = query.toSQL()
  return { sql, params: params as SqlValue[] }
}

/**
 * A statement drizzle builds once, with `sql.placeholder(name)` where the values go, and fills
 * on every call. Building one costs drizzle about 0.1 ms, and every money event writes six or
 * seven; the rollup, customer and idempotency statements are therefore built this way (seen in
 * the profile of bench/ingest-profile.mjs). Values pass through the columns' encoders as usual.
 */
export function prepared<V extends Record<string, SqlValue>>(
  build: () => {
    toSQL(): { sql: string; params: unknown[] }
  },
): (values: V) => Stmt {
  let query: { sql: string; params: unknown[] } | undefined
  return (values) => {
    query ??= build().toSQL()
    // drizzle leaves out a column given `undefined` (its default applies); a placeholder would
    // bind nothing instead, so a missing value is an error here rather than a wrong row.
    for (const k in values) if (values[k] === undefined) throw new Error(`No value for ${k}`)
    return { sql: query.sql, params: fillPlaceholders(query.params, values) as SqlValue[] }
  }
}
