/**
 * The checklist's script step while a click moves from the hub to D1. The hub and D1 are read
 * at different moments; here D1 answers the moment it is asked and the hub only once the click's
 * batch has landed and been confirmed (a flush between the two reads, which a busy machine
 * makes happen): the script step must still be ticked.
 */
import { env } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { BROWSER_UA, clickId, createAffiliate, createProgram, sendClick } from '../../test/helpers'
import type { Env } from '../lib/env'
import { hubFor } from '../lib/env'
import { checklistState } from './checklist'

/** A property of a runtime object, its methods bound to it (they refuse any other `this`). */
function own(target: object, name: string | symbol): unknown {
  const value = Reflect.get(target, name)
  return typeof value === 'function' ? value.bind(target) : value
}

describe('first-run checklist', () => {
  it('ticks the script step when the click reaches D1 between the reads of D1 and the hub', async () => {
    const { program, keys } = await createProgram({ name: 'Between Reads' })
    const aff = await createAffiliate(keys.secret)
    const click = await sendClick(
      keys.publishable,
      { click_id: clickId(), ref: aff.code, url: 'https://between.example/' },
      { 'user-agent': BROWSER_UA },
    )
    expect(click.status).toBe(202)
    const realEnv = env as unknown as Env
    const hub = hubFor(realEnv, program.id)
    // The click waits in the hub (the tests' flush window is a second).
    expect((await hub.queuedClickSources('live')).script).toBe(true)

    let flushed: Promise<void> | null = null
    const flushOnce = () => {
      flushed ??= hub.flush()
      return flushed
    }
    let d1Answered: () => void = () => {}
    const d1Read = new Promise<void>((resolve) => {
      d1Answered = resolve
    })
    // The real D1 and the real hub; only the moments they answer are chosen. D1 answers at once.
    const db = new Proxy(realEnv.DB, {
      get(target, name) {
        if (name !== 'prepare') return own(target, name)
        return (sql: string) => ({
          bind: (...values: unknown[]) => ({
            first: async <T>() => {
              const answer = await target
                .prepare(sql)
                .bind(...values)
                .first<T>()
              d1Answered()
              return answer
            },
          }),
        })
      },
    })
    // The hub answers after the click's batch has landed in D1 and been confirmed: after D1's
    // answer when D1 is asked first, else after a moment.
    const ns = new Proxy(realEnv.HUB, {
      get(target, name) {
        if (name !== 'get') return own(target, name)
        return (id: DurableObjectId) => {
          const stub = target.get(id)
          return new Proxy(stub, {
            get(s, method) {
              if (method !== 'queuedClickSources' && method !== 'totals') return own(s, method)
              return async (...args: unknown[]) => {
                await Promise.race([d1Read, new Promise((r) => setTimeout(r, 300))])
                await flushOnce()
                // biome-ignore lint/suspicious/noExplicitAny: a stub's methods, called as they are
                return (s as any)[method](...args)
              }
            },
          })
        }
      },
    })
    const state = await checklistState({ ...realEnv, DB: db, HUB: ns } as Env, program.id)
    expect(state.script).toBe(true)
    expect(state.click).toBe(true)
  })
})
