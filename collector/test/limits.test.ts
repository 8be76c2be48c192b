/**
 * Limits (DESIGN.md *Limits*): too many attempts answer `429 rate_limited` with `Retry-After`.
 * Each test uses its own client IP: the limiter counts per IP (and key) for the whole test run.
 */
import { env } from 'cloudflare:test'
import { exports } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { PUBLISHABLE_CACHE_MAX, publishableCacheSize, resolveKey } from '../src/lib/auth'
import { AUTH_FAILURE, CLICKS, SIGN_IN } from '../src/lib/rate-limit'
import { call, clickId, createAffiliate, createProgram, sendClick } from './helpers'

const worker = (exports as unknown as { default: { fetch(r: Request): Promise<Response> } }).default

let ipSeq = 0
/** A client IP no other test uses. */
function freshIp(): string {
  ipSeq++
  return `198.18.${Math.floor(Math.random() * 200)}.${ipSeq % 250}`
}

/**
 * The limiter counts in fixed minutes of the clock (floor(now / 60 s)), so a run of attempts that
 * straddles a minute's end starts a fresh count halfway and the one past the limit is let through.
 * A test that counts to a limit first waits, if fewer than `needMs` are left in this minute, for
 * the next one to begin (on average about 2 s a test).
 */
async function withinOneMinute(needMs = 20_000): Promise<void> {
  const left = 60_000 - (Date.now() % 60_000)
  if (left < needMs) await new Promise((r) => setTimeout(r, left + 50))
}

function expectRateLimited(res: {
  status: number
  headers: Headers
  body?: { error: { code: string } } | null
}) {
  expect(res.status).toBe(429)
  const retry = Number(res.headers.get('retry-after'))
  expect(Number.isInteger(retry) && retry >= 1 && retry <= 60, `Retry-After ${retry}`).toBe(true)
  if (res.body) expect(res.body.error.code).toBe('rate_limited')
}

async function signInAttempt(ip: string, token: string) {
  const page = await worker.fetch(
    new Request('http://collector.test/dashboard/sign-in', { headers: { 'cf-connecting-ip': ip } }),
  )
  const html = await page.text()
  const csrf = /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? ''
  const cookie = (page.headers.get('set-cookie') ?? '').split(';')[0] ?? ''
  const res = await worker.fetch(
    new Request('http://collector.test/dashboard/sign-in', {
      method: 'POST',
      redirect: 'manual',
      headers: {
        cookie,
        'cf-connecting-ip': ip,
        'content-type': 'application/x-www-form-urlencoded',
        'sec-fetch-site': 'same-origin',
      },
      body: new URLSearchParams({ _csrf: csrf, token }).toString(),
    }),
  )
  return { status: res.status, headers: res.headers, text: await res.text() }
}

