/**
 * Runs every `sh` example of docs/webhooks.md, in order, against a real local collector in local
 * development mode (WEBHOOKS_ALLOW_PRIVATE), and fails on any error answer.
 */

import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { startCollector } from '../scripts/local-collector.mjs'

const doc = readFileSync(new URL('./webhooks.md', import.meta.url), 'utf8')
const blocks = [...doc.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1])

let collector
let cwd
before(async () => {
  collector = await startCollector({ vars: { WEBHOOKS_ALLOW_PRIVATE: 'true' } })
  const { program, keys } = await collector.createProgram({ name: 'Webhook docs' })
  cwd = mkdtempSync(join(tmpdir(), 'refline-webhook-docs-'))
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

test('every docs/webhooks.md example answers without an error', () => {
  assert.ok(blocks.length >= 2, `expected runnable examples, found ${blocks.length}`)
  const endpointFile = join(cwd, 'endpoint.json')
  const script = blocks
    .map(
      (b, i) =>
        `${b.replace('http://127.0.0.1:8787', collector.url).replaceAll('/tmp/refline-endpoint.json', endpointFile)}\necho; echo "--- end of example ${i}"`,
    )
    .join('\n')
  // One answer per line: curl prints none of its own.
  const out = execFileSync('bash', ['-c', `set -e\ncurl() { command curl "$@"; echo; }\n${script}`], {
    cwd,
    encoding: 'utf8',
  })
  const answers = out
    .split(/--- end of example \d+/)
    .flatMap((s) => s.split('\n'))
    .map((s) => s.trim())
    .filter(Boolean)
  assert.ok(answers.length >= 5, `expected an answer per request:\n${out}`)
  for (const answer of answers) {
    assert.doesNotMatch(answer, /"error"\s*:/, `an example answered an error:\n${answer}`)
    assert.doesNotThrow(() => JSON.parse(answer), `an example did not answer JSON:\n${answer}`)
  }
  assert.match(out, /"secret":"whsec_[A-Za-z0-9+/]{43}="/)
  assert.match(out, /"events":\["conversion.created","refund.created"\]/)
  assert.match(out, /"deliveries":\[\]/)
  assert.match(out, /"deleted":true/)
})
