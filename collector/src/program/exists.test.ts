/** A program once found is known for good (programs are never deleted); an unknown id is asked again. */
import { env } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { createProgram } from '../../test/helpers'
import { type D1Usage, meteredD1 } from '../lib/d1-meter'
import { programExists } from './data'

describe('programExists', () => {
  it('asks D1 once for a program it found, and every time for one it did not', async () => {
    const { program } = await createProgram()
    const usage: D1Usage = { rows_read: 0, rows_written: 0, statements: 0 }
    const db = meteredD1(env.DB, usage)
    expect(await programExists(db, program.id)).toBe(true)
    expect(await programExists(db, program.id)).toBe(true)
    expect(usage.statements).toBe(1)
    expect(await programExists(db, 'prg_never_created_00')).toBe(false)
    expect(await programExists(db, 'prg_never_created_00')).toBe(false)
    expect(usage.statements).toBe(3)
  })
})