// Up to 20 s of waiting for a fresh minute comes on top of each test's own time.
describe('limits', { timeout: 90_000 }, () => {
  it(`sign-in: ${SIGN_IN.limit} attempts per IP a minute, then 429 even with the right token`, async () => {
    const ip = freshIp()
    await withinOneMinute()
    for (let i = 0; i < SIGN_IN.limit; i++) {
      expect((await signInAttempt(ip, `wrong-token-${i}-xxxxxxxx`)).status).toBe(401)
    }
    const limited = await signInAttempt(ip, 'test-admin-token')
    expectRateLimited(limited)
    expect(limited.headers.get('set-cookie') ?? '').not.toContain('rl_session=')
    expect(limited.text).toContain('Too many sign-in attempts')
    // Another IP is not affected.
    expect((await signInAttempt(freshIp(), 'test-admin-token')).status).toBe(303)
  })

  it(`failed secret-key auth: ${AUTH_FAILURE.limit} per IP a minute, then 429; a valid key still works`, async () => {
    const { keys } = await createProgram()
    const ip = freshIp()
    const headers = { 'cf-connecting-ip': ip }
    await withinOneMinute()
    for (let i = 0; i < AUTH_FAILURE.limit; i++) {
      const res = await call('GET', '/v1/stats', {
        token: `sk_live_guess${String(i).padStart(20, '0')}`,
        headers,
      })
      expect(res.status).toBe(401)
    }
    const limited = await call('GET', '/v1/stats', { token: 'sk_live_guess99999999999999999999', headers })
    expectRateLimited(limited)
    expectRateLimited(await call('GET', '/v1/affiliates', { token: 'not-even-a-key', headers }))
    expect((await call('GET', '/v1/stats', { token: keys.secret, headers })).status).toBe(200)
    expect(
      (
        await call('GET', '/v1/stats', {
          token: 'sk_live_guess0',
          headers: { 'cf-connecting-ip': freshIp() },
        })
      ).status,
    ).toBe(401)
  })

  it(`clicks: ${CLICKS.limit} per publishable key and IP a minute, then 429 (other keys and IPs unaffected)`, async () => {
    const { keys } = await createProgram()
    const aff = await createAffiliate(keys.secret)
    const ip = freshIp()
    const answers = await Promise.all(
      Array.from({ length: CLICKS.limit }, () =>
        sendClick(keys.publishable, { ref: aff.code, click_id: clickId() }, { 'cf-connecting-ip': ip }),
      ),
    )
    expect(answers.map((a) => a.status).filter((s) => s !== 202)).toEqual([])
    // The limit counts per fixed minute: a burst that straddles a minute's end is two windows'
    // worth, so the refusal comes within another full limit of clicks, never later.
    let limited = await sendClick(keys.publishable, { ref: aff.code }, { 'cf-connecting-ip': ip })
    for (let i = 0; i < CLICKS.limit && limited.status === 202; i++)
      limited = await sendClick(keys.publishable, { ref: aff.code }, { 'cf-connecting-ip': ip })
    expectRateLimited(limited)
    expect(
      (await sendClick(keys.test_publishable, { ref: aff.code }, { 'cf-connecting-ip': ip })).status,
    ).toBe(202)
    expect(
      (await sendClick(keys.publishable, { ref: aff.code }, { 'cf-connecting-ip': freshIp() })).status,
    ).toBe(202)
  })

  it('wrong admin tokens count as failed auth per IP; past the limit even the right one is refused', async () => {
    const headers = { 'cf-connecting-ip': freshIp() }
    await withinOneMinute()
    for (let i = 0; i < AUTH_FAILURE.limit; i++) {
      const res = await call('GET', '/v1/programs', { token: `not-the-admin-token-${i}`, headers })
      expect(res.status).toBe(401)
    }
    expectRateLimited(await call('GET', '/v1/programs', { token: 'not-the-admin-token-either', headers }))
    // From then on the admin token is not even compared from that address: a right guess is refused too.
    expectRateLimited(await call('GET', '/v1/programs', { token: 'test-admin-token', headers }))
    expect((await call('GET', '/v1/programs', { token: 'test-admin-token' })).status).toBe(200)
  })

  it('unknown publishable keys count as failed auth per IP', async () => {
    const ip = freshIp()
    await withinOneMinute()
    for (let i = 0; i < AUTH_FAILURE.limit; i++) {
      const res = await sendClick(
        `pk_live_unknown${String(i).padStart(20, '0')}`,
        { ref: 'x' },
        { 'cf-connecting-ip': ip },
      )
      expect(res.status).toBe(401)
    }
    expectRateLimited(
      await sendClick('pk_live_unknown99999999999999999999', { ref: 'x' }, { 'cf-connecting-ip': ip }),
    )
  })

  it('redirect links over the click limit still send the visitor on, without recording a click', async () => {
    const { keys } = await createProgram({ landing_url: 'https://acme.example/' })
    const aff = await createAffiliate(keys.secret)
    const ip = freshIp()
    const go = () =>
      call('GET', `/go/${aff.code}`, { headers: { 'cf-connecting-ip': ip } }).then((r) =>
        r.headers.get('location'),
      )
    await withinOneMinute()
    for (let i = 0; i < CLICKS.limit; i++) expect(await go()).toContain('rl_click=')
    const over = await go()
    expect(over).toMatch(/^https:\/\/acme\.example\/\?ref=/)
    expect(over).not.toContain('rl_click=')
  })

  it(`keeps at most ${PUBLISHABLE_CACHE_MAX} publishable-key lookups cached, misses included`, async () => {
    const { keys } = await createProgram()
    for (let i = 0; i < PUBLISHABLE_CACHE_MAX + 300; i++) {
      await resolveKey(env, `pk_live_nosuchkey${String(i).padStart(16, '0')}`)
    }
    expect(publishableCacheSize()).toBeLessThanOrEqual(PUBLISHABLE_CACHE_MAX)
    // A real key still resolves (and is cached) after the flood of misses.
    expect((await resolveKey(env, keys.publishable))?.programId).toBeTruthy()
    expect(publishableCacheSize()).toBeLessThanOrEqual(PUBLISHABLE_CACHE_MAX)
  })
})
