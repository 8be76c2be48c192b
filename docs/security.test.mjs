/**
 * Runs every `sh` example of docs/security.md, in order, in one shell, against a real local
 * collector with a `.refline/dev.json` like the one `pnpm dev` writes, and checks that each shows
 * what the text says: a test key is refused, guesses hit 429 with Retry-After, foreign origins
 * are refused, a new portal link is issued.
 */

import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { startCollector } from '../scripts/local-collector.mjs'

const doc = readFileSync(new URL('./security.md', import.meta.url), 'utf8')
const blocks = [...doc.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1])

let collector
let cwd
before(async () => {
  collector = await startCollector()
  const { program, keys } = await collector.createProgram({ name: 'Security docs' })
  cwd = mkdtempSync(join(tmpdir(), 'refline-security-docs-'))
  mkdirSync(join(cwd, '.refline'))
  writeFileSync(
    join(cwd, '.refline', 'dev.json'),
    JSON.stringify({ adminToken: collector.adminToken, program, keys }),
  )
})
after(async () => {
  await collector?.stop()
  if (cwd) rmSync(cwd, { recursive: true, force: true })
})

test('every docs/security.md example shows what the text says', () => {
  assert.ok(blocks.length >= 5, `expected examples, found ${blocks.length}`)
  // The limits count in fixed minutes of the clock (the local Rate Limiting binding buckets by
  // floor(now / 60 s)), so 32 guesses that straddle a minute's end start a fresh count halfway
  // and the 32nd is a 401. The guesses start with at least 20 s of their minute left.
  const freshMinute = 'while [ $(( $(date +%s) % 60 )) -ge 40 ]; do sleep 1; done\n'
  const script = blocks
    .map(
      (b, i) =>
        `${b.includes('sk_live_guess') ? freshMinute : ''}${b.replace('http://127.0.0.1:8787', collector.url)}\necho; echo "--- end of example ${i}"`,
    )
    .join('\n')
  let out
  try {
    // On a failing command, say which one and what it printed (the examples run as one script).
    out = execFileSync('bash', ['-c', `set -eE\ntrap 'echo "failed: $BASH_COMMAND" >&2' ERR\n${script}`], {
      cwd,
      encoding: 'utf8',
    })
  } catch (err) {
    throw new Error(`the examples stopped: ${err.stderr}\n--- their output so far ---\n${err.stdout}`)
  }
  const [, modes, limits, origin, portal] = out.split(/--- end of example \d+/).map((s) => s.trim())
  const [created, seenByTest, patched] = modes.split('\n').map((line) => JSON.parse(line))
  assert.match(created.affiliate.portal_url, /\/portal\/[A-Za-z0-9]{32}$/)
  assert.deepEqual(
    { email: seenByTest.affiliate.email, portal_url: seenByTest.affiliate.portal_url },
    { email: null, portal_url: null },
  )
  assert.equal(patched.error.code, 'forbidden')
  const [codes, retryAfter, real] = limits.split('\n').map((s) => s.trim())
  assert.equal(codes, `${'401 '.repeat(30)}429`)
  assert.match(retryAfter, /^retry-after: 60$/i)
  assert.equal(real, '200')
  assert.equal(JSON.parse(origin).error.code, 'forbidden')
  const rotated = JSON.parse(portal)
  assert.match(rotated.portal_url, /\/portal\/[A-Za-z0-9]{32}$/)
  assert.notEqual(rotated.portal_url, created.affiliate.portal_url)
})
