/**
 * Crash recovery, end to end: the SDK sends 300 signups with retries while the collector is
 * killed (SIGKILL, the whole process group) three times at random moments and started again on
 * the same local state. Afterwards no signup is lost or doubled, every customer keeps its
 * affiliate (a later conversion with no click still credits it), and the hub's counters equal
 * D1's rollups exactly.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, expect, it } from 'vitest'
import { Refline } from '../src/index.js'

interface Started {
  url: string
  adminToken: string
  api(
    method: string,
    path: string,
    opts?: { token?: string; body?: unknown },
  ): Promise<{ status: number; body: Record<string, any> }>
  createProgram(body?: object): Promise<{ program: { id: string }; keys: Record<string, string> }>
  query(sql: string): Promise<Array<Record<string, unknown>>>
  crash(): Promise<void>
  stop(): Promise<void>
}

const localCollector = new URL('../../scripts/local-collector.mjs', import.meta.url).href
const persistTo = mkdtempSync(join(tmpdir(), 'refline-crash-'))
let collector: Started | undefined

afterAll(async () => {
  await collector?.stop()
  rmSync(persistTo, { recursive: true, force: true })
})

it('loses, doubles and detaches nothing when the collector is killed three times mid-run', async () => {
  const { startCollector, freePort } = (await import(localCollector)) as {
    startCollector(o: object): Promise<Started>
    freePort(): Promise<number>
  }
  const port = await freePort()
  const adminToken = 'crash-test-admin-token'
  const start = () => startCollector({ port, persistTo, adminToken })
  collector = await start()
  const { program, keys } = await collector.createProgram({ name: 'Crash' })
  const aff = await collector.api('POST', '/v1/affiliates', {
    token: keys.secret,
    body: { name: 'Jane', email: 'jane@example.com', code: 'crashjane' },
  })
  expect(aff.status).toBe(201)

  const refline = new Refline({
    secretKey: keys.secret as string,
    baseUrl: collector.url,
    maxRetries: 40,
    timeoutMs: 5_000,
  })
  const N = 300
  // Three kills at random moments in each third of the run.
  const kills = [0, 1, 2].map((k) => 60 + k * 90 + Math.floor(Math.random() * 30))
  let killed = 0
  let sent = 0
  let restarting: Promise<void> | null = null
  const results: Array<{ affiliate: unknown } | Error> = []
  // Eight clients in parallel, as a busy backend would send them.
  const worker = async () => {
    for (;;) {
      const i = sent++
      if (i >= N) return
      if (kills.length && i >= (kills[0] as number) && !restarting) {
        kills.shift()
        killed++
        restarting = (async () => {
          const t0 = Date.now()
          await collector?.crash()
          collector = await start()
          console.log(`collector killed at signup ${i}, back after ${Date.now() - t0} ms`)
        })().finally(() => {
          restarting = null
        })
      }
      try {
        const res = await refline.trackSignup({ customerId: `cus_${i}`, ref: 'crashjane' })
        results[i] = res.signup as { affiliate: unknown }
      } catch (err) {
        results[i] = err as Error
      }
    }
  }
  await Promise.all(Array.from({ length: 8 }, worker))
  while (restarting) await restarting
  expect(killed).toBe(3)

  const failures = results.filter((r) => r instanceof Error)
  expect(failures).toEqual([])
  for (const r of results)
    expect((r as { affiliate: unknown }).affiliate).toMatchObject({ code: 'crashjane' })

  // Every customer kept its affiliate: a conversion with no click or ref still credits Jane.
  for (let i = 0; i < N; i += 10) {
    const conv = await refline.trackConversion({
      eventId: `inv_${i}`,
      customerId: `cus_${i}`,
      amount: 1_000,
      currency: 'usd',
    })
    expect(conv.conversion.affiliate).toMatchObject({ code: 'crashjane' })
    expect(conv.conversion.commission).not.toBeNull()
  }

  const [signups] = await collector.query(
    `SELECT COUNT(*) AS n FROM signups WHERE program_id = '${program.id}'`,
  )
  expect(Number(signups?.n)).toBe(N)
  const audit = await collector.api('GET', `/v1/admin/programs/${program.id}/audit`, { token: adminToken })
  expect(audit.body).toMatchObject({ equal: true, differences: [] })
}, 420_000)
