/**
 * Real Chromium (the system build) through playwright-core, with `*.refline.test` mapped to
 * 127.0.0.1. `visit()` opens a page and records what the tracker did on the network and any
 * error the page saw.
 */
import type { BrowserContext, Page } from 'playwright-core'
import { DESKTOP_CHROME_UA, launchChromium } from '../../../scripts/chromium.mjs'

export interface Browser {
  context: BrowserContext
  visit(url: string): Promise<Visit>
  close(): Promise<void>
}

export interface SentClick {
  url: string
  method: string
  contentType: string | undefined
  body: Record<string, unknown>
}

export interface Visit {
  page: Page
  /** Every request to /v1/clicks, in order. */
  clicks: SentClick[]
  /** Answers of the collector to those requests. */
  answers: Array<{ status: number; body: unknown }>
  /** Requests that failed at the network level (e.g. collector down). */
  failed: string[]
  /** Uncaught exceptions and unhandled rejections in the page. */
  errors: string[]
  /** Console errors (CSP violations are reported here too). */
  consoleErrors: string[]
  /**
   * Waits for the n-th click request and its answer: up to 30 s, since a 2-core machine running
   * several suites can take over 10 s to answer; a passing test returns as soon as it arrives.
   */
  waitForClicks(n: number, timeoutMs?: number): Promise<void>
}

/** A desktop Chrome user agent: the visitors in these tests are people, not bots. */
export const DESKTOP_CHROME: string = DESKTOP_CHROME_UA

export async function launchBrowser({ userAgent = DESKTOP_CHROME } = {}): Promise<Browser> {
  const context = await launchChromium({
    userAgent,
    args: ['--host-resolver-rules=MAP *.refline.test 127.0.0.1', '--ignore-certificate-errors'],
  })
  return {
    context,
    async visit(url) {
      const page = await context.newPage()
      const visit: Visit = {
        page,
        clicks: [],
        answers: [],
        failed: [],
        errors: [],
        consoleErrors: [],
        async waitForClicks(n, timeoutMs = 30_000) {
          const deadline = Date.now() + timeoutMs
          while (visit.answers.length < n && Date.now() < deadline) await page.waitForTimeout(50)
          if (visit.answers.length < n)
            throw new Error(
              `expected ${n} answered clicks, saw ${visit.clicks.length} sent, ${visit.answers.length} answered`,
            )
        },
      }
      const isClick = (u: string) => new URL(u).pathname === '/v1/clicks'
      page.on('request', (req) => {
        if (!isClick(req.url()) || req.method() === 'OPTIONS') return
        const raw = req.postData() ?? ''
        let body: Record<string, unknown> = {}
        try {
          body = JSON.parse(raw)
        } catch {}
        visit.clicks.push({
          url: req.url(),
          method: req.method(),
          contentType: req.headers()['content-type'],
          body,
        })
      })
      page.on('response', async (res) => {
        if (!isClick(res.url()) || res.request().method() !== 'POST') return
        let body: unknown = null
        try {
          body = await res.json()
        } catch {}
        visit.answers.push({ status: res.status(), body })
      })
      page.on('requestfailed', (req) => visit.failed.push(req.url()))
      page.on('pageerror', (err) => visit.errors.push(String(err)))
      page.on('console', (msg) => {
        if (msg.type() === 'error') visit.consoleErrors.push(msg.text())
      })
      await page.goto(url)
      return visit
    },
    async close() {
      await context.close()
    },
  }
}

/** Waits until the tracker has run (window.refline.consent exists). */
export async function trackerLoaded(page: Page): Promise<void> {
  await page.waitForFunction(() => typeof window.refline?.consent === 'function')
}
