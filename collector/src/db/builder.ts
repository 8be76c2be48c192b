/**
 * Builds typed SQL with drizzle without running it. The hub writes its D1 batches ahead into
 * its own storage as plain `{sql, params}` (so a crash can resend them exactly), and drizzle's
 * `toSQL()` gives that form while keeping every column checked against the schema: renaming a
 * column in schema.ts fails the typecheck of every statement that uses it.
 */
import { drizzle } from 'drizzle-orm/d1'
import type { SqlValue, Stmt } from '../hub/types'

/** A query builder only: it is never connected, so `toSQL()` is all it may be used for. */
export const qb = drizzle({} as D1Database)

export function toStmt(query: { toSQL(): { sql: string; params: unknown[] } }): Stmt {
  const { sql, params } = query.toSQL()
  return { sql, params: params as SqlValue[] }
}
