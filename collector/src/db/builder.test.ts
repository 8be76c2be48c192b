import { sql } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { prepared, qb, toStmt } from './builder'
import { customers } from './schema'

describe('prepared statements', () => {
  it('fill to exactly what drizzle builds from the values, on every call', () => {
    const upsert = (v: Record<string, unknown>) =>
      qb
        .insert(customers)
        // biome-ignore lint/suspicious/noExplicitAny: the same builder takes values or placeholders
        .values(v as any)
        .onConflictDoUpdate({
          target: [customers.programId, customers.mode, customers.customerId],
          set: { sub: sql`COALESCE(${customers.sub}, excluded.sub)` },
        })
    const keys = ['programId', 'mode', 'customerId', 'affiliateId', 'sub', 'createdAt'] as const
    const fill = prepared(() => upsert(Object.fromEntries(keys.map((k) => [k, sql.placeholder(k)]))))
    for (const values of [
      {
        programId: 'prg_1',
        mode: 'live',
        customerId: 'c1',
        affiliateId: 'aff_1',
        sub: null,
        createdAt: 'now',
      },
      { programId: 'prg_2', mode: 'test', customerId: 'c2', affiliateId: null, sub: 'x', createdAt: 'later' },
    ]) {
      expect(fill(values)).toEqual(toStmt(upsert(values)))
    }
  })
})
