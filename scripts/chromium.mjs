/**
 * Real Chromium for the browser tests, found wherever it is installed and driven by
 * playwright-core (which never downloads a browser here), on a fresh profile removed on close.
 * Every browser test in the repo (sdk-browser, the collector's e2e, the demo) launches through
 * this file, so there is one place that knows where Chromium lives and how it is started.
 *
 * Where it looks, in order: `CHROMIUM_PATH`; Debian's `/usr/bin/chromium` (`apt-get install
 * chromium`) and other distributions' names; Google Chrome; Playwright's browser cache
 * (`~/.cache/ms-playwright/chromium-*`, or `PLAYWRIGHT_BROWSERS_PATH`), newest first.
 *
 * `node scripts/chromium.mjs` prints the browser it would use, or says how to get one and exits 1.
 *
 * @example
 * const context = await launchChromium({ viewport: { width: 390, height: 844 } })
 * const page = await context.newPage()
 * await context.close()
 */
import { accessSync, constants, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import { homedir, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
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

/** Installed browsers, by the path each package puts them at. */
export const SYSTEM_PATHS = [
  '/usr/bin/chromium', // Debian, Arch
  '/usr/bin/chromium-browser', // Fedora, Alpine, older Ubuntu
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
  '/opt/google/chrome/chrome',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
]

/** Where Playwright unpacks Chromium inside `chromium-<revision>/`, old layouts and new. */
const PLAYWRIGHT_LAYOUTS = [
  ['chrome-linux64', 'chrome'],
  ['chrome-linux', 'chrome'],
  ['chrome-linux-arm64', 'chrome'],
  ['chrome-mac-arm64', 'Google Chrome for Testing.app', 'Contents', 'MacOS', 'Google Chrome for Testing'],
  ['chrome-mac-x64', 'Google Chrome for Testing.app', 'Contents', 'MacOS', 'Google Chrome for Testing'],
  ['chrome-mac', 'Chromium.app', 'Contents', 'MacOS', 'Chromium'],
]

export const CHROMIUM_HELP = `No Chromium found for the browser tests.
  Install one:  apt-get install chromium        (Debian or Ubuntu; or Google Chrome)
  or point at one you have:  CHROMIUM_PATH=/path/to/chrome pnpm test`

export class ChromiumNotFoundError extends Error {
  /** @param {string} message @param {string[]} looked */
  constructor(message, looked) {
    super(message)
    this.name = 'ChromiumNotFoundError'
    this.looked = looked
  }
}

function isExecutableFile(path) {
  try {
    if (!statSync(path).isFile()) return false
    accessSync(path, constants.X_OK)
    return true
  } catch {
    return false
  }
}

/** Playwright's cache folders: `PLAYWRIGHT_BROWSERS_PATH`, then the per-user default. */
function playwrightCaches(env, home) {
  const dirs = []
  if (env.PLAYWRIGHT_BROWSERS_PATH && env.PLAYWRIGHT_BROWSERS_PATH !== '0')
    dirs.push(env.PLAYWRIGHT_BROWSERS_PATH)
  dirs.push(join(home, '.cache', 'ms-playwright'), join(home, 'Library', 'Caches', 'ms-playwright'))
  return dirs
}

/**
 * Every place a Chromium may be, in the order they are tried (`CHROMIUM_PATH` is not among them:
 * when set it is the only answer).
 *
 * @param {{ env?: NodeJS.ProcessEnv, home?: string, systemPaths?: string[] }} [options]
 * @returns {string[]}
 */
export function chromiumCandidates({ env = process.env, home = homedir(), systemPaths = SYSTEM_PATHS } = {}) {
  const found = [...systemPaths]
  for (const cache of playwrightCaches(env, home)) {
    let revisions = []
    try {
      revisions = readdirSync(cache).filter((d) => /^chromium-\d+$/.test(d))
    } catch {
      continue
    }
    // Newest revision first: chromium-1200 before chromium-1187.
    revisions.sort((a, b) => Number(b.slice(9)) - Number(a.slice(9)))
    for (const revision of revisions)
      for (const layout of PLAYWRIGHT_LAYOUTS) found.push(join(cache, revision, ...layout))
  }
  return found
}

/**
 * The Chromium the tests will launch. A `CHROMIUM_PATH` that is set must point at an executable
 * (a typo should not quietly fall back to another browser).
 *
 * @param {{ env?: NodeJS.ProcessEnv, home?: string, systemPaths?: string[] }} [options]
 * @returns {string}
 * @throws {ChromiumNotFoundError} with a message that says how to get one
 */
export function findChromium({ env = process.env, home = homedir(), systemPaths = SYSTEM_PATHS } = {}) {
  if (env.CHROMIUM_PATH) {
    if (isExecutableFile(env.CHROMIUM_PATH)) return env.CHROMIUM_PATH
    throw new ChromiumNotFoundError(
      `CHROMIUM_PATH=${env.CHROMIUM_PATH} is not an executable file.\n${CHROMIUM_HELP}`,
      [env.CHROMIUM_PATH],
    )
  }
  const candidates = chromiumCandidates({ env, home, systemPaths })
  const path = candidates.find(isExecutableFile)
  if (path) return path
  throw new ChromiumNotFoundError(
    `${CHROMIUM_HELP}\n  Looked in: CHROMIUM_PATH (unset), ${systemPaths.join(', ')}, ${playwrightCaches(
      env,
      home,
    )
      .map((d) => join(d, 'chromium-*'))
      .join(', ')}`,
    candidates,
  )
}

/**
 * Launches Chromium on a fresh profile with the sandbox-friendly flags above (plus `args`), and
 * a desktop user agent unless `userAgent` says otherwise.
 *
 * @param {{ args?: string[] } & import('playwright-core').BrowserContextOptions} [options]
 * @returns {Promise<import('playwright-core').BrowserContext>}
 */
export async function launchChromium({ args = [], ...options } = {}) {
  const executablePath = findChromium()
  const profileDir = mkdtempSync(join(tmpdir(), 'refline-chromium-'))
  let context
  try {
    context = await chromium.launchPersistentContext(profileDir, {
      executablePath,
      headless: true,
      userAgent: DESKTOP_CHROME_UA,
      ...options,
      args: [...CHROMIUM_ARGS, ...args],
    })
  } catch (err) {
    rmSync(profileDir, { recursive: true, force: true })
    throw err
  }
  // Chromium may still be flushing its profile when the context reports closed: retry, and never
  // let the clean-up of a temporary folder fail a test.
  context.on('close', () => {
    try {
      rmSync(profileDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 })
    } catch {}
  })
  return context
}

// `node scripts/chromium.mjs`: the check `pnpm test` runs first, so a missing browser stops the
// run at once instead of after minutes of other tests.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    console.log(`Chromium: ${findChromium()}`)
  } catch (err) {
    console.error(err instanceof ChromiumNotFoundError ? err.message : err)
    process.exit(1)
  }
}
