/**
 * The one lookup of an affiliate by id or code, in the Workers runtime with the real migrations:
 * program-scoped, codes in any case, and the mode rule (a live key sees live affiliates only).
 */
import { env } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { createAffiliate, createProgram } from '../../test/helpers'
import { findAffiliate } from './data'

describe('findAffiliate', () => {
  it('finds an affiliate by its id and by its code in any case', async () => {
    const { program, keys } = await createProgram()
    const aff = await createAffiliate(keys.secret, { code: `Find${Date.now().toString(36)}` })
    expect((await findAffiliate(env.DB, program.id, aff.id))?.id).toBe(aff.id)
    expect((await findAffiliate(env.DB, program.id, aff.code.toUpperCase()))?.id).toBe(aff.id)
    expect(await findAffiliate(env.DB, program.id, `${aff.code}x`)).toBeUndefined()
  })

  it("never finds another program's affiliate", async () => {
    const mine = await createProgram()
    const theirs = await createProgram()
    const aff = await createAffiliate(theirs.keys.secret)
    expect(await findAffiliate(env.DB, mine.program.id, aff.id)).toBeUndefined()
    expect(await findAffiliate(env.DB, mine.program.id, aff.code)).toBeUndefined()
  })

  it('lets a live key see live affiliates only and a test key every affiliate', async () => {
    const { program, keys } = await createProgram()
    const live = await createAffiliate(keys.secret)
    const test = await createAffiliate(keys.test_secret)
    expect(await findAffiliate(env.DB, program.id, test.id, { visibleTo: 'live' })).toBeUndefined()
    expect((await findAffiliate(env.DB, program.id, live.id, { visibleTo: 'live' }))?.mode).toBe('live')
    expect((await findAffiliate(env.DB, program.id, test.code, { visibleTo: 'test' }))?.mode).toBe('test')
    expect((await findAffiliate(env.DB, program.id, live.code, { visibleTo: 'test' }))?.mode).toBe('live')
    expect((await findAffiliate(env.DB, program.id, test.id))?.id).toBe(test.id)
  })
})
