/**
 * Runs every `sh` example of docs/stripe.md, in order, against a real local collector, and fails
 * on any error answer: the secret is stored, the hand-signed delivery passes the collector's check
 * with the stripe package, and the promotion code credits its affiliate.
 */

import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { startCollector } from '../scripts/local-collector.mjs'

const doc = readFileSync(new URL('./stripe.md', import.meta.url), 'utf8')
const blocks = [...doc.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1])

let collector
let cwd
before(async () => {
  collector = await startCollector()
  const { program, keys } = await collector.createProgram({
    name: 'Stripe docs',
    commission: { type: 'percent', percent: 30 },
  })
  cwd = mkdtempSync(join(tmpdir(), 'refline-stripe-docs-'))
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

test('every docs/stripe.md example answers without an error', () => {
  assert.ok(blocks.length >= 6, `expected runnable examples, found ${blocks.length}`)
  const script = blocks
    .map(
      (b, i) => `${b.replace('http://127.0.0.1:8787', collector.url)}\necho; echo "--- end of example ${i}"`,
    )
    .join('\n')
  const out = execFileSync('bash', ['-c', `set -e\ncurl() { command curl "$@"; echo; }\n${script}`], {
    cwd,
    encoding: 'utf8',
  })
  const answers = out
    .split(/--- end of example \d+/)
    .flatMap((s) => s.split('\n'))
    .map((s) => s.trim())
    .filter(Boolean)
  for (const answer of answers) {
    assert.doesNotMatch(answer, /"error"\s*:/, `an example answered an error:\n${answer}`)
    assert.doesNotThrow(() => JSON.parse(answer), `an example did not answer JSON:\n${answer}`)
  }
  assert.doesNotMatch(out, /whsec_docs/, 'a secret was echoed back')
  assert.match(out, /"connected":true/)
  assert.match(out, /"event_id":"pi_docs_1"/)
  assert.match(out, /"promo_codes":\["JANE20"\]/)
  assert.match(out, /"event_id":"order_docs_1","affiliate":\{"id":"aff_[^"]+","code":"janepromo"\}/)
})
