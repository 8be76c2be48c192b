/**
 * Real Chromium for the browser tests: Debian's build (`apt-get install chromium`) driven by
 * playwright-core, never a downloaded browser, on a fresh profile that is removed on close.
 *
 * @example
 * const context = await launchChromium({ viewport: { width: 390, height: 844 } })
 * const page = await context.newPage()
 * await context.close()
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium } from 'playwright-core'

/** Flags for a sandbox with no network but loopback: no background traffic, no sandboxing as root. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

/**
 * A desktop Chrome user agent. Headless Chromium says "HeadlessChrome", which the collector rightly
 * counts as a bot (kept apart, never attributed); the visitors in the tests are people.
 */
export const DESKTOP_CHROME_UA =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36'

/**
 * @param {{ args?: string[] } & import('playwright-core').BrowserContextOptions} [options]
 * @returns {Promise<import('playwright-core').BrowserContext>}
 */
export async function launchChromium({ args = [], ...options } = {}) {
  const profileDir = mkdtempSync(join(tmpdir(), 'refline-chromium-'))
  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    userAgent: DESKTOP_CHROME_UA,
    ...options,
    args: [...CHROMIUM_ARGS, ...args],
  })
  // Chromium may still be flushing its profile when the context reports closed: retry, and never
  // let the clean-up of a temporary folder fail a test.
  context.on('close', () => {
    try {
      rmSync(profileDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 })
    } catch {}
  })
  return context
}
