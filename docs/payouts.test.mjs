/**
 * Runs every `sh` example of docs/payouts.md, in order, in one shell against a real local
 * collector, and checks the worked example's figures: $59.10 in the first payout, the PayPal
 * rows, the −$14.70 clawback and the $15.00 it nets to in the next payout.
 */

import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { startCollector } from '../scripts/local-collector.mjs'

const doc = readFileSync(new URL('./payouts.md', import.meta.url), 'utf8')
const blocks = [...doc.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1])

let collector
let cwd
before(async () => {
  collector = await startCollector()
  const { program, keys } = await collector.createProgram({ name: 'Payout docs' })
  cwd = mkdtempSync(join(tmpdir(), 'refline-payout-docs-'))
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

test('docs/payouts.md examples run and their figures add up', () => {
  assert.ok(blocks.length >= 8, `expected the worked example's steps, found ${blocks.length}`)
  const script = blocks
    .map((b, i) => `${b.replace('http://127.0.0.1:8787', collector.url)}\necho "--- end of example ${i}"`)
    .join('\n')
  const out = execFileSync('bash', ['-c', `set -eo pipefail\n${script}`], { cwd, encoding: 'utf8' })
  assert.doesNotMatch(out, /"error"\s*:/, out)
  const steps = out.split(/--- end of example \d+\n?/).map((s) => s.trim())
  const [, approvals, totals, paypal, status, refund, next, minimum] = steps
  assert.equal(approvals, '1470\n2970\n1470')
  assert.equal(totals, '{"USD":5910}')
  const rows = paypal.split(/\r?\n/).sort()
  assert.equal(rows.length, 2)
  assert.match(
    rows[0],
    /^ana@example\.com,44\.40,USD,aff_[A-Za-z0-9]{16},Affiliate commissions to \d{4}-\d{2}-\d{2} \(po_[A-Za-z0-9]{16}\)$/,
  )
  assert.match(rows[1], /^ben@example\.com,14\.70,USD,aff_/)
  assert.equal(status, 'paid')
  assert.equal(refund, '-1470\n{"payout":null}')
  assert.equal(next, 'ana-pay 1500')
  assert.equal(minimum, '{"USD":5000}')
})
