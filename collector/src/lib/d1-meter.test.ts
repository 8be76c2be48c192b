/** The bench's D1 meter counts what D1 reports, through every way the collector calls D1. */
import { env } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { createProgram } from '../../test/helpers'
import { addD1Usage, type D1Usage, d1Usage, meteredD1 } from './d1-meter'

describe('meteredD1', () => {
  it('adds rows read and statements for all, first, run, raw and batch, and answers what D1 answers', async () => {
    const { program } = await createProgram()
    const usage: D1Usage = { rows_read: 0, rows_written: 0, statements: 0 }
    const db = meteredD1(env.DB, usage)
    const all = await db.prepare('SELECT id FROM programs WHERE id = ?').bind(program.id).all()
    expect(all.results).toEqual([{ id: program.id }])
    expect(await db.prepare('SELECT id FROM programs WHERE id = ?').bind(program.id).first('id')).toBe(
      program.id,
    )
    expect(await db.prepare('SELECT id FROM programs WHERE id = ?').bind('prg_none').first()).toBeNull()
    const [a, b] = await db.batch([
      db.prepare('SELECT COUNT(*) AS n FROM programs WHERE id = ?').bind(program.id),
      db.prepare('SELECT 1 AS one'),
    ])
    expect(a?.results).toEqual([{ n: 1 }])
    expect(b?.results).toEqual([{ one: 1 }])
    // raw() (drizzle's get()) answers no meta: the statement and its rows are counted.
    expect(await db.prepare('SELECT id FROM programs WHERE id = ?').bind(program.id).raw()).toEqual([
      [program.id],
    ])
    expect(
      await db.prepare('SELECT id FROM programs WHERE id = ?').bind(program.id).raw({ columnNames: true }),
    ).toEqual([['id'], [program.id]])
    expect(usage.statements).toBe(7)
    expect(usage.rows_read).toBeGreaterThanOrEqual(5)
    addD1Usage(db, { rows_read: 10, rows_written: 2, statements: 1 })
    expect(d1Usage(db)).toMatchObject({ statements: 8, rows_written: 2 })
    // A plain binding is not metered.
    expect(d1Usage(env.DB)).toBeUndefined()
  })
})
