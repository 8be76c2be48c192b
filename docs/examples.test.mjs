/**
 * Runs every `sh` example of docs/api.md, in order, against a real local collector, with a
 * `.refline/dev.json` like the one `pnpm dev` writes, and fails on any error answer. Keeps the
 * reference honest.
 */

import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { startCollector } from '../scripts/local-collector.mjs'

const doc = readFileSync(new URL('./api.md', import.meta.url), 'utf8')
const blocks = [...doc.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1])

let collector
let cwd
before(async () => {
  collector = await startCollector()
  const { program, keys } = await collector.createProgram({ name: 'Docs' })
  cwd = mkdtempSync(join(tmpdir(), 'refline-docs-'))
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

test('docs/api.md has runnable examples', () => {
  assert.ok(blocks.length >= 8, `expected the API reference to carry examples, found ${blocks.length}`)
})

test('every docs/api.md example answers without an error', () => {
  // One shell session, so the variables of the first block carry over like in a terminal.
  const script = blocks
    .map(
      (b, i) => `${b.replace('http://127.0.0.1:8787', collector.url)}\necho; echo "--- end of example ${i}"`,
    )
    .join('\n')
  const out = execFileSync('bash', ['-c', `set -e\n${script}`], { cwd, encoding: 'utf8' })
  const answers = out.split(/--- end of example \d+/).map((s) => s.trim())
  for (const [i, answer] of answers.entries()) {
    if (!answer) continue
    assert.doesNotMatch(answer, /"error"\s*:/, `example ${i} answered an error:\n${answer}`)
    assert.doesNotThrow(() => JSON.parse(answer), `example ${i} did not answer JSON:\n${answer}`)
  }
  assert.match(out, /"amount":1470,"currency":"USD","status":"pending"/)
  assert.match(out, /"status":"reversed"/)
})
