/**
 * D1 usage of one request, for the bench (`D1_METER=on` only; never set in a deployment): D1
 * bills rows read and written, and answers them in every result's `meta`. The Worker's D1
 * binding is wrapped for the request, the hub reports the usage of the reads it runs for the
 * request (ProgramHub.stats), and the answer carries the sums in `X-D1-Rows-Read`,
 * `X-D1-Rows-Written` and `X-D1-Statements`.
 */
import type { MiddlewareHandler } from 'hono'
import type { AppEnv } from './env'

export interface D1Usage {
  rows_read: number
  rows_written: number
  statements: number
}

const usageOf = new WeakMap<D1Database, D1Usage>()

function add(usage: D1Usage, meta: { rows_read?: number; rows_written?: number } | undefined): void {
  usage.statements++
  usage.rows_read += meta?.rows_read ?? 0
  usage.rows_written += meta?.rows_written ?? 0
}

/** The real statement behind each metered one, for `batch`, which takes real statements only. */
const rawOf = new WeakMap<D1PreparedStatement, D1PreparedStatement>()

/** A D1 binding that adds every statement's rows read and written to `usage`. */
export function meteredD1(db: D1Database, usage: D1Usage): D1Database {
  const wrapStatement = (st: D1PreparedStatement): D1PreparedStatement => {
    const wrapped = new Proxy(st, {
      get(target, prop, receiver) {
        if (prop === 'bind')
          return (...values: unknown[]) => wrapStatement(target.bind(...values) as D1PreparedStatement)
        if (prop === 'all' || prop === 'run')
          return async () => {
            const result = await (target[prop] as () => Promise<D1Result>).call(target)
            add(usage, result.meta)
            return result
          }
        if (prop === 'first')
          return async (column?: string) => {
            // first() answers no meta: run all() and take the first row, as first() does.
            const result = await target.all()
            add(usage, result.meta)
            const row = (result.results[0] ?? null) as Record<string, unknown> | null
            return column === undefined ? row : (row?.[column] ?? null)
          }
        if (prop === 'raw')
          // raw() (drizzle's get() and values()) answers no meta, and its rows cannot be rebuilt
          // from all()'s objects (two columns may share a name): count the statement and the rows
          // it answered, a lower bound of what it read.
          return async (options?: { columnNames?: boolean }) => {
            const rows = (await target.raw(options as { columnNames: true })) as unknown[]
            add(usage, { rows_read: Math.max(0, rows.length - (options?.columnNames ? 1 : 0)) })
            return rows
          }
        const value = Reflect.get(target, prop, receiver)
        return typeof value === 'function' ? value.bind(target) : value
      },
    })
    rawOf.set(wrapped, st)
    return wrapped
  }
  const metered: D1Database = new Proxy(db, {
    get(target, prop, receiver) {
      if (prop === 'prepare') return (sql: string) => wrapStatement(target.prepare(sql))
      if (prop === 'batch')
        return async (statements: D1PreparedStatement[]) => {
          const results = await target.batch(statements.map((s) => rawOf.get(s) ?? s))
          for (const r of results) add(usage, r.meta)
          return results
        }
      const value = Reflect.get(target, prop, receiver)
      return typeof value === 'function' ? value.bind(target) : value
    },
  })
  usageOf.set(metered, usage)
  return metered
}

/** The usage a metered binding has counted, or undefined for a plain one. */
export function d1Usage(db: D1Database): D1Usage | undefined {
  return usageOf.get(db)
}

/** Adds usage measured elsewhere (the hub's reads for this request) to a metered binding's. */
export function addD1Usage(db: D1Database, more: D1Usage | undefined): void {
  const usage = usageOf.get(db)
  if (!usage || !more) return
  usage.rows_read += more.rows_read
  usage.rows_written += more.rows_written
  usage.statements += more.statements
}

/** With `D1_METER=on`: meters the request's D1 use and answers it in headers. */
export const d1Meter: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (c.env.D1_METER !== 'on') return next()
  const usage: D1Usage = { rows_read: 0, rows_written: 0, statements: 0 }
  c.env = { ...c.env, DB: meteredD1(c.env.DB, usage) }
  await next()
  c.res.headers.set('X-D1-Rows-Read', String(usage.rows_read))
  c.res.headers.set('X-D1-Rows-Written', String(usage.rows_written))
  c.res.headers.set('X-D1-Statements', String(usage.statements))
}
