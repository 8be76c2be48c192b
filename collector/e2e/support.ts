/** Shared setup of the browser tests: a real collector, a seeded program, real Chromium. */
import { mkdirSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { BrowserContext, Page } from 'playwright-core'
import { launchChromium } from '../../scripts/chromium.mjs'
import { freePort, startCollector } from '../../scripts/local-collector.mjs'

// biome-ignore lint/suspicious/noExplicitAny: JSON answers of the API under test
type Json = any

export interface Collector {
  url: string
  port: number
  adminToken: string
  persistTo: string
  api(
    method: string,
    path: string,
    opts?: { token?: string; body?: unknown },
  ): Promise<{ status: number; headers: Headers; body: Json }>
  createProgram(
    body?: Record<string, unknown>,
  ): Promise<{ program: { id: string }; keys: Record<string, string> }>
  stop(): Promise<void>
}

export const resultsDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'test-results')
mkdirSync(resultsDir, { recursive: true })

export async function launchCollector(
  opts: { persistTo?: string; port?: number; adminToken?: string; vars?: Record<string, string> } = {},
) {
  const persistTo = opts.persistTo ?? mkdtempSync(join(tmpdir(), 'refline-e2e-'))
  const port = opts.port ?? ((await freePort()) as number)
  const collector = (await startCollector({ ...opts, persistTo, port })) as Collector
  return collector
}

export function launchBrowser(): Promise<BrowserContext> {
  return launchChromium({ viewport: { width: 1440, height: 900 } })
}

export async function signIn(page: Page, url: string, token: string): Promise<void> {
  await page.goto(`${url}/dashboard`)
  if (page.url() === `${url}/dashboard`) return
  await page.fill('#token', token)
  await page.click('button[type=submit]')
  await page.waitForURL(`${url}/dashboard`)
}

/** The text of a live counter, e.g. `counter(page, 'conversions')`. */
export async function counter(page: Page, key: string): Promise<string> {
  return (await page.locator(`[data-total="${key}"]`).first().textContent()) ?? ''
}

export interface Seeded {
  programId: string
  keys: Record<string, string>
  affiliates: Record<string, { id: string; code: string; portal_url: string; link: string }>
}

const PEOPLE = [
  ['Jane Cooper', 'jane'],
  ['Omar Haddad', 'omar'],
  ['Priya Natarajan', 'priya'],
  ['Lukas Becker', 'lukas'],
] as const

/** A program with four affiliates and a month of plausible history (signups and conversions back-dated). */
export async function seedProgram(c: Collector, name = 'Acme Analytics'): Promise<Seeded> {
  const { program, keys } = await c.createProgram({
    name,
    landing_url: 'https://acme.example/pricing',
    commission: { type: 'percent', percent: 20 },
  })
  const affiliates: Seeded['affiliates'] = {}
  for (const [person, code] of PEOPLE) {
    const res = await c.api('POST', '/v1/affiliates', {
      token: keys.secret,
      body: {
        name: person,
        email: `${code}@partners.example`,
        code: `${code}${program.id.slice(-4).toLowerCase()}`,
      },
    })
    affiliates[code] = res.body.affiliate
  }
  const now = Date.now()
  const weights = [9, 6, 3, 1]
  let n = 0
  for (let day = 27; day >= 0; day--) {
    for (const [i, [, code]] of PEOPLE.entries()) {
      if ((day * 7 + i * 3) % 10 >= (weights[i] ?? 1) + 2) continue
      const at = new Date(now - day * 86_400_000 - ((i * 37 + day * 13) % 50) * 60_000).toISOString()
      const customer = `cus_${code}_${day}`
      const ref = affiliates[code]?.code
      await c.api('POST', '/v1/signups', {
        token: keys.secret,
        body: { customer_id: customer, ref, occurred_at: at },
      })
      if ((day + i) % 3 === 0) {
        n++
        await c.api('POST', '/v1/conversions', {
          token: keys.secret,
          body: {
            event_id: `inv_seed_${n}`,
            customer_id: customer,
            amount: [4900, 9900, 29900][n % 3],
            currency: 'USD',
            occurred_at: at,
          },
        })
      }
    }
  }
  const clicks = Array.from({ length: 240 }, (_, i) => PEOPLE[i % 7 < 3 ? 0 : i % 4]?.[1] ?? 'jane')
  for (let i = 0; i < clicks.length; i += 30) {
    await Promise.all(
      clicks.slice(i, i + 30).map((code, j) =>
        fetch(`${c.url}/v1/clicks`, {
          method: 'POST',
          headers: {
            'content-type': 'text/plain',
            'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Chrome/126.0 Safari/537.36',
          },
          body: JSON.stringify({
            key: keys.publishable,
            ref: affiliates[code]?.code,
            url: 'https://acme.example/',
            sub: (i + j) % 3 ? 'newsletter' : 'youtube',
          }),
        }),
      ),
    )
  }
  return { programId: program.id, keys, affiliates }
}

export function portalPath(portalUrl: string): string {
  return new URL(portalUrl).pathname
}
