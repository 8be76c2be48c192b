/**
 * The Chromium launcher finds a browser wherever it is installed, in a fixed order, and says how
 * to get one when there is none. Fake homes and executables stand in for other machines; the last
 * test launches the real browser of this one.
 */
import assert from 'node:assert/strict'
import { execFileSync, spawnSync } from 'node:child_process'
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { after, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { CHROMIUM_ARGS, ChromiumNotFoundError, findChromium, launchChromium } from './chromium.mjs'

const home = mkdtempSync(join(tmpdir(), 'refline-chromium-test-'))
after(() => rmSync(home, { recursive: true, force: true }))

function executable(path) {
  mkdirSync(dirname(path), { recursive: true })
  writeFileSync(path, '#!/bin/sh\n')
  chmodSync(path, 0o755)
  return path
}

test('CHROMIUM_PATH wins over every other place', () => {
  const own = executable(join(home, 'bin', 'my-chrome'))
  const system = executable(join(home, 'usr', 'chromium'))
  assert.equal(findChromium({ env: { CHROMIUM_PATH: own }, home, systemPaths: [system] }), own)
})

test('a CHROMIUM_PATH that is no executable is an error, not a quiet fallback', () => {
  const system = executable(join(home, 'usr', 'chromium'))
  const notExecutable = join(home, 'bin', 'plain-file')
  writeFileSync(notExecutable, '')
  for (const path of [notExecutable, join(home, 'missing')]) {
    assert.throws(
      () => findChromium({ env: { CHROMIUM_PATH: path }, home, systemPaths: [system] }),
      (err) => err instanceof ChromiumNotFoundError && err.message.includes(`CHROMIUM_PATH=${path}`),
    )
  }
})

test('an installed browser comes before the Playwright cache, in the listed order', () => {
  const chromium = executable(join(home, 'usr', 'chromium'))
  const chrome = executable(join(home, 'usr', 'google-chrome'))
  executable(join(home, '.cache', 'ms-playwright', 'chromium-1100', 'chrome-linux', 'chrome'))
  assert.equal(findChromium({ env: {}, home, systemPaths: [join(home, 'absent'), chrome] }), chrome)
  assert.equal(findChromium({ env: {}, home, systemPaths: [chromium, chrome] }), chromium)
})

test("Playwright's cache is searched newest revision first, old and new layouts", () => {
  const cacheHome = mkdtempSync(join(home, 'pw-'))
  const cache = join(cacheHome, '.cache', 'ms-playwright')
  executable(join(cache, 'chromium-1100', 'chrome-linux', 'chrome'))
  const newest = executable(join(cache, 'chromium-1200', 'chrome-linux64', 'chrome'))
  mkdirSync(join(cache, 'firefox-1500'), { recursive: true })
  assert.equal(findChromium({ env: {}, home: cacheHome, systemPaths: [] }), newest)
  // PLAYWRIGHT_BROWSERS_PATH is where Playwright put them when it is set.
  const custom = mkdtempSync(join(home, 'browsers-'))
  const there = executable(join(custom, 'chromium-1300', 'chrome-linux64', 'chrome'))
  assert.equal(
    findChromium({ env: { PLAYWRIGHT_BROWSERS_PATH: custom }, home: cacheHome, systemPaths: [] }),
    there,
  )
})

test('with no browser anywhere, the message says how to get one', () => {
  const empty = mkdtempSync(join(home, 'empty-'))
  assert.throws(
    () => findChromium({ env: {}, home: empty, systemPaths: [join(empty, 'chromium')] }),
    (err) =>
      err instanceof ChromiumNotFoundError &&
      err.message.includes('apt-get install chromium') &&
      err.message.includes('CHROMIUM_PATH='),
  )
})

test('`node scripts/chromium.mjs` exits 1 with that message, so pnpm test stops at once', () => {
  const script = fileURLToPath(new URL('./chromium.mjs', import.meta.url))
  const run = spawnSync(process.execPath, [script], {
    env: { ...process.env, CHROMIUM_PATH: join(home, 'nothing-here') },
    encoding: 'utf8',
  })
  assert.equal(run.status, 1)
  assert.match(run.stderr, /apt-get install chromium/)
  assert.match(run.stderr, /CHROMIUM_PATH=/)
})

test('launches the browser it finds with the sandbox flags, on a profile removed on close', async () => {
  const path = findChromium()
  const version = execFileSync(path, ['--version'], { encoding: 'utf8' })
  assert.match(version, /Chrom/)
  const context = await launchChromium()
  const page = await context.newPage()
  await page.setContent('<p id="x">hello</p>')
  assert.equal(await page.textContent('#x'), 'hello')
  assert.match(await page.evaluate(() => navigator.userAgent), /Chrome\/.*Safari/)
  assert.doesNotMatch(await page.evaluate(() => navigator.userAgent), /HeadlessChrome/)
  await context.close()
  assert.ok(CHROMIUM_ARGS.includes('--no-sandbox') && CHROMIUM_ARGS.includes('--disable-quic'))
})
